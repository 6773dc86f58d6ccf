import CJikjiKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar loss and its gradient with respect to the loss's input (same shape as the input).
public struct LossResult: Sendable {
    /// The reduced loss (a mean, as PyTorch's default `reduction='mean'`).
    public var value: Float
    /// `d value / d input`, same shape as the input.
    public var gradient: Tensor
    /// How many elements or targets the mean divided by (non-ignored targets for cross-entropy).
    public var count: Int
}

/// Losses matching `torch.nn.functional` with `reduction='mean'`.
///
/// Sums are accumulated in Double, so long batches do not drift from PyTorch's values.
public enum Loss {
    /// `cross_entropy(logits, targets, ignore_index:, label_smoothing:)`.
    ///
    /// - Parameters:
    ///   - logits: `[N..., C]`, unnormalised scores over `C` classes (last dimension).
    ///   - targets: one class id per row (`N` in total); rows whose target equals
    ///     `ignoreIndex` count neither in the loss nor in the mean.
    ///   - labelSmoothing: ε; the target distribution is `(1-ε)·onehot + ε/C`.
    /// - Returns: the mean over counted targets and `d loss / d logits`, `[N..., C]`.
    ///   With no counted target the loss is NaN (as PyTorch) and the gradient zero.
    /// - Throws: when a counted target is outside `0..<C`, naming its row.
    public static func crossEntropy(
        logits: Tensor, targets: [Int], ignoreIndex: Int = -100, labelSmoothing: Float = 0
    ) throws -> LossResult {
        guard let classes = logits.shape.last, classes > 0 else {
            throw LayerInputError("cross-entropy: logits of shape \(logits.shape) have no class dimension")
        }
        let rows = logits.count / classes
        guard rows == targets.count else {
            throw LayerInputError("cross-entropy: \(targets.count) targets for \(rows) rows of logits \(logits.shape)")
        }
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw LayerInputError("cross-entropy: label smoothing \(labelSmoothing) is outside [0, 1]")
        }
        // Validate and count first, so each row's gradient is scaled by 1/count as it is written.
        var counted = 0
        for (r, target) in targets.enumerated() where target != ignoreIndex {
            guard target >= 0 && target < classes else {
                throw LayerInputError("cross-entropy: target \(target) in row \(r) is outside 0..<\(classes) (and is not the ignore index \(ignoreIndex))")
            }
            counted += 1
        }
        var gradient = Tensor(shape: logits.shape)
        var total = 0.0
        let eps = Double(labelSmoothing), uniform = Double(labelSmoothing) / Double(classes)
        let scale = 1 / Float(max(counted, 1)), uniformScaled = Float(uniform) * scale
        logits.storage.withUnsafeBufferPointer { x in
            gradient.storage.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let target = targets[r]
                    if target == ignoreIndex { continue }
                    let row = x.baseAddress! + r * classes, grow = g.baseAddress! + r * classes
                    let maxValue = RowMath.maximum(row, classes)
                    let rowSum = RowMath.sum(row, classes)
                    for c in 0..<classes { grow[c] = row[c] - maxValue }
                    VectorMath.exp(grow, grow, count: classes)
                    let sum = RowMath.sum(grow, classes)
                    let logSum = log(sum) + Double(maxValue)
                    // -log p_target and the mean of -log p_c over all classes.
                    let nll = logSum - Double(row[target])
                    let smooth = Double(classes) * logSum - rowSum
                    total += (1 - eps) * nll + uniform * smooth
                    let inv = Float(1 / sum) * scale
                    for c in 0..<classes { grow[c] = grow[c] * inv - uniformScaled }
                    grow[target] -= Float(1 - eps) * scale
                }
            }
        }
        let value = counted > 0 ? Float(total / Double(counted)) : .nan
        return LossResult(value: value, gradient: gradient, count: counted)
    }

    /// `binary_cross_entropy_with_logits(logits, labels)`, mean over all elements, computed
    /// stably as `max(x, 0) - x·y + log(1 + e^{-|x|})`. `logits` and `labels` have one shape;
    /// the gradient is `(sigmoid(x) - y) / N`.
    public static func binaryCrossEntropyWithLogits(logits: Tensor, labels: Tensor) throws -> LossResult {
        guard logits.shape == labels.shape else {
            throw LayerInputError("binary cross-entropy: logits \(logits.shape) and labels \(labels.shape) differ in shape")
        }
        let n = logits.count
        var gradient = Tensor(shape: logits.shape)
        var total = 0.0
        // Terms go through a small buffer in blocks, so the loop vectorizes and the sum is
        // taken in float lanes per block and in Double across blocks.
        let block = 1024
        var terms = [Float](repeating: 0, count: block)
        logits.storage.withUnsafeBufferPointer { x in
            labels.storage.withUnsafeBufferPointer { y in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    terms.withUnsafeMutableBufferPointer { term in
                        let scale = 1 / Float(max(n, 1))
                        var start = 0
                        while start < n {
                            let m = min(block, n - start)
                            let xs = x.baseAddress! + start, ys = y.baseAddress! + start, gs = g.baseAddress! + start
                            for i in 0..<m {
                                let xi = xs[i], yi = ys[i]
                                let z = VectorMath.expCore(-Swift.abs(xi)) // e^{-|x|} in (0, 1]
                                term[i] = Swift.max(xi, 0) - xi * yi + VectorMath.log1pCore(z)
                                let sigmoid = (xi >= 0 ? 1 : z) / (1 + z)
                                gs[i] = (sigmoid - yi) * scale
                            }
                            total += RowMath.sum(term.baseAddress!, m)
                            start += m
                        }
                    }
                }
            }
        }
        return LossResult(value: n > 0 ? Float(total / Double(n)) : .nan, gradient: gradient, count: n)
    }

    /// `mse_loss(prediction, target)`: mean of `(x - y)²`; gradient `2 (x - y) / N`.
    public static func meanSquaredError(prediction: Tensor, target: Tensor) throws -> LossResult {
        guard prediction.shape == target.shape else {
            throw LayerInputError("mean squared error: prediction \(prediction.shape) and target \(target.shape) differ in shape")
        }
        let n = prediction.count
        var gradient = Tensor(shape: prediction.shape)
        var total = 0.0
        prediction.storage.withUnsafeBufferPointer { x in
            target.storage.withUnsafeBufferPointer { y in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    let scale = 2 / Float(max(n, 1))
                    for i in 0..<n {
                        let d = x[i] - y[i]
                        total += Double(d) * Double(d)
                        g[i] = d * scale
                    }
                }
            }
        }
        return LossResult(value: n > 0 ? Float(total / Double(n)) : .nan, gradient: gradient, count: n)
    }
}

