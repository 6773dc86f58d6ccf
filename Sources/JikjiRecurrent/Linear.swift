/// An affine map `y = x Wᵀ + b` over the last dimension, like `torch.nn.Linear`:
/// `[N..., in]` → `[N..., out]`.
public struct Linear: ParameterContainer {
    /// `[out, in]`; state_dict name `weight`.
    public let weight: Parameter
    /// `[out]`, or nil for a layer without bias; state_dict name `bias`.
    public let bias: Parameter?

    /// Input size `in`.
    public var inputSize: Int { weight.value.shape[1] }
    /// Output size `out`.
    public var outputSize: Int { weight.value.shape[0] }

    /// A layer initialised like PyTorch: weight and bias uniform in `±1/√in`.
    public init(inputSize: Int, outputSize: Int, bias hasBias: Bool = true, generator: inout SeededGenerator) {
        let bound = 1 / Float(inputSize).squareRoot()
        var w = Tensor(shape: [outputSize, inputSize])
        for i in 0..<w.count { w.storage[i] = generator.nextFloat(in: -bound, bound) }
        weight = Parameter(w)
        if hasBias {
            var b = Tensor(shape: [outputSize])
            for i in 0..<b.count { b.storage[i] = generator.nextFloat(in: -bound, bound) }
            bias = Parameter(b)
        } else {
            bias = nil
        }
    }

    /// A layer over given weights `[out, in]` and bias `[out]` (or nil).
    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.rank == 2 else {
            throw LayerInputError("linear weight must be [out, in], got shape \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw LayerInputError("linear bias must be [\(weight.shape[0])], got shape \(bias.shape)")
        }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
    }

    /// `weight`, then `bias` when present, as in PyTorch's state_dict.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list = [(name: "weight", parameter: weight)]
        if let bias { list.append(("bias", bias)) }
        return list
    }

    /// `y = x Wᵀ + b` for `rows` rows: `x` is `[rows, in]`, `y` is `[rows, out]` (no allocation).
    public func forward(rows: Int, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>) {
        let n = outputSize, k = inputSize
        if let bias {
            bias.value.storage.withUnsafeBufferPointer { b in
                for r in 0..<rows { (y + r * n).update(from: b.baseAddress!, count: n) }
            }
        }
        weight.value.storage.withUnsafeBufferPointer { w in
            BLAS.gemm(transposeB: true, m: rows, n: n, k: k, a: x, lda: k, b: w.baseAddress!, ldb: k,
                      beta: bias == nil ? 0 : 1, c: y, ldc: n)
        }
    }

    /// Accumulates `dW += dyᵀ x`, `db += Σ dy` and, when `inputGradient` is given, adds
    /// `dx += dy W` into it. `x` is `[rows, in]`, `dy` `[rows, out]`, `dx` `[rows, in]`.
    public func backward(
        rows: Int, input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>?
    ) {
        let n = outputSize, k = inputSize
        if weight.requiresGradient {
            weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                BLAS.gemm(transposeA: true, m: n, n: k, k: rows, a: dy, lda: n, b: x, ldb: k,
                          beta: 1, c: dw.baseAddress!, ldc: k)
            }
        }
        if let bias, bias.requiresGradient {
            bias.gradient.storage.withUnsafeMutableBufferPointer { db in
                for r in 0..<rows {
                    let row = dy + r * n
                    for j in 0..<n { db[j] += row[j] }
                }
            }
        }
        if let dx {
            weight.value.storage.withUnsafeBufferPointer { w in
                BLAS.gemm(m: rows, n: k, k: n, a: dy, lda: n, b: w.baseAddress!, ldb: k,
                          beta: 1, c: dx, ldc: k)
            }
        }
    }

    /// `[N..., in]` → `[N..., out]`.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == inputSize,
                     "linear: input of shape \(input.shape) does not end in \(inputSize)")
        let rows = input.count / inputSize
        var out = Tensor(shape: Array(input.shape.dropLast()) + [outputSize])
        input.storage.withUnsafeBufferPointer { x in
            out.storage.withUnsafeMutableBufferPointer { y in
                forward(rows: rows, input: x.baseAddress!, output: y.baseAddress!)
            }
        }
        return out
    }

    /// Accumulates parameter gradients and returns `dx`, `[N..., in]`, from the forward
    /// `input` `[N..., in]` and `outputGradient` `[N..., out]`.
    @discardableResult
    public func backward(input: Tensor, outputGradient: Tensor) -> Tensor {
        let rows = input.count / inputSize
        precondition(outputGradient.count == rows * outputSize,
                     "linear backward: gradient of shape \(outputGradient.shape) for input \(input.shape)")
        var dx = Tensor(shape: input.shape)
        input.storage.withUnsafeBufferPointer { x in
            outputGradient.storage.withUnsafeBufferPointer { dy in
                dx.storage.withUnsafeMutableBufferPointer { g in
                    backward(rows: rows, input: x.baseAddress!, outputGradient: dy.baseAddress!,
                             inputGradient: g.baseAddress!)
                }
            }
        }
        return dx
    }
}
