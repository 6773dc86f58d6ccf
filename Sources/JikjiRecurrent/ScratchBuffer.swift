/// A growable Float buffer owned by a workspace; reused across calls so training loops do not
/// allocate once sizes have been seen.
@usableFromInline
final class ScratchBuffer {
    @usableFromInline var pointer: UnsafeMutablePointer<Float>
    @usableFromInline var capacity: Int

    init() {
        pointer = .allocate(capacity: 1)
        capacity = 1
    }

    /// Makes room for `count` elements (contents are not preserved) and returns the pointer.
    @discardableResult
    func reserve(_ count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        if zeroed { pointer.update(repeating: 0, count: count) }
        return pointer
    }

    func tensor(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: Array(UnsafeBufferPointer(start: pointer, count: shape.reduce(1, *))))
    }

    func copy(from tensor: Tensor) {
        let p = reserve(tensor.count)
        tensor.storage.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
    }

    deinit { pointer.deallocate() }
}
