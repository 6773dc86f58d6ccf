import CJikjiKernels

/// Softmax cross-entropy over rows of logits already in memory, in place and on every BLAS thread:
/// the inner loop of an output layer over a large vocabulary (see `VocabularyOutput`).
public enum RowSoftmaxCrossEntropy {
    /// Sums `log Σ_j exp(z_j) − z_target` over the `rows` rows of `logits` `[rows, columns]` whose
    /// target is not `ignoreIndex`. With a `gradientScale` s, each such row becomes
    /// `s · softmax(z) − s · onehot(target)` and ignored rows become zeros; without, `logits` is
    /// left unchanged. Rows are split over `BLAS.threadCount` threads (each row is independent).
    /// Targets must be in `0..<columns` or equal `ignoreIndex` (the caller checks).
    public static func sum(logits: UnsafeMutablePointer<Float>, rows: Int, columns: Int, targets: UnsafePointer<Int32>,
                           ignoreIndex: Int32, gradientScale: Float?) -> Double {
        // Parts of at least 16 rows: below that the thread hand-off costs more than it saves.
        let parts = Swift.max(1, Swift.min(BLAS.threadCount, rows / 16))
        let run = { (start: Int, count: Int) -> Double in
            jk_softmax_cross_entropy(Int32(count), Int32(columns), logits + start * columns, Int32(columns),
                                     targets + start, ignoreIndex, gradientScale ?? 0, gradientScale == nil ? 0 : 1)
        }
        guard parts > 1 else { return run(0, rows) }
        var partial = [Double](repeating: 0, count: parts)
        partial.withUnsafeMutableBufferPointer { sums in
            let out = sums.baseAddress!
            ParallelLoop.run(iterations: parts) { part in
                let start = rows * part / parts, end = rows * (part + 1) / parts
                out[part] = run(start, end - start)
            }
        }
        // Fixed order: the result does not depend on which thread finished first.
        return partial.reduce(0, +)
    }

    /// `sum[j] += Σ_r m[r, j]` over `rows` rows of `m` `[rows, columns]`, columns split over the
    /// BLAS threads (the bias gradient of an output layer).
    public static func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into sum: UnsafeMutablePointer<Float>) {
        let parts = Swift.max(1, Swift.min(BLAS.threadCount, columns / 1024))
        ParallelLoop.run(iterations: parts) { part in
            let start = columns * part / parts, end = columns * (part + 1) / parts
            jk_column_sums(Int32(rows), Int32(end - start), m + start, Int32(columns), sum + start)
        }
    }
}
