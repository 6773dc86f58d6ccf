import Foundation

/// ``Batches`` with background prefetch: a producer thread builds up to `depth` batches ahead.
public struct PrefetchedBatches: Sequence, Sendable {
    /// The batches to prefetch and how many to build ahead.
    public let batches: Batches
    public let depth: Int

    /// Starts the producer thread and returns the consuming iterator.
    public func makeIterator() -> Iterator { Iterator(owner: PrefetchOwner(PrefetchQueue(batches: batches, depth: depth))) }

    /// Hands out batches in order; dropping it early stops the producer thread.
    public struct Iterator: IteratorProtocol {
        let owner: PrefetchOwner
        public mutating func next() -> Batch? { owner.queue.take() }
    }
}

/// Owned by the consumer only, so its end (the iterator going away) can tell the producer to stop
/// even while the producer is blocked on a full queue.
final class PrefetchOwner: Sendable {
    let queue: PrefetchQueue
    init(_ queue: PrefetchQueue) { self.queue = queue }
    deinit { queue.cancel() }
}

/// A bounded single-producer, single-consumer queue filled by a background thread.
///
/// `@unchecked Sendable`: the producer thread and the consumer share it, and every mutable
/// property (`buffer`, `produced`, `cancelled`) is read and written only while holding `condition`.
final class PrefetchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [Batch] = []
    private var produced = 0
    private var cancelled = false
    private let total: Int
    private let depth: Int

    init(batches: Batches, depth: Int) {
        total = batches.count
        self.depth = depth
        let thread = Thread { [self] in
            for b in 0..<batches.count {
                let batch = batches.batch(b)
                condition.lock()
                while buffer.count >= depth && !cancelled { condition.wait() }
                if cancelled { condition.unlock(); return }
                buffer.append(batch)
                produced += 1
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.name = "jikji.prefetch"
        thread.start()
    }

    /// The next batch, waiting for the producer if needed; nil after the last.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while buffer.isEmpty && produced < total && !cancelled { condition.wait() }
        guard !buffer.isEmpty else { return nil }
        let batch = buffer.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Stops the producer at its next step.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
