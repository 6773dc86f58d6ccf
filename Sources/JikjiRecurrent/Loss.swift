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
        var gradient = Tensor(shape: logits.shape)
        var total = 0.0
        var counted = 0
        let eps = Double(labelSmoothing), uniform = Double(labelSmoothing) / Double(classes)
        try logits.storage.withUnsafeBufferPointer { x in
            try gradient.storage.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let target = targets[r]
                    if target == ignoreIndex { continue }
                    guard target >= 0 && target < classes else {
                        throw LayerInputError("cross-entropy: target \(target) in row \(r) is outside 0..<\(classes) (and is not the ignore index \(ignoreIndex))")
                    }
                    counted += 1
                    let row = x.baseAddress! + r * classes, grow = g.baseAddress! + r * classes
                    var maxValue = row[0]
                    for c in 1..<classes { maxValue = max(maxValue, row[c]) }
                    var sum = 0.0, rowSum = 0.0
                    for c in 0..<classes {
                        grow[c] = row[c] - maxValue
                        rowSum += Double(row[c])
                    }
                    VectorMath.exp(grow, grow, count: classes)
                    for c in 0..<classes { sum += Double(grow[c]) }
                    let logSum = log(sum) + Double(maxValue)
                    // -log p_target and the mean of -log p_c over all classes.
                    let nll = logSum - Double(row[target])
                    let smooth = Double(classes) * logSum - rowSum
                    total += (1 - eps) * nll + uniform * smooth
                    let inv = Float(1 / sum)
                    for c in 0..<classes { grow[c] = grow[c] * inv - Float(uniform) }
                    grow[target] -= Float(1 - eps)
                }
                if counted > 0 {
                    let scale = 1 / Float(counted)
                    for i in 0..<g.count { g[i] *= scale }
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
        logits.storage.withUnsafeBufferPointer { x in
            labels.storage.withUnsafeBufferPointer { y in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    let scale = 1 / Float(max(n, 1))
                    for i in 0..<n {
                        let xi = Double(x[i]), yi = Double(y[i])
                        total += max(xi, 0) - xi * yi + log1p(exp(-abs(xi)))
                        let s = 1 / (1 + exp(-xi))
                        g[i] = Float(s - yi) * scale
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
