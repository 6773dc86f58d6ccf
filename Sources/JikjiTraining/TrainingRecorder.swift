import Foundation

/// One metric value recorded during training (`valid.accuracy` at step 40 of epoch 1, …).
public struct TrainingMetric: Sendable, Equatable {
    /// Optimizer steps done when it was measured, and the epoch then running (0-based).
    public var step: Int
    public var epoch: Int
    /// `train`, `valid` or `test`.
    public var split: String
    /// `loss`, `accuracy`, `f1`, `perplexity`, `bleu`.
    public var name: String
    public var value: Double

    /// A metric; see each property.
    public init(step: Int, epoch: Int, split: String, name: String, value: Double) {
        self.step = step; self.epoch = epoch; self.split = split; self.name = name; self.value = value
    }
}

/// One checkpoint folder written by a ``Trainer``.
public struct TrainingCheckpoint: Sendable, Equatable {
    /// Optimizer steps done when it was written.
    public var step: Int
    /// The folder holding `model.safetensors` and `state.safetensors`.
    public var path: String
    /// The selection metric at this checkpoint, when it followed an evaluation.
    public var metric: Double?
    /// Whether it holds the best weights so far (at most one checkpoint is best).
    public var isBest: Bool

    /// A checkpoint; see each property.
    public init(step: Int, path: String, metric: Double?, isBest: Bool) {
        self.step = step; self.path = path; self.metric = metric; self.isBest = isBest
    }
}

/// Where a ``Trainer`` keeps its metrics and the list of its checkpoints: a checkpoint counts
/// only once it is recorded here, so a process killed while writing one leaves the last recorded
/// checkpoint in charge. Jobs record into their run registry; ``TrainingHistory`` keeps them in memory.
public protocol TrainingRecorder: AnyObject {
    /// Appends metric values.
    func record(_ metrics: [TrainingMetric]) throws
    /// Records a checkpoint, replacing one at the same step; a best one becomes the only best.
    func record(_ checkpoint: TrainingCheckpoint) throws
    /// Every recorded checkpoint, by step.
    func checkpoints() throws -> [TrainingCheckpoint]
    /// Forgets the checkpoint of `step` (its folder is deleted by the trainer).
    func removeCheckpoint(step: Int) throws
}

/// A ``TrainingRecorder`` in memory: for Swift programs that train without a run registry.
public final class TrainingHistory: TrainingRecorder {
    /// Every metric recorded, in order.
    public private(set) var metrics: [TrainingMetric] = []
    private var checkpointList: [TrainingCheckpoint] = []

    /// An empty history.
    public init() {}

    public func record(_ metrics: [TrainingMetric]) throws { self.metrics += metrics }

    public func record(_ checkpoint: TrainingCheckpoint) throws {
        if checkpoint.isBest { for i in checkpointList.indices { checkpointList[i].isBest = false } }
        checkpointList.removeAll { $0.step == checkpoint.step }
        checkpointList.append(checkpoint)
        checkpointList.sort { $0.step < $1.step }
    }

    public func checkpoints() throws -> [TrainingCheckpoint] { checkpointList }

    public func removeCheckpoint(step: Int) throws { checkpointList.removeAll { $0.step == step } }
}
