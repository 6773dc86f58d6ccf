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
    ///
    /// With two or more BLAS threads and enough values, the parameters are shared out between
    /// the threads (largest first, each to the least loaded); each parameter's sum is still
    /// computed whole by one thread, and the sums are added in parameter order, so the result
    /// does not depend on the thread count.
    public static func globalNorm(_ parameters: [Parameter], nonzeroRows: [ObjectIdentifier: [Int]]) -> Float {
        let trainable = parameters.filter(\.requiresGradient)
        let rowLists = trainable.map { parameter -> [Int]? in
            let shape = parameter.gradient.shape
            guard let rows = nonzeroRows[ObjectIdentifier(parameter)], shape.count > 1, shape[0] > 0 else { return nil }
            return rows
        }
        func squares(_ index: Int) -> Double {
            let parameter = trainable[index]
            return parameter.gradient.storage.withUnsafeBufferPointer { g in
                if let rows = rowLists[index] {
                    return RowMath.sumOfSquares(g.baseAddress!, g.count, rows: rows, width: g.count / parameter.gradient.shape[0])
                }
                return RowMath.sumOfSquares(g.baseAddress!, g.count)
            }
        }
        let sizes = trainable.indices.map { i in rowLists[i].map { $0.count * trainable[i].gradient.count / trainable[i].gradient.shape[0] } ?? trainable[i].gradient.count }
        var sums = [Double](repeating: 0, count: trainable.count)
        let threads = min(BLAS.threadCount, trainable.count)
        if threads >= 2 && sizes.reduce(0, +) >= parallelThreshold {
            var owner = [Int](repeating: 0, count: trainable.count), load = [Int](repeating: 0, count: threads)
            for i in sizes.indices.sorted(by: { sizes[$0] > sizes[$1] }) {
                let least = load.indices.min { load[$0] < load[$1] }!
                owner[i] = least
                load[least] += sizes[i]
            }
            sums.withUnsafeMutableBufferPointer { out in
                let results = out.baseAddress!
                ParallelLoop.run(iterations: threads) { part in
                    for i in owner.indices where owner[i] == part { results[i] = squares(i) }
                }
            }
        } else {
            for i in trainable.indices { sums[i] = squares(i) }
        }
        // In parameter order, as the one-thread loop adds them.
        var sum = 0.0
        for partial in sums { sum += partial }
        return Float(sum.squareRoot())
    }

    /// Values from which ``globalNorm(_:nonzeroRows:)`` shares the parameters out between threads.
    static let parallelThreshold = 1 << 18

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
