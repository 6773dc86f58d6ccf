#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `torch.optim.SGD`: optional momentum (with dampening, Nesterov) and L2 weight decay.
///
/// `g ← g + λp`; `b ← g` on the first step, else `b ← μ b + (1 - τ) g`;
/// `g ← g + μ b` (Nesterov) or `g ← b`; `p ← p - lr·g`.
public struct SGD: Optimizer, LazyRowUpdating {
    /// The parameters updated, with their state_dict names.
    public let parameters: [(name: String, parameter: Parameter)]
    /// The learning rate of the next step.
    public var learningRate: Float
    /// μ; zero means plain SGD.
    public var momentum: Float
    /// τ, the fraction of the new gradient left out of the momentum buffer.
    public var dampening: Float
    /// λ, added to the gradient as `λ·p`.
    public var weightDecay: Float
    /// Use Nesterov momentum.
    public var nesterov: Bool
    /// Steps taken so far (restored by ``loadState(_:)``).
    public private(set) var stepCount = 0
    /// Each parameter's learning rate as a multiple of ``learningRate`` (discriminative rates
    /// per layer group; all 1 by default), in the order of ``parameters``.
    public var learningRateScales: [Float]
    /// Steps each parameter has taken (the global count less the steps it sat frozen): its
    /// momentum buffer starts as its first gradient, as PyTorch's does per parameter.
    private var parameterSteps: [Int]
    private var buffers: [Tensor?]
    var lazyClock: LazyRowClock

    /// An SGD optimizer over `parameters` (names as in a state_dict).
    public init(
        parameters: [(name: String, parameter: Parameter)], learningRate: Float,
        momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.buffers = Array(repeating: nil, count: parameters.count)
        self.learningRateScales = Array(repeating: 1, count: parameters.count)
        self.parameterSteps = Array(repeating: 0, count: parameters.count)
        self.lazyClock = LazyRowClock(ratio: Double(momentum))
    }

    /// Updates every trainable parameter once (dense).
    public mutating func step() { step(sparseRows: [:]) }

    /// Updates every trainable parameter once; only the listed rows of those in `sparseRows`.
    public mutating func step(sparseRows: [String: [Int]]) {
        stepCount += 1
        lazyClock.record(step: stepCount, coefficient: Double(learningRate))
        let mu = momentum, keep = 1 - dampening, wd = weightDecay, nesterov = nesterov
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            let first = parameterSteps[index] == 0
            parameterSteps[index] += 1
            let lr = learningRateScales[index] == 1 ? learningRate : learningRate * learningRateScales[index]
            let ranges = updateRanges(parameter, rows: sparseRows[name])
            if mu != 0 && buffers[index] == nil { buffers[index] = Tensor(shape: parameter.value.shape) }
            parameter.gradient.storage.withUnsafeBufferPointer { g in
                parameter.value.storage.withUnsafeMutableBufferPointer { p in
                    if mu == 0 {
                        for range in ranges { for i in range { p[i] -= lr * (g[i] + wd * p[i]) } }
                        return
                    }
                    buffers[index]!.storage.withUnsafeMutableBufferPointer { b in
                        // One loop per case, so each is branch-free and vectorizes.
                        for range in ranges {
                            if first {
                                for i in range { b[i] = g[i] + wd * p[i] }
                            } else {
                                for i in range { b[i] = mu * b[i] + keep * (g[i] + wd * p[i]) }
                            }
                            if nesterov {
                                for i in range { p[i] -= lr * ((g[i] + wd * p[i]) + mu * b[i]) }
                            } else {
                                for i in range { p[i] -= lr * b[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Updates every trainable parameter once; of those in `lazyRows` only the listed rows, each
    /// first catching up on its missed momentum steps (exact: with a zero gradient the buffer
    /// only decays by μ per step). With weight decay every parameter is updated densely.
    public mutating func step(lazyRows: [String: [Int]]) {
        guard weightDecay == 0 else { return step() }
        catchUpRowsBeforeStep(lazyRows)
        step(sparseRows: lazyRows)
    }

    /// Brings every row left behind by ``step(lazyRows:)`` up to the current step.
    public mutating func catchUpLazyRows() { catchUpEveryLaggingRow() }

    /// ``step(sparseRows:)`` with scaled gradients zeroed afterwards (in separate passes).
    public mutating func step(sparseRows: [String: [Int]], gradients: GradientUse) {
        stepInPasses(parameters, rows: sparseRows, gradients: gradients) { $0.step(sparseRows: sparseRows) }
    }

    /// ``step(lazyRows:)`` with scaled gradients zeroed afterwards (in separate passes).
    public mutating func step(lazyRows: [String: [Int]], gradients: GradientUse) {
        // With weight decay the step is dense, and so is what it read.
        let read = weightDecay == 0 ? lazyRows : [:]
        stepInPasses(parameters, rows: read, gradients: gradients) { $0.step(lazyRows: lazyRows) }
    }

    /// Applies the missed momentum updates of `rows` of parameter `index` up to step `end`.
    mutating func catchUp(_ index: Int, rows: [Int], clocks: inout [Int32], to end: Int) {
        let parameter = parameters[index].parameter
        let width = parameter.value.count / max(1, parameter.value.shape.first ?? 1)
        guard buffers[index] != nil else {
            for row in rows { clocks[row] = Int32(end) }
            return
        }
        let mu = Double(momentum), scale = (nesterov ? mu : 1) * Double(learningRateScales[index])
        parameter.value.storage.withUnsafeMutableBufferPointer { p in
            buffers[index]!.storage.withUnsafeMutableBufferPointer { b in
                for row in rows {
                    let last = Int(clocks[row])
                    clocks[row] = Int32(end)
                    guard end > last else { continue }
                    let move = Float(scale * lazyClock.missedSum(from: last, to: end))
                    let decay = Float(pow(mu, Double(end - last)))
                    for i in (row * width)..<((row + 1) * width) {
                        p[i] -= move * b[i]
                        b[i] *= decay
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
            if let b = buffers[index] { state[name + ".momentum_buffer"] = b }
        }
        return state.merging(lazyClock.stateTensors(names: parameters.map(\.name))) { a, _ in a }
    }

    /// Restores ``stateTensors()`` output; throws naming a missing or misshapen tensor.
    public mutating func loadState(_ tensors: [String: Tensor]) throws {
        stepCount = try restoredStep(tensors)
        try lazyClock.loadState(tensors, names: parameters.map(\.name))
        for (index, (name, parameter)) in parameters.enumerated() {
            let key = name + ".momentum_buffer"
            parameterSteps[index] = try restoredParameterStep(tensors, name, global: stepCount)
            buffers[index] = (momentum != 0 && parameterSteps[index] > 0)
                ? try restoredBuffer(tensors, key, like: parameter) : nil
        }
    }
}
