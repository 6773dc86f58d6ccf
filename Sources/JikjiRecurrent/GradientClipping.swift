/// Clipping by global gradient norm, as `torch.nn.utils.clip_grad_norm_` (L2 norm).
public enum GradientClipping {
    /// The L2 norm of all trainable gradients taken together.
    public static func globalNorm(_ parameters: [Parameter]) -> Float {
        globalNorm(parameters, nonzeroRows: [:])
    }

    /// The L2 norm of all trainable gradients taken together, reading of the parameters keyed in
    /// `nonzeroRows` only the listed rows (first dimension, ascending, distinct): for tables whose
    /// gradient is zeroed row-wise, where every other row is known to be zero. The result equals
    /// ``globalNorm(_:)`` to the bit (zero rows add nothing, and the sum keeps its grouping).
    public static func globalNorm(_ parameters: [Parameter], nonzeroRows: [ObjectIdentifier: [Int]]) -> Float {
        var sum = 0.0
        for parameter in parameters where parameter.requiresGradient {
            parameter.gradient.storage.withUnsafeBufferPointer { g in
                let shape = parameter.gradient.shape
                if let rows = nonzeroRows[ObjectIdentifier(parameter)], shape.count > 1, shape[0] > 0 {
                    sum += RowMath.sumOfSquares(g.baseAddress!, g.count, rows: rows, width: g.count / shape[0])
                } else {
                    sum += RowMath.sumOfSquares(g.baseAddress!, g.count)
                }
            }
        }
        return Float(sum.squareRoot())
    }

    /// The factor clipping multiplies every gradient by: `min(1, maxNorm / (norm + 1e-6))`.
    public static func coefficient(norm: Float, maxNorm: Float) -> Float {
        min(1, maxNorm / (norm + 1e-6))
    }

    /// Scales every trainable gradient by `min(1, maxNorm / (norm + 1e-6))` and returns the
    /// norm before clipping (log it: a growing norm signals divergence).
    @discardableResult
    public static func clipGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        let coefficient = coefficient(norm: norm, maxNorm: maxNorm)
        guard coefficient < 1 else { return norm }
        for parameter in parameters where parameter.requiresGradient {
            parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= coefficient }
            }
        }
        return norm
    }
}