/// Row reductions with eight independent accumulators, so they run at throughput rather than
/// at the latency of one dependent add (float adds cannot be reordered by the compiler).
enum RowMath {
    /// The largest of `count ≥ 1` values.
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var m = SIMD8<Float>(repeating: p[0])
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            m = SIMD8(Swift.max(m[0], v[0]), Swift.max(m[1], v[1]), Swift.max(m[2], v[2]), Swift.max(m[3], v[3]),
                      Swift.max(m[4], v[4]), Swift.max(m[5], v[5]), Swift.max(m[6], v[6]), Swift.max(m[7], v[7]))
            i += 8
        }
        var result = m.max()
        while i < count { result = Swift.max(result, p[i]); i += 1 }
        return result
    }

    /// The sum of squares of `count` values: float lanes over blocks of 4096, blocks in Double.
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
        var result = 0.0
        var start = 0
        while start < count {
            let end = Swift.min(count, start + 4096)
            var acc = SIMD8<Float>()
            var i = start
            while i + 8 <= end {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                acc += v * v
                i += 8
            }
            for lane in 0..<8 { result += Double(acc[lane]) }
            while i < end { result += Double(p[i]) * Double(p[i]); i += 1 }
            start = end
        }
        return result
    }

    /// ``sumOfSquares(_:_:)`` of `count` values laid out as rows of `width`, of which only `rows`
    /// (ascending, distinct) may be nonzero: only those rows are read, and the result is the
    /// full sum's to the bit, because each 4096-value block still gathers its rows' squares in
    /// the same float lanes in the same order before they join the Double total (blocks and
    /// rows without a value add exact zeros). Falls back to the full pass when rows do not tile
    /// the blocks that way (`width` not a multiple of 8 dividing 4096) or are not ascending.
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ count: Int, rows: [Int], width: Int) -> Double {
        guard width > 0, width % 8 == 0, 4096 % width == 0, count % width == 0,
              zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) else { return sumOfSquares(p, count) }
        var result = 0.0
        var index = 0
        while index < rows.count {
            let block = rows[index] * width / 4096
            var acc = SIMD8<Float>()
            while index < rows.count && rows[index] * width / 4096 == block {
                let row = rows[index]
                precondition(row >= 0 && (row + 1) * width <= count, "row \(row) outside the \(count / width) rows")
                var i = row * width
                let end = i + width
                while i < end {
                    let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                    acc += v * v
                    i += 8
                }
                index += 1
            }
            for lane in 0..<8 { result += Double(acc[lane]) }
        }
        return result
    }

    /// The sum of `count` values: float lanes, combined in Double.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var result = 0.0
        for lane in 0..<8 { result += Double(acc[lane]) }
        while i < count { result += Double(p[i]); i += 1 }
        return result
    }
}

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
            DispatchQueue.concurrentPerform(iterations: parts) { part in
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
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let start = columns * part / parts, end = columns * (part + 1) / parts
            jk_column_sums(Int32(rows), Int32(end - start), m + start, Int32(columns), sum + start)
        }
    }
}
