import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent

/// What a ``Trainer`` drives: a model with its training step over one batch, its evaluation over
/// batches, and the state a checkpoint must carry. ``ClassifierTraining``, ``LanguageModelTraining``
/// and ``Seq2SeqTraining`` wrap the three models; each step is the model's ``TrainableModel``
/// forward pass, loss and backward pass.
public protocol TrainingTask {
    /// The model's parameters under PyTorch state_dict names (what checkpoints hold).
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// `{"kind": …, "configuration": …}`: the architecture, saved in every checkpoint's metadata.
    var architectureJSON: String { get }
    /// Embedding tables that may be updated row by row: a table here must receive gradient only
    /// in the rows ``TrainingStep/touchedRows`` lists.
    var embeddingTables: [(name: String, parameter: Parameter)] { get }
    /// The parameters in groups, bottom to top (embedding, recurrent layers, head or output):
    /// the units of discriminative learning rates and gradual unfreezing. Every name of
    /// ``namedParameters`` is in exactly one group.
    var parameterGroups: [ParameterGroup] { get }
    /// Forward and backward over one batch; gradients are accumulated into the parameters.
    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> TrainingStep
    /// Metrics over batches (no gradients): `loss` plus the task's own.
    func evaluate(_ batches: Batches) throws -> [String: Double]
    /// Called before the first batch of every epoch (a language model carrying its state drops it here).
    mutating func startEpoch()
    /// State carried from one batch to the next that a checkpoint must hold for a resumed run to
    /// continue exactly (a language model's carried (h, c)); empty for tasks without any.
    var carriedTensors: [String: Tensor] { get }
    /// Puts back what ``carriedTensors`` returned when the checkpoint was written.
    mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws
}

extension TrainingTask {
    /// One group of every parameter, for tasks without layers of their own.
    public var parameterGroups: [ParameterGroup] { [ParameterGroup(name: "all", parameterNames: namedParameters.map(\.name))] }
    /// Nothing carried across batches.
    public mutating func startEpoch() {}
    /// Nothing carried across batches.
    public var carriedTensors: [String: Tensor] { [:] }
    /// Nothing carried across batches.
    public mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws {}

    /// Copies `values` (a state dict) into the parameters.
    /// - Throws: ``CheckpointError`` when a parameter is missing or has another shape.
    public func loadStateDict(_ values: [String: Tensor]) throws {
        for (name, p) in namedParameters {
            guard let value = values[name], value.shape == p.value.shape else {
                throw CheckpointError("checkpoint lacks '\(name)' with shape \(p.value.shape)")
            }
            p.value = value
        }
    }
}

/// What one training step reports.
public struct TrainingStep: Sendable {
    /// The mean loss over ``count`` predictions.
    public var loss: Double
    /// Predictions the loss averages.
    public var count: Int
    /// Real (unpadded) tokens read, for tokens/s.
    public var tokens: Int
    /// For each of ``TrainingTask/embeddingTables``: the rows that received gradient, ascending.
    public var touchedRows: [[Int]]

    /// A step's report; see each property.
    public init(loss: Double, count: Int, tokens: Int, touchedRows: [[Int]]) {
        self.loss = loss
        self.count = count
        self.tokens = tokens
        self.touchedRows = touchedRows
    }
}

/// The architecture JSON of a model kind: `{"kind": …, "configuration": …}` (`model.json`).
public func architectureJSON<C: Encodable>(kind: String, _ configuration: C) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    let body = (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    return "{\"kind\": \"\(kind)\", \"configuration\": \(body)}"
}
