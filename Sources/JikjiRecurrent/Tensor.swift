/// A dense Float32 tensor: a shape and contiguous row-major storage.
///
/// A value type: copies share storage until one of them is written (copy on write through
/// `Array`). Hot loops work on `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`
/// of ``storage`` rather than on element subscripts.
public struct Tensor: Equatable, Sendable {
    /// The size of each dimension, outermost first (for example `[B, T, H]`).
    public private(set) var shape: [Int]
    /// The elements, row-major; `storage.count == shape.reduce(1, *)`.
    public var storage: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor over existing row-major values; `values.count` must equal the shape's product.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *),
                     "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.storage = values
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }

    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The same elements under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: storage)
    }

    /// Row-major strides of ``shape``, in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            result[axis] = step
            step *= shape[axis]
        }
        return result
    }

    /// The element at a full multi-dimensional index (for tests and tooling, not hot loops).
    public subscript(index: Int...) -> Float {
        get { storage[flatIndex(index)] }
        set { storage[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of range for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return flat
    }
}
