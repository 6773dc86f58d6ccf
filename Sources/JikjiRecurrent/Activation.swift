/// Element-wise activations (tanh, sigmoid, ReLU), forward and backward, over flat buffers.
///
/// The forward functions are loops the compiler vectorizes, over a polynomial `exp` (relative
/// error below 3e-7 over the float range) instead of a libm call per element. The backward
/// functions take the forward *output* `y`, which is all each derivative needs
/// (`tanh' = 1 - y²`, `sigmoid' = y (1 - y)`, `relu' = y > 0`), so callers keep one buffer.
public enum Activation: String, Sendable, CaseIterable {
    /// `tanh(x)`.
    case tanh
    /// `1 / (1 + e^-x)`.
    case sigmoid
    /// `max(x, 0)`.
    case relu

    /// `y = f(x)` for `count` elements; `x` and `y` may be the same buffer.
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: VectorMath.tanh(x, y, count: count)
        case .sigmoid: VectorMath.sigmoid(x, y, count: count)
        case .relu:
            for i in 0..<count { y[i] = max(x[i], 0) }
        }
    }

    /// `dx = dy * f'(x)` computed from the forward output `y`; `dx` may alias `dy`.
    public func backward(
        output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, count: Int
    ) {
        switch self {
        case .tanh:
            for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid:
            for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .relu:
            for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
        }
    }

    /// `f(x)` for a tensor of any shape; same shape out.
    public func forward(_ x: Tensor) -> Tensor {
        var y = x
        y.storage.withUnsafeMutableBufferPointer { p in
            forward(UnsafePointer(p.baseAddress!), p.baseAddress!, count: p.count)
        }
        return y
    }

    /// The input gradient from the forward output `y` and the output gradient `dy` (same shape).
    public func backward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        precondition(y.shape == dy.shape, "activation backward: shapes \(y.shape) and \(dy.shape) differ")
        var dx = dy
        y.storage.withUnsafeBufferPointer { py in
            dx.storage.withUnsafeMutableBufferPointer { pdx in
                backward(output: py.baseAddress!, outputGradient: UnsafePointer(pdx.baseAddress!),
                         inputGradient: pdx.baseAddress!, count: pdx.count)
            }
        }
        return dx
    }
}
