/// Clipping by global gradient norm, as `torch.nn.utils.clip_grad_norm_` (L2 norm).
public enum GradientClipping {
    /// The L2 norm of all trainable gradients taken together.
    public static func globalNorm(_ parameters: [Parameter]) -> Float {
        var sum = 0.0
        for parameter in parameters where parameter.requiresGradient {
            parameter.gradient.storage.withUnsafeBufferPointer { g in
                sum += RowMath.sumOfSquares(g.baseAddress!, g.count)
            }
        }
        return Float(sum.squareRoot())
    }

    /// Scales every trainable gradient by `min(1, maxNorm / (norm + 1e-6))` and returns the
    /// norm before clipping (log it: a growing norm signals divergence).
    @discardableResult
    public static func clipGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        let coefficient = min(1, maxNorm / (norm + 1e-6))
        guard coefficient < 1 else { return norm }
        for parameter in parameters where parameter.requiresGradient {
            parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= coefficient }
            }
        }
        return norm
    }
}
