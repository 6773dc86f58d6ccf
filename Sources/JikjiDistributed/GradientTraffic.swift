/// What the gradient reductions of a run moved, per rank: the bytes sent with the row-sparse
/// embedding reduction Jikji chose, beside what reducing every embedding table dense would have
/// sent. Ring collectives (Open MPI's choice for large buffers): an allreduce of n bytes sends
/// 2(N−1)/N·n from each rank; an allgather of blocks totalling n bytes sends (N−1)/N·n.
public struct GradientTraffic: Sendable, Equatable {
    /// Reductions counted.
    public var steps = 0
    /// Bytes each rank sent, as reduced.
    public var bytesSent = 0.0
    /// Bytes each rank would have sent with every embedding table reduced dense.
    public var denseBytesSent = 0.0
    /// Embedding gradient values gathered sparse (all ranks' rows, times the row width), summed over the steps.
    public var gatheredValues = 0
    /// Values in the flat allreduce buffer, summed over the steps.
    public var reducedValues = 0
    /// Tokens of the global batches, summed over the steps.
    public var tokens = 0

    /// Nothing counted yet.
    public init() {}

    /// Bytes per step sent, as reduced.
    public var bytesPerStep: Double { steps > 0 ? bytesSent / Double(steps) : 0 }
    /// Tokens per global batch.
    public var tokensPerStep: Double { steps > 0 ? Double(tokens) / Double(steps) : 0 }
    /// Values per step in the flat allreduce.
    public var reducedValuesPerStep: Double { steps > 0 ? Double(reducedValues) / Double(steps) : 0 }
    /// Embedding values per step gathered row-sparse (from all ranks).
    public var gatheredValuesPerStep: Double { steps > 0 ? Double(gatheredValues) / Double(steps) : 0 }
    /// Bytes per step a dense reduction of the embedding tables would have sent.
    public var denseBytesPerStep: Double { steps > 0 ? denseBytesSent / Double(steps) : 0 }

    /// Bytes a rank sends in a ring allreduce of `bytes` over `ranks`.
    static func allreduce(_ bytes: Int, ranks: Int) -> Double { 2 * Double(ranks - 1) / Double(ranks) * Double(bytes) }
    /// Bytes a rank sends in a ring allgather of blocks totalling `bytes` over `ranks`.
    static func allgather(_ bytes: Int, ranks: Int) -> Double { Double(ranks - 1) / Double(ranks) * Double(bytes) }
}
