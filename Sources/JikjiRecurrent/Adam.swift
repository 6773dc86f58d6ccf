#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `torch.optim.Adam` and, with `decoupledWeightDecay`, `torch.optim.AdamW`.
///
/// `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`,
/// `p ← p - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + ε)`. Adam's weight decay adds `λp` to the
/// gradient; AdamW's first scales `p` by `1 - lr·λ`.
public struct Adam: Optimizer, LazyRowUpdating {
    /// The parameters updated, with their state_dict names.
    public let parameters: [(name: String, parameter: Parameter)]
    /// The learning rate of the next step.
    public var learningRate: Float
    /// β₁, β₂.
    public var betas: (Float, Float)
    /// ε, added to the denominator.
    public var epsilon: Float
    /// λ.
    public var weightDecay: Float
    /// True for AdamW (decoupled decay), false for Adam's L2 penalty.
    public var decoupledWeightDecay: Bool
    /// Steps taken so far (restored by ``loadState(_:)``).
    public private(set) var stepCount = 0
    /// Each parameter's learning rate as a multiple of ``learningRate`` (discriminative rates
    /// per layer group; all 1 by default), in the order of ``parameters``.
    public var learningRateScales: [Float]
    /// Steps each parameter has taken: the global count, less the steps it sat frozen
    /// (`requiresGradient` false). Its bias corrections count its own steps, as PyTorch's
    /// per-parameter `state['step']` does, so a parameter unfrozen late starts like a fresh one.
    private var parameterSteps: [Int]
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]
    var lazyClock: LazyRowClock

    /// Adam over `parameters`, with PyTorch's defaults.
    public init(
        parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
        betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8, weightDecay: Float = 0,
        decoupledWeightDecay: Bool = false
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.learningRateScales = Array(repeating: 1, count: parameters.count)
        self.parameterSteps = Array(repeating: 0, count: parameters.count)
        self.firstMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        self.secondMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        self.lazyClock = LazyRowClock(ratio: betas.1 > 0 ? Double(betas.0) / Double(betas.1).squareRoot() : 0)
    }

    /// AdamW with PyTorch's defaults (`weight_decay = 0.01`).
    public static func adamW(
        parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
        betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, betas: betas, epsilon: epsilon,
             weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// Updates every trainable parameter once (dense).
    public mutating func step() { step(sparseRows: [:]) }

    /// Updates every trainable parameter once; only the listed rows of those in `sparseRows`.
    public mutating func step(sparseRows: [String: [Int]]) { step(sparseRows: sparseRows, gradients: .asIs) }

    /// Updates every trainable parameter once, only the listed rows of those in `sparseRows`,
    /// reading each gradient element as `gradients.scale · g` and zeroing it after use when asked,
    /// all in the update's own pass.
    public mutating func step(sparseRows: [String: [Int]], gradients: GradientUse) {
        stepCount += 1
        let (b1, b2) = betas
        let (globalCorrection1, globalCorrection2Root) = corrections(step: stepCount)
        lazyClock.record(step: stepCount, coefficient: Double(learningRate) * Double(globalCorrection2Root) / globalCorrection1)
        let eps = epsilon, wd = weightDecay
        let decoupled = decoupledWeightDecay
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            parameterSteps[index] += 1
            let (correction1, correction2Root) = parameterSteps[index] == stepCount
                ? (globalCorrection1, globalCorrection2Root) : corrections(step: parameterSteps[index])
            let rate = learningRateScales[index] == 1 ? learningRate : learningRate * learningRateScales[index]
            let stepSize = Float(Double(rate) / correction1)
            let decay = 1 - rate * weightDecay
            let ranges = updateRanges(parameter, rows: sparseRows[name])
            parameter.gradient.storage.withUnsafeMutableBufferPointer { g in
                parameter.value.storage.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].storage.withUnsafeMutableBufferPointer { m in
                        secondMoments[index].storage.withUnsafeMutableBufferPointer { v in
                            // Decoupled decay shrinks p first; L2 decay adds to the gradient.
                            let constants = AdamConstants(
                                shrink: decoupled ? decay : 1, l2: decoupled ? 0 : wd, beta1: b1, beta2: b2,
                                correction2Root: correction2Root, epsilon: eps, stepSize: stepSize,
                                gradientScale: gradients.scale, zeroGradient: gradients.zeroAfterUse)
                            let (pp, gp, mp, vp) = (p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
                            for range in ranges {
                                // Memory-bound: a large tensor is cut into one slice per BLAS thread,
                                // each updated on its own core (elementwise, so the result is the same).
                                let parts = range.count >= Adam.parallelThreshold ? max(1, BLAS.threadCount) : 1
                                if parts == 1 {
                                    Adam.update(pp + range.lowerBound, gp + range.lowerBound, mp + range.lowerBound,
                                                vp + range.lowerBound, count: range.count, constants)
                                    continue
                                }
                                let slice = (range.count + parts - 1) / parts
                                ParallelLoop.run(iterations: parts) { part in
                                    let start = range.lowerBound + part * slice
                                    let count = min(slice, range.upperBound - start)
                                    if count > 0 { Adam.update(pp + start, gp + start, mp + start, vp + start, count: count, constants) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `1 - β₁ᵗ` and `√(1 - β₂ᵗ)` for a parameter's step `t` (PyTorch computes them in Python
    /// floats: double).
    private func corrections(step: Int) -> (Double, Float) {
        let t = Double(step)
        return (1 - pow(Double(betas.0), t), Float((1 - pow(Double(betas.1), t)).squareRoot()))
    }

    /// Updates every trainable parameter once; of those in `lazyRows` only the listed rows, each
    /// first catching up on the steps it missed as dense Adam would have moved it with a zero
    /// gradient (see ``LazyRowClock`` for the one approximation, in ε). With weight decay, or
    /// `β₂ = 0`, every parameter is updated densely.
    public mutating func step(lazyRows: [String: [Int]]) { step(lazyRows: lazyRows, gradients: .asIs) }

    /// ``step(lazyRows:)``, reading and leaving the gradients as ``step(sparseRows:gradients:)`` does.
    public mutating func step(lazyRows: [String: [Int]], gradients: GradientUse) {
        guard weightDecay == 0, betas.1 > 0 else { return step(sparseRows: [:], gradients: gradients) }
        catchUpRowsBeforeStep(lazyRows)
        step(sparseRows: lazyRows, gradients: gradients)
    }

    /// Brings every row left behind by ``step(lazyRows:)`` up to the current step.
    public mutating func catchUpLazyRows() { catchUpEveryLaggingRow() }

    /// Applies the zero-gradient Adam steps that `rows` of parameter `index` missed, up to step `end`:
    /// `p -= (Σ c_j r^(j-s)) · m / (√v + ε√(1-β₂ᵉ))`, `m *= β₁ᵏ`, `v *= β₂ᵏ` for `k = end - s` missed steps.
    mutating func catchUp(_ index: Int, rows: [Int], clocks: inout [Int32], to end: Int) {
        let parameter = parameters[index].parameter
        let width = parameter.value.count / max(1, parameter.value.shape.first ?? 1)
        let (b1, b2) = (Double(betas.0), Double(betas.1))
        // A parameter unfrozen after `lag` steps counts its bias corrections from then on.
        let lag = stepCount - parameterSteps[index]
        let epsilon = Float(Double(self.epsilon) * (1 - pow(b2, Double(max(end - lag, 1)))).squareRoot())
        let scale = Double(learningRateScales[index])
        var sums: [Int: Float] = [:]
        func move(from last: Int) -> Float {
            if let known = sums[last] { return known }
            let sum: Double
            if lag == 0 {
                sum = lazyClock.missedSum(from: last, to: end)
            } else {
                // The clock's coefficients carry the global step's corrections; swap in the parameter's own.
                sum = lazyClock.missedSum(from: last, to: end) { j in
                    let own = Double(j - lag)
                    return ((1 - pow(b2, own)).squareRoot() / (1 - pow(b1, own)))
                        / ((1 - pow(b2, Double(j))).squareRoot() / (1 - pow(b1, Double(j))))
                }
            }
            let value = Float(scale == 1 ? sum : sum * scale)
            sums[last] = value
            return value
        }
        parameter.value.storage.withUnsafeMutableBufferPointer { p in
            firstMoments[index].storage.withUnsafeMutableBufferPointer { m in
                secondMoments[index].storage.withUnsafeMutableBufferPointer { v in
                    for row in rows {
                        let last = Int(clocks[row])
                        clocks[row] = Int32(end)
                        guard end > last else { continue }
                        let missed = Double(end - last)
                        let offset = row * width
                        Adam.catchUp(p.baseAddress! + offset, m.baseAddress! + offset, v.baseAddress! + offset, count: width,
                                     move: move(from: last), epsilon: epsilon,
                                     decay1: Float(pow(b1, missed)), decay2: Float(pow(b2, missed)))
                    }
                }
            }
        }
    }

    /// `step` and each parameter's buffers under `<name>.<buffer>`, PyTorch's buffer names.
    public func stateTensors() -> [String: Tensor] {
        var state = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for (index, (name, _)) in parameters.enumerated() {
            if parameterSteps[index] != stepCount { state[name + ".step"] = Tensor(shape: [1], values: [Float(parameterSteps[index])]) }
            state[name + ".exp_avg"] = firstMoments[index]
            state[name + ".exp_avg_sq"] = secondMoments[index]
        }
        return state.merging(lazyClock.stateTensors(names: parameters.map(\.name))) { a, _ in a }
    }

    /// Restores ``stateTensors()`` output; throws naming a missing or misshapen tensor.
    public mutating func loadState(_ tensors: [String: Tensor]) throws {
        stepCount = try restoredStep(tensors)
        try lazyClock.loadState(tensors, names: parameters.map(\.name))
        for (index, (name, parameter)) in parameters.enumerated() {
            parameterSteps[index] = try restoredParameterStep(tensors, name, global: stepCount)
            firstMoments[index] = try restoredBuffer(tensors, name + ".exp_avg", like: parameter)
            secondMoments[index] = try restoredBuffer(tensors, name + ".exp_avg_sq", like: parameter)
        }
    }
}
