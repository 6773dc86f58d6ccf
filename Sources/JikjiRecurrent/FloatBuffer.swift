/// Uninitialised Float storage owned by a recurrent layer's forward pass.
///
/// The recurrent kernels write whole buffers before reading them, so zero-filling an `Array`
/// first would be a wasted pass over memory; this class hands out a raw pointer instead. Its
/// memory comes from, and returns to, a ``BufferPool`` when one is given.
///
/// `@unchecked Sendable` because the kernels of one pass share a buffer between threads through
/// its raw pointer: `pointer` and `count` never change, and the memory behind them is written
/// under ``ParallelLoop``'s rule (each thread its own rows, columns or direction, read by others
/// only after the loop that wrote it has returned). A tape keeping buffers for backward may be
/// handed to another thread once the forward pass has returned.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let pool: BufferPool?

    /// `count` floats, uninitialised unless `zeroed`.
    init(count: Int, zeroed: Bool = false, pool: BufferPool? = nil) {
        self.count = count
        self.pool = pool
        pointer = pool?.take(count) ?? .allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    deinit {
        if let pool { pool.give(pointer, count) } else { pointer.deallocate() }
    }

    /// Sets every element to zero.
    func zero() { pointer.update(repeating: 0, count: count) }
}
