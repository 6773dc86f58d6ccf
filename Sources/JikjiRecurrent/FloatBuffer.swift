/// Uninitialised Float storage owned by a recurrent layer's forward pass.
///
/// The recurrent kernels write whole buffers before reading them, so zero-filling an `Array`
/// first would be a wasted pass over memory; this class hands out a raw pointer instead. Its
/// memory comes from, and returns to, a ``BufferPool`` when one is given.
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
