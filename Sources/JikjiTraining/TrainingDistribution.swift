import JikjiData
import JikjiRecurrent

/// How a ``Trainer`` takes part in data-parallel training across processes: the hook through
/// which it trains on its share of each global batch and sums gradients with the other processes
/// (ranks). JikjiDistributed implements it over MPI; without one (``Trainer/Options/distribution``
/// nil) the trainer runs alone, exactly as before.
///
/// Every rank runs the same trainer on the same data with the same weights; each takes its rows
/// of the same global batch (the epoch's plan does not depend on the number of ranks), and after
/// ``reduce(_:parameters:sparseTables:stop:)`` every rank holds the same gradient and applies
/// the same optimizer step. Every method is collective: all ranks call it at the same point.
public protocol TrainingDistribution: AnyObject {
    /// This process's rank, 0..<``size``; rank 0 alone writes checkpoints and records metrics.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// This rank's rows of the global `batch`.
    func share(of batch: Batch) -> Batch
    /// The dropout generator this rank uses for `step`, derived from the run's generator `base`
    /// (which then does not advance: its state, saved in checkpoints, is the same on every rank).
    func generator(forStep step: Int, base: SeededGenerator) -> SeededGenerator
    /// Turns this rank's gradients of `step` (accumulated in `parameters`, of the mean loss over
    /// `step.count` predictions) into the gradients of the global batch's mean loss, the same on
    /// every rank; returns the global step (loss, count, tokens, and the union of the rows of each
    /// of `sparseTables` that received gradient) and whether any rank asked to `stop`.
    func reduce(_ step: TrainingStep, parameters: [Parameter], sparseTables: [Parameter], stop: Bool) throws
        -> (step: TrainingStep, stop: Bool)
    /// Rank 0's `flag` (early stopping is decided where the evaluation runs).
    func agree(_ flag: Bool) throws -> Bool
    /// The state a task carries between batches (``TrainingTask/carriedTensors``, batch rows in
    /// dimension 1) of the whole global batch, assembled from every rank's rows (for checkpoints).
    func gatherCarried(_ tensors: [String: Tensor]) throws -> [String: Tensor]
    /// This rank's rows (dimension 1) of carried state saved for the whole global batch.
    func shareOfCarried(_ tensors: [String: Tensor]) -> [String: Tensor]
}

extension TrainingDistribution {
    /// Whether this rank writes checkpoints, metrics and reports.
    public var isPrimary: Bool { rank == 0 }
}
