/// An integer tensor of a checkpoint (ids, counters), stored as `I64`.
public struct IntegerTensor: Equatable, Sendable {
    /// The size of each dimension.
    public var shape: [Int]
    /// The elements, row-major.
    public var values: [Int64]

    /// An integer tensor; `values.count` must equal the shape's product.
    public init(shape: [Int], values: [Int64]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }
}
