#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
