/// A lookup table of trainable vectors: ids `[N...]` → vectors `[N..., E]`, like `torch.nn.Embedding`.
///
/// The row at ``paddingIndex`` never receives a gradient (PyTorch's `padding_idx`), so it keeps
/// its value (zero when freshly initialised). A frozen embedding (`weight.requiresGradient ==
/// false`, for example pretrained vectors) accumulates no gradient at all. Backward returns the
/// rows it touched, so a sparse (row-wise) update can visit only those.
public struct Embedding: ParameterContainer {
    /// The table, `[V, E]`; state_dict name `weight`.
    public let weight: Parameter
    /// The id whose row gets no gradient, or nil.
    public let paddingIndex: Int?

    /// Number of rows `V`.
    public var vocabularySize: Int { weight.value.shape[0] }
    /// Vector size `E`.
    public var dimension: Int { weight.value.shape[1] }

    /// A table initialised like PyTorch (`N(0, 1)`), with the padding row zeroed.
    public init(vocabularySize: Int, dimension: Int, paddingIndex: Int? = nil, generator: inout SeededGenerator) {
        var table = Tensor(shape: [vocabularySize, dimension])
        for i in 0..<table.count { table.storage[i] = generator.nextNormal() }
        if let pad = paddingIndex, pad >= 0, pad < vocabularySize {
            for j in 0..<dimension { table.storage[pad * dimension + j] = 0 }
        }
        self.weight = Parameter(table)
        self.paddingIndex = paddingIndex
    }

    /// A table over given (for example pretrained) weights `[V, E]`; `frozen` ones never get gradients.
    public init(weight: Tensor, paddingIndex: Int? = nil, frozen: Bool = false) throws {
        guard weight.rank == 2 else {
            throw LayerInputError("embedding weights must be [vocabulary, dimension], got shape \(weight.shape)")
        }
        if let pad = paddingIndex, pad < 0 || pad >= weight.shape[0] {
            throw LayerInputError("padding index \(pad) is outside the embedding's \(weight.shape[0]) rows")
        }
        self.weight = Parameter(weight, requiresGradient: !frozen)
        self.paddingIndex = paddingIndex
    }

    /// `weight`, as in PyTorch's state_dict.
    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    /// Looks up `ids` (any shape `[N...]`, row-major) and returns `[N..., E]`.
    /// Throws when an id is negative or ≥ ``vocabularySize``, naming its position.
    public func forward(ids: [Int], shape: [Int]) throws -> Tensor {
        guard shape.reduce(1, *) == ids.count else {
            throw LayerInputError("embedding: \(ids.count) ids do not fill shape \(shape)")
        }
        let e = dimension, v = vocabularySize
        var out = Tensor(shape: shape + [e])
        try weight.value.storage.withUnsafeBufferPointer { table in
            try out.storage.withUnsafeMutableBufferPointer { o in
                for (n, id) in ids.enumerated() {
                    guard id >= 0 && id < v else {
                        throw LayerInputError("embedding: id \(id) at position \(n) is outside the vocabulary of \(v) rows")
                    }
                    (o.baseAddress! + n * e).update(from: table.baseAddress! + id * e, count: e)
                }
            }
        }
        return out
    }

    /// Accumulates `d weight` from the gradient of the looked-up vectors, `[N..., E]`.
    /// Rows of the padding id are skipped; a frozen table is left untouched.
    /// Returns the distinct rows that received gradient, ascending (for sparse updates).
    @discardableResult
    public func backward(ids: [Int], outputGradient: Tensor) -> [Int] {
        guard weight.requiresGradient else { return [] }
        let e = dimension
        precondition(outputGradient.count == ids.count * e,
                     "embedding backward: gradient of shape \(outputGradient.shape) for \(ids.count) ids of size \(e)")
        var touched = [Bool](repeating: false, count: vocabularySize)
        outputGradient.storage.withUnsafeBufferPointer { g in
            weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                for (n, id) in ids.enumerated() where id != paddingIndex {
                    let row = dw.baseAddress! + id * e, src = g.baseAddress! + n * e
                    for j in 0..<e { row[j] += src[j] }
                    touched[id] = true
                }
            }
        }
        return touched.indices.filter { touched[$0] }
    }

    /// Zeroes the gradient of the given rows only (the ones ``backward(ids:outputGradient:)``
    /// returned), instead of the whole `[V, E]` table.
    public func zeroGradient(rows: [Int]) {
        weight.zeroGradient(rows: rows)
    }
}
