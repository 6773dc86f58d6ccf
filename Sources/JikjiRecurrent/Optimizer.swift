import Dispatch

/// A problem restoring optimizer state or checkpoints: a missing tensor, a shape that does not fit.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the tensor and the file when known.
    public let description: String
    /// An error with an actionable message.
    public init(_ description: String) { self.description = description }
}

/// An optimizer updating ``Parameter``s from their gradients, as `torch.optim` does.
///
/// `step()` reads each trainable parameter's gradient and updates its value in place; the
/// caller zeroes gradients afterwards. State (moments, momentum buffers, step count) is
/// exported under PyTorch-like names keyed by parameter name, so it can go into a checkpoint.
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
    /// The optimizer's state as named tensors (`<parameter>.exp_avg`, `step`, …).
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by ``stateTensors()``; throws naming a missing or misshapen tensor.
    mutating func loadState(_ tensors: [String: Tensor]) throws
}

/// The element ranges of a parameter to update: whole, or the given rows of its first dimension.
private func updateRanges(_ parameter: Parameter, rows: [Int]?) -> [Range<Int>] {
    let n = parameter.value.count
    guard let rows, let first = parameter.value.shape.first, first > 0 else { return [0..<n] }
    let width = n / first
    return rows.map { row in
        precondition(row >= 0 && row < first, "sparse row \(row) outside the parameter's \(first) rows")
        return (row * width)..<((row + 1) * width)
    }
}

/// Reads the step counter saved under `step`.
private func restoredStep(_ tensors: [String: Tensor]) throws -> Int {
    guard let t = tensors["step"], t.count == 1 else {
        throw CheckpointError("optimizer state lacks the one-element tensor 'step'")
    }
    return Int(t.storage[0])
}

/// Reads a saved buffer, checking its shape against the parameter's.
private func restoredBuffer(_ tensors: [String: Tensor], _ key: String, like parameter: Parameter) throws -> Tensor {
    guard let t = tensors[key] else { throw CheckpointError("optimizer state lacks tensor '\(key)'") }
    guard t.shape == parameter.value.shape else {
        throw CheckpointError("optimizer state tensor '\(key)' has shape \(t.shape), the parameter has \(parameter.value.shape)")
    }
    return t
}

/// `torch.optim.SGD`: optional momentum (with dampening, Nesterov) and L2 weight decay.
///
/// `g ← g + λp`; `b ← g` on the first step, else `b ← μ b + (1 - τ) g`;
/// `g ← g + μ b` (Nesterov) or `g ← b`; `p ← p - lr·g`.
public struct SGD: Optimizer {
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
    private var buffers: [Tensor?]

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
    }

    /// Updates every trainable parameter once (dense).
    public mutating func step() { step(sparseRows: [:]) }

    /// Updates every trainable parameter once; only the listed rows of those in `sparseRows`.
    public mutating func step(sparseRows: [String: [Int]]) {
        let first = stepCount == 0
        stepCount += 1
        let lr = learningRate, mu = momentum, keep = 1 - dampening, wd = weightDecay, nesterov = nesterov
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
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

    /// `step` and each parameter's buffers under `<name>.<buffer>`, PyTorch's buffer names.
    public func stateTensors() -> [String: Tensor] {
        var state = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for (index, (name, _)) in parameters.enumerated() {
            if let b = buffers[index] { state[name + ".momentum_buffer"] = b }
        }
        return state
    }

    /// Restores ``stateTensors()`` output; throws naming a missing or misshapen tensor.
    public mutating func loadState(_ tensors: [String: Tensor]) throws {
        stepCount = try restoredStep(tensors)
        for (index, (name, parameter)) in parameters.enumerated() {
            let key = name + ".momentum_buffer"
            buffers[index] = (momentum != 0 && stepCount > 0)
                ? try restoredBuffer(tensors, key, like: parameter) : nil
        }
    }
}

/// `torch.optim.Adam` and, with `decoupledWeightDecay`, `torch.optim.AdamW`.
///
/// `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`,
/// `p ← p - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + ε)`. Adam's weight decay adds `λp` to the
/// gradient; AdamW's first scales `p` by `1 - lr·λ`.
public struct Adam: Optimizer {
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
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]

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
        self.firstMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
        self.secondMoments = parameters.map { Tensor(shape: $0.parameter.value.shape) }
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
    public mutating func step(sparseRows: [String: [Int]]) {
        stepCount += 1
        let (b1, b2) = betas
        let t = Double(stepCount)
        // PyTorch computes the bias corrections in Python floats (double).
        let correction1 = 1 - pow(Double(b1), t)
        let correction2Root = Float((1 - pow(Double(b2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / correction1)
        let eps = epsilon, wd = weightDecay, decay = 1 - learningRate * weightDecay
        let decoupled = decoupledWeightDecay
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            let ranges = updateRanges(parameter, rows: sparseRows[name])
            parameter.gradient.storage.withUnsafeBufferPointer { g in
                parameter.value.storage.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].storage.withUnsafeMutableBufferPointer { m in
                        secondMoments[index].storage.withUnsafeMutableBufferPointer { v in
                            // Decoupled decay shrinks p first; L2 decay adds to the gradient.
                            let constants = AdamConstants(
                                shrink: decoupled ? decay : 1, l2: decoupled ? 0 : wd, beta1: b1, beta2: b2,
                                correction2Root: correction2Root, epsilon: eps, stepSize: stepSize)
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
                                DispatchQueue.concurrentPerform(iterations: parts) { part in
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

    /// Elements from which one tensor's update is split across threads (smaller ones are not
    /// worth waking a thread for).
    static let parallelThreshold = 1 << 16

    /// The scalars of one Adam step, passed by value so the element loop keeps them in registers.
    struct AdamConstants {
        var shrink, l2, beta1, beta2, correction2Root, epsilon, stepSize: Float
    }

    /// One Adam update of `count` elements, over plain pointers and by-value scalars, with a
    /// vectorizable square root (see ``VectorMath``), so LLVM emits packed AVX/SSE code.
    @inline(never)
    static func update(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, count: Int, _ k: AdamConstants
    ) {
        let (shrink, l2, b1, b2) = (k.shrink, k.l2, k.beta1, k.beta2)
        let (root, eps, stepSize) = (k.correction2Root, k.epsilon, k.stepSize)
        for i in 0..<count {
            let decayed = p[i] * shrink
            let grad = g[i] + l2 * decayed
            let first = m[i] + (grad - m[i]) * (1 - b1)
            let second = v[i] * b2 + (1 - b2) * grad * grad
            m[i] = first
            v[i] = second
            p[i] = decayed - stepSize * (first / (VectorMath.sqrtCore(second) / root + eps))
        }
    }

    /// `step` and each parameter's buffers under `<name>.<buffer>`, PyTorch's buffer names.
    public func stateTensors() -> [String: Tensor] {
        var state = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for (index, (name, _)) in parameters.enumerated() {
            state[name + ".exp_avg"] = firstMoments[index]
            state[name + ".exp_avg_sq"] = secondMoments[index]
        }
        return state
    }

    /// Restores ``stateTensors()`` output; throws naming a missing or misshapen tensor.
    public mutating func loadState(_ tensors: [String: Tensor]) throws {
        stepCount = try restoredStep(tensors)
        for (index, (name, parameter)) in parameters.enumerated() {
            firstMoments[index] = try restoredBuffer(tensors, name + ".exp_avg", like: parameter)
            secondMoments[index] = try restoredBuffer(tensors, name + ".exp_avg_sq", like: parameter)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
