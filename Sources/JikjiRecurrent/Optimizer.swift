/// An optimizer updating ``Parameter``s from their gradients, as `torch.optim` does.
///
/// `step()` reads each trainable parameter's gradient and updates its value in place; the
/// caller zeroes gradients afterwards, or lets the step do it (``step(sparseRows:gradients:)``).
/// State (moments, momentum buffers, step count) is exported under PyTorch-like names keyed by
/// parameter name, so it can go into a checkpoint.
public protocol Optimizer {
    /// The learning rate used by the next ``step()``; set it from a ``LearningRateSchedule``.
    var learningRate: Float { get set }
    /// Number of steps taken so far.
    var stepCount: Int { get }
    /// Updates every trainable parameter once.
    mutating func step()
    /// Updates every trainable parameter once, but for the parameters named in `sparseRows`
    /// only the listed rows (first dimension), whose state alone advances — the row-wise update
    /// of `torch.optim.SparseAdam` / sparse SGD. Pass the rows ``Embedding/backward(ids:outputGradient:)``
    /// returned, so a large vocabulary costs only the rows a batch used.
    mutating func step(sparseRows: [String: [Int]])
    /// Updates every trainable parameter once, but for the parameters named in `lazyRows` only
    /// the listed rows, each first catching up on the steps it sat out as if its gradient had
    /// been zero then — so the result follows the dense update (exactly for SGD; for Adam up to
    /// ε's share of the denominator during the missed steps, see ``LazyRowClock``). Rows left
    /// behind are brought up to date by ``catchUpLazyRows()``, which must run before the
    /// parameters are read (evaluation, saving the model).
    mutating func step(lazyRows: [String: [Int]])
    /// Brings every row left behind by ``step(lazyRows:)`` up to the current step.
    mutating func catchUpLazyRows()
    /// ``step(sparseRows:)`` reading every gradient as `gradients.scale · g` (gradient clipping's
    /// coefficient, without a pass of its own) and, with `gradients.zeroAfterUse`, leaving the
    /// gradients it read zero (the whole gradient of a dense parameter, the listed rows of the
    /// others), as a caller zeroing them before the next batch would.
    mutating func step(sparseRows: [String: [Int]], gradients: GradientUse)
    /// ``step(lazyRows:)`` with the gradients read and left as ``step(sparseRows:gradients:)`` says.
    mutating func step(lazyRows: [String: [Int]], gradients: GradientUse)
    /// The optimizer's state as named tensors (`<parameter>.exp_avg`, `step`, …), including the
    /// bookkeeping of rows left behind by ``step(lazyRows:)`` (`<parameter>.lazy_row_step`,
    /// `lazy.coefficients`), so a restored optimizer continues exactly.
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by ``stateTensors()``; throws naming a missing or misshapen tensor.
    mutating func loadState(_ tensors: [String: Tensor]) throws
}

extension Optimizer {
    /// The unfused sequence, for optimizers without a fused pass: scale every trainable
    /// gradient, step, then zero what the step read.
    mutating func stepInPasses(_ parameters: [(name: String, parameter: Parameter)], rows: [String: [Int]],
                               gradients: GradientUse, step: (inout Self) -> Void) {
        if gradients.scale != 1 {
            let scale = gradients.scale
            for (_, parameter) in parameters where parameter.requiresGradient {
                parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] *= scale }
                }
            }
        }
        step(&self)
        guard gradients.zeroAfterUse else { return }
        for (name, parameter) in parameters where parameter.requiresGradient {
            if let listed = rows[name] { parameter.zeroGradient(rows: listed) } else { parameter.zeroGradient() }
        }
    }
}
