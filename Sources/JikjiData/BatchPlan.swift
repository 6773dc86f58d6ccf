/// The order of one epoch: example indices, cut into batches.
public struct BatchPlan: Sendable, Equatable {
    /// Example (or window) indices in batch order.
    public var order: [Int]
    /// Batch b is `order[starts[b]..<starts[b + 1]]`.
    public var starts: [Int]

    /// The number of batches.
    public var count: Int { starts.count - 1 }

    /// The indices of batch `b`.
    public func batch(_ b: Int) -> ArraySlice<Int> { order[starts[b]..<starts[b + 1]] }
}
