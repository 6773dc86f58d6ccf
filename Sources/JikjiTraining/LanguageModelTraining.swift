import JikjiData
import JikjiModels
import JikjiRecurrent

/// Trains a ``LanguageModel`` on next-token batches; evaluates loss and perplexity.
///
/// With ``carriesState`` (batches of contiguous rows, ``BatchingOptions/LanguageModelLayout/contiguousRows``)
/// each window starts from the final (h, c) of the previous window of the same rows, detached
/// (truncated BPTT); the state is dropped at each epoch start and saved in checkpoints. Without
/// it every window (or padded document row) starts from zeros.
public struct LanguageModelTraining: TrainingTask {
    /// The model being trained.
    public let model: LanguageModel
    /// Whether each window starts from the state the previous window of its rows ended in.
    public let carriesState: Bool
    /// The state after the last training window (``carriesState`` only; nil at an epoch start).
    var carried: LanguageModel.State?

    /// Training of `model`, carrying the state between windows or not.
    public init(model: LanguageModel, carriesState: Bool) {
        self.model = model
        self.carriesState = carriesState
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }
    public var architectureJSON: String { JikjiTraining.architectureJSON(kind: "language_model", model.configuration) }
    public var embeddingTables: [(name: String, parameter: Parameter)] { model.embeddingTables }
    public var parameterGroups: [ParameterGroup] { model.parameterGroups }

    public mutating func startEpoch() { carried = nil }

    public var carriedTensors: [String: Tensor] {
        guard let carried else { return [:] }
        var tensors = ["lm_state.hidden": carried.hidden]
        if let cell = carried.cell { tensors["lm_state.cell"] = cell }
        return tensors
    }

    public mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws {
        guard let hidden = tensors["lm_state.hidden"] else { carried = nil; return }
        let c = model.configuration
        guard carriesState, hidden.shape.count == 3, hidden.shape[0] == c.layers, hidden.shape[2] == c.stateWidth else {
            throw CheckpointError("the checkpoint's carried state \(hidden.shape) does not fit this language model")
        }
        carried = LanguageModel.State(hidden: hidden, cell: tensors["lm_state.cell"])
    }

    public mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> TrainingStep {
        var pass = try model.forward(batch, state: carriesState ? carried : nil, training: true, generator: &generator)
        let loss = try model.loss(&pass, batch: batch)
        let rows = try model.backward(pass)
        if carriesState { carried = pass.state }
        return TrainingStep(loss: Double(loss.value), count: loss.count, tokens: loss.count, touchedRows: rows)
    }

    /// Loss and perplexity over every target of `batches`: exp of the mean next-token
    /// cross-entropy. Carrying the state, it runs through each row from zeros at the split's start
    /// (the batches are contiguous rows), so a prediction sees everything before it in its row;
    /// otherwise each window (or document piece) sees only its own earlier tokens.
    public func evaluate(_ batches: Batches) throws -> [String: Double] {
        var total = 0.0, count = 0
        var unused = SeededGenerator(seed: 0)
        var state: LanguageModel.State? = nil
        for batch in batches {
            var pass = try model.forward(batch, state: carriesState ? state : nil, training: false, generator: &unused)
            let loss = try model.loss(&pass, batch: batch)
            state = pass.state
            if loss.count > 0 { total += Double(loss.value) * Double(loss.count); count += loss.count }
        }
        let loss = count > 0 ? total / Double(count) : .nan
        return ["loss": loss, "perplexity": Metrics.perplexity(meanLoss: loss)]
    }
}
