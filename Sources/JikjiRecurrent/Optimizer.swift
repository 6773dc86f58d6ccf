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

/// How an optimizer step treats the gradients it reads (``Optimizer/step(sparseRows:gradients:)``).
///
/// A training step clips the gradients (scales them by one coefficient), updates the
/// parameters and zeroes the gradients: three passes over memory that the update alone can
/// do in one, since it reads every gradient element anyway. The results are those of the
/// three passes: `scale · g` is the product clipping would have stored.
public struct GradientUse: Equatable, Sendable {
    /// Multiplies every gradient element as it is read (1: as is).
    public var scale: Float
    /// Zeroes the gradient elements after reading them.
    public var zeroAfterUse: Bool
    /// Gradients read as they are and left in place.
    public static let asIs = GradientUse(scale: 1, zeroAfterUse: false)
    /// A gradient treatment; see the properties.
    public init(scale: Float = 1, zeroAfterUse: Bool = false) {
        self.scale = scale
        self.zeroAfterUse = zeroAfterUse
    }
}

extension Optimizer {
    /// The unfused sequence, for optimizers without a fused pass: scale every trainable
    /// gradient, step, then zero what the step read.
    fileprivate mutating func stepInPasses(_ parameters: [(name: String, parameter: Parameter)], rows: [String: [Int]],
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

/// Bookkeeping for lazy row updates: the step each row of a parameter was last brought up to
/// date, and a window of recent per-step coefficients from which a row's missed updates are
/// summed when it is touched again.
///
/// With a zero gradient, SGD with momentum μ moves a row by `lr_j · μ^(j-s) · b_s` at step `j`
/// after its last update at step `s`, and Adam by `c_j · r^(j-s) · m_s / (√v_s + ε̃)` with
/// `c_j = lr_j·√(1-β₂ʲ)/(1-β₁ʲ)`, `r = β₁/√β₂`, where the exact `ε̃ = ε·√(1-β₂ʲ)·β₂^(-(j-s)/2)` is
/// replaced by `ε·√(1-β₂ᵗ)` (a relative difference of order ε/√v, nil for rows that ever
/// received gradient of ordinary size). Both are a geometric sum times the row's own state, so
/// catching up costs one pass over the row. Terms below 1e-10 of the first are dropped, which
/// bounds the window.
public struct LazyRowClock {
    /// The geometric ratio of a missed step's update to the previous one (μ, or β₁/√β₂).
    public let ratio: Double
    /// How many past coefficients are kept: beyond this the terms are negligible.
    public let window: Int
    /// Recent coefficients by `step % window` (Float, so a restored checkpoint continues bit for bit).
    private var coefficients: [Float]
    /// `rows[parameterIndex]`: for each row, the step it is up to date with.
    var rows: [Int: [Int32]] = [:]

    /// A clock for updates whose missed terms shrink by `ratio` per step (`0 ≤ ratio < 1`).
    public init(ratio: Double) {
        self.ratio = ratio
        let negligible = ratio > 0 ? Int((log(1e-10) / log(ratio)).rounded(.up)) : 1
        window = max(1, min(negligible, 1 << 16))
        coefficients = Array(repeating: 0, count: window)
    }

    /// Records step `step`'s coefficient (call once per step, in order).
    mutating func record(step: Int, coefficient: Double) {
        coefficients[step % window] = Float(coefficient)
    }

    /// `Σ_{j=from+1}^{to} coefficient_j · ratio^(j-from)`, the missed steps' combined factor.
    func missedSum(from: Int, to: Int) -> Double {
        guard to > from, ratio > 0 else { return 0 }
        var sum = 0.0, power = ratio
        for j in (from + 1)...min(to, from + window) {
            sum += Double(coefficients[j % window]) * power
            power *= ratio
        }
        return sum
    }

    /// The clocks and coefficients as tensors, named after `names[index]`, when any row is
    /// tracked: `lazy.coefficients` and `<name>.lazy_row_step`.
    func stateTensors(names: [String]) -> [String: Tensor] {
        guard !rows.isEmpty else { return [:] }
        var state = ["lazy.coefficients": Tensor(shape: [window], values: coefficients)]
        for (index, clocks) in rows { state[names[index] + ".lazy_row_step"] = Tensor(shape: [clocks.count], values: clocks.map(Float.init)) }
        return state
    }

    /// Restores ``stateTensors(names:)`` output; no lazy tensors means every row is current.
    mutating func loadState(_ tensors: [String: Tensor], names: [String]) throws {
        rows = [:]
        guard let saved = tensors["lazy.coefficients"] else { return }
        guard saved.count == window else {
            throw CheckpointError("optimizer state tensor 'lazy.coefficients' has \(saved.count) values, expected \(window)")
        }
        coefficients = saved.storage
        for (index, name) in names.enumerated() {
            if let clocks = tensors[name + ".lazy_row_step"] { rows[index] = clocks.storage.map { Int32($0) } }
        }
    }

    /// Removes and returns the row clocks of parameter `index` (`rowCount` rows; all up to date
    /// with step `upTo` when the parameter is new here), so the caller mutates them without a
    /// copy and puts them back.
    mutating func takeClocks(of index: Int, rowCount: Int, upTo step: Int) -> [Int32] {
        rows.removeValue(forKey: index) ?? [Int32](repeating: Int32(step), count: rowCount)
    }
}

/// An optimizer whose rows can lag (``Optimizer/step(lazyRows:)``): it says how to catch rows
/// up, and the shared bookkeeping below does the rest.
protocol LazyRowUpdating {
    var parameters: [(name: String, parameter: Parameter)] { get }
    var stepCount: Int { get }
    var lazyClock: LazyRowClock { get set }
    /// Applies the updates `rows` of parameter `index` missed since their clocks, up to step
    /// `end`, and sets their clocks to `end`.
    mutating func catchUp(_ index: Int, rows: [Int], clocks: inout [Int32], to end: Int)
}

extension LazyRowUpdating {
    /// Before a step over `lazyRows`: catches those rows up to the previous step and marks them
    /// as updated by the coming one.
    mutating func catchUpRowsBeforeStep(_ lazyRows: [String: [Int]]) {
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
            guard let rows = lazyRows[name] else { continue }
            var clocks = lazyClock.takeClocks(of: index, rowCount: parameter.value.shape.first ?? 1, upTo: stepCount)
            catchUp(index, rows: rows, clocks: &clocks, to: stepCount)
            for row in rows { clocks[row] = Int32(stepCount + 1) }
            lazyClock.rows[index] = clocks
        }
    }

    /// Catches every lagging row of every lazily updated parameter up to the current step.
    mutating func catchUpEveryLaggingRow() {
        for index in Array(lazyClock.rows.keys) {
            guard var clocks = lazyClock.rows.removeValue(forKey: index) else { continue }
            let stale = clocks.indices.filter { Int(clocks[$0]) < stepCount }
            catchUp(index, rows: stale, clocks: &clocks, to: stepCount)
            lazyClock.rows[index] = clocks
        }
    }
}

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
        self.lazyClock = LazyRowClock(ratio: Double(momentum))
    }

    /// Updates every trainable parameter once (dense).
    public mutating func step() { step(sparseRows: [:]) }

    /// Updates every trainable parameter once; only the listed rows of those in `sparseRows`.
    public mutating func step(sparseRows: [String: [Int]]) {
        let first = stepCount == 0
        stepCount += 1
        lazyClock.record(step: stepCount, coefficient: Double(learningRate))
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
        let mu = Double(momentum), scale = nesterov ? mu : 1
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
        let t = Double(stepCount)
        // PyTorch computes the bias corrections in Python floats (double).
        let correction1 = 1 - pow(Double(b1), t)
        let correction2Root = Float((1 - pow(Double(b2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / correction1)
        lazyClock.record(step: stepCount, coefficient: Double(learningRate) * Double(correction2Root) / correction1)
        let eps = epsilon, wd = weightDecay, decay = 1 - learningRate * weightDecay
        let decoupled = decoupledWeightDecay
        for (index, (name, parameter)) in parameters.enumerated() where parameter.requiresGradient {
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
        let epsilon = Float(Double(self.epsilon) * (1 - pow(b2, Double(max(end, 1)))).squareRoot())
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
                                     move: Float(lazyClock.missedSum(from: last, to: end)), epsilon: epsilon,
                                     decay1: Float(pow(b1, missed)), decay2: Float(pow(b2, missed)))
                    }
                }
            }
        }
    }

    /// The element loop of ``catchUp(_:rows:clocks:to:)``, vectorizable like ``update(_:_:_:_:count:_:)``.
    @inline(never)
    static func catchUp(
        _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        count: Int, move: Float, epsilon: Float, decay1: Float, decay2: Float
    ) {
        for i in 0..<count {
            p[i] -= move * (m[i] / (VectorMath.sqrtCore(v[i]) + epsilon))
            m[i] *= decay1
            v[i] *= decay2
        }
    }

    /// Elements from which one tensor's update is split across threads (smaller ones are not
    /// worth waking a thread for).
    static let parallelThreshold = 1 << 16

    /// The scalars of one Adam step, passed by value so the element loop keeps them in registers.
    struct AdamConstants {
        var shrink, l2, beta1, beta2, correction2Root, epsilon, stepSize: Float
        /// Clipping's coefficient, applied to each gradient element as it is read.
        var gradientScale: Float = 1
        /// Zero each gradient element once read.
        var zeroGradient = false
    }

    /// One Adam update of `count` elements, over plain pointers and by-value scalars, with a
    /// vectorizable square root (see ``VectorMath``), so LLVM emits packed AVX/SSE code.
    @inline(never)
    static func update(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, count: Int, _ k: AdamConstants
    ) {
        // Two copies of the loop, so each stays branch-free and vectorizes.
        if k.zeroGradient {
            for i in 0..<count {
                element(p, g, m, v, i, k)
                g[i] = 0
            }
        } else {
            for i in 0..<count { element(p, g, m, v, i, k) }
        }
    }

    /// Element `i` of ``update(_:_:_:_:count:_:)``.
    @inline(__always)
    static func element(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, _ i: Int, _ k: AdamConstants
    ) {
        let decayed = p[i] * k.shrink
        // Exactly the clipped value a separate pass would have stored (x · 1 is x).
        let grad = g[i] * k.gradientScale + k.l2 * decayed
        let first = m[i] + (grad - m[i]) * (1 - k.beta1)
        let second = v[i] * k.beta2 + (1 - k.beta2) * grad * grad
        m[i] = first
        v[i] = second
        p[i] = decayed - k.stepSize * (first / (VectorMath.sqrtCore(second) / k.correction2Root + k.epsilon))
    }

    /// `step` and each parameter's buffers under `<name>.<buffer>`, PyTorch's buffer names.
    public func stateTensors() -> [String: Tensor] {
        var state = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for (index, (name, _)) in parameters.enumerated() {
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
