/// A growable Float buffer owned by a workspace; reused across calls so training loops do not
/// allocate once sizes have been seen.
@usableFromInline
final class ScratchBuffer {
    @usableFromInline var pointer: UnsafeMutablePointer<Float>
    @usableFromInline var capacity: Int

    init() {
        pointer = .allocate(capacity: 1)
        capacity = 1
    }

    /// Makes room for `count` elements (contents are not preserved) and returns the pointer.
    @discardableResult
    func reserve(_ count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        if zeroed { pointer.update(repeating: 0, count: count) }
        return pointer
    }

    func tensor(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: Array(UnsafeBufferPointer(start: pointer, count: shape.reduce(1, *))))
    }

    func copy(from tensor: Tensor) {
        let p = reserve(tensor.count)
        tensor.storage.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
    }

    deinit { pointer.deallocate() }
}

/// Luong (multiplicative) attention over encoder outputs, for all decoder steps at once.
///
/// For decoder state `h_t` (`[Hd]`) and encoder outputs `h_s` (`[S, Hs]`) of one sequence:
/// - scores: dot `h_sᵀ h_t`; general `h_sᵀ (W_a h_t)` (`W_a` `[Hs, Hd]`); concat
///   `vᵀ tanh(W_a [h_t; h_s])` (`W_a` `[A, Hd + Hs]`, `v` `[1, A]`);
/// - masked to the sequence's source length (steps ≥ length get weight 0), softmax over `s`;
/// - context `c_t = Σ_s a_{t,s} h_s`;
/// - attentional hidden `h̃_t = tanh(W_c [h_t; c_t])` (`W_c` `[Ho, Hd + Hs]`), no biases.
///
/// Parameter names follow a PyTorch module holding `W_a`, `v`, `W_c` as bias-free `nn.Linear`s:
/// `W_a.weight`, `v.weight`, `W_c.weight`. Every product runs as one BLAS call over all batch rows
/// and decoder steps (or one per sequence), and the workspace (``LuongAttentionState``) is reused
/// across calls, so a training step does not allocate per decoder step.
///
/// Two ways to run it: all decoder steps at once under teacher forcing
/// (``forward(encoderOutputs:sourceLengths:decoderStates:state:)`` / ``backward(attentionalGradient:state:)``),
/// or one step at a time when each decoder input depends on the previous output (input feeding,
/// decoding): ``beginSteps(encoderOutputs:sourceLengths:steps:state:)``, then
/// ``forwardStep(_:decoderState:state:)`` and ``backwardStep(_:attentionalGradient:state:)``.
public struct LuongAttention: ParameterContainer {
    /// How a decoder state is scored against each encoder output.
    public enum Score: String, Sendable, CaseIterable {
        case dot, general, concat
    }

    /// The scoring function.
    public let score: Score
    /// `W_a`: general `[Hs, Hd]`, concat `[A, Hd + Hs]`, nil for dot.
    public let scoreWeight: Parameter?
    /// `v`: concat `[1, A]`, else nil.
    public let scoreVector: Parameter?
    /// `W_c`, `[Ho, Hd + Hs]`.
    public let combineWeight: Parameter

    /// Decoder state size `Hd`.
    public let decoderSize: Int
    /// Encoder output size `Hs`.
    public let encoderSize: Int
    /// Attentional hidden size `Ho`.
    public var outputSize: Int { combineWeight.value.shape[0] }

    /// Attention with weights initialised like bias-free `nn.Linear`s (uniform `±1/√fan_in`).
    /// `attentionSize` (`A`) is used by concat only; `outputSize` defaults to `decoderSize`.
    public init(
        score: Score, decoderSize: Int, encoderSize: Int, attentionSize: Int? = nil, outputSize: Int? = nil,
        generator: inout SeededGenerator
    ) throws {
        if score == .dot && decoderSize != encoderSize {
            throw LayerInputError("dot attention needs equal decoder and encoder sizes, got \(decoderSize) and \(encoderSize)")
        }
        func uniform(_ shape: [Int]) -> Tensor {
            let bound = 1 / Float(shape[1]).squareRoot()
            var t = Tensor(shape: shape)
            for i in 0..<t.count { t.storage[i] = generator.nextFloat(in: -bound, bound) }
            return t
        }
        let a = attentionSize ?? decoderSize
        switch score {
        case .dot:
            scoreWeight = nil
            scoreVector = nil
        case .general:
            scoreWeight = Parameter(uniform([encoderSize, decoderSize]))
            scoreVector = nil
        case .concat:
            scoreWeight = Parameter(uniform([a, decoderSize + encoderSize]))
            scoreVector = Parameter(uniform([1, a]))
        }
        combineWeight = Parameter(uniform([outputSize ?? decoderSize, decoderSize + encoderSize]))
        self.score = score
        self.decoderSize = decoderSize
        self.encoderSize = encoderSize
    }

    /// Attention over given weights (for example a PyTorch checkpoint's); shapes are checked.
    /// Concat attention cannot tell `Hd` from `Hs` by shapes alone: pass `decoderSize` when they
    /// differ (default: half of `W_c`'s width).
    public init(
        score: Score, combineWeight: Tensor, scoreWeight: Tensor? = nil, scoreVector: Tensor? = nil,
        decoderSize concatDecoderSize: Int? = nil
    ) throws {
        guard combineWeight.rank == 2 else {
            throw LayerInputError("W_c must be [output, decoder + encoder], got \(combineWeight.shape)")
        }
        let both = combineWeight.shape[1]
        switch score {
        case .dot:
            guard both % 2 == 0 else { throw LayerInputError("dot attention: W_c width \(both) is not 2·hidden") }
            decoderSize = both / 2
            encoderSize = both / 2
        case .general:
            guard let w = scoreWeight, w.rank == 2, w.shape[0] + w.shape[1] == both else {
                throw LayerInputError("general attention needs W_a [encoder, decoder] summing to W_c's width \(both), got \(scoreWeight?.shape ?? [])")
            }
            encoderSize = w.shape[0]
            decoderSize = w.shape[1]
        case .concat:
            guard let w = scoreWeight, w.rank == 2, w.shape[1] == both,
                  let v = scoreVector, v.shape == [1, w.shape[0]] else {
                throw LayerInputError("concat attention needs W_a [A, \(both)] and v [1, A], got \(scoreWeight?.shape ?? []) and \(scoreVector?.shape ?? [])")
            }
            let hd = concatDecoderSize ?? both / 2
            guard hd > 0, hd < both, concatDecoderSize != nil || both % 2 == 0 else {
                throw LayerInputError("concat attention: cannot split W_c width \(both) into decoder and encoder sizes; pass decoderSize")
            }
            decoderSize = hd
            encoderSize = both - hd
        }
        self.score = score
        self.combineWeight = Parameter(combineWeight)
        self.scoreWeight = scoreWeight.map { Parameter($0) }
        self.scoreVector = scoreVector.map { Parameter($0) }
    }

    /// `W_a.weight` and `v.weight` when the score uses them, then `W_c.weight`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list: [(name: String, parameter: Parameter)] = []
        if let scoreWeight { list.append(("W_a.weight", scoreWeight)) }
        if let scoreVector { list.append(("v.weight", scoreVector)) }
        list.append(("W_c.weight", combineWeight))
        return list
    }

    // MARK: All decoder steps at once (teacher forcing)

    /// Attends every decoder step to the encoder outputs.
    ///
    /// - Parameters:
    ///   - encoderOutputs: `[B, S, Hs]`.
    ///   - sourceLengths: `[B]`, each in `1...S`; steps at or past a length are masked out.
    ///   - decoderStates: `[B, T, Hd]` (T decoder steps; `[B, Hd]` is taken as T = 1).
    ///   - state: the workspace that keeps what backward needs; reuse it across calls.
    /// - Returns: the attentional hidden states `[B, T, Ho]` (`[B, Ho]` for `[B, Hd]` input).
    ///   Weights `[B, T, S]` and contexts `[B, T, Hs]` are available from `state`.
    public func forward(
        encoderOutputs: Tensor, sourceLengths: [Int], decoderStates: Tensor, state: LuongAttentionState
    ) throws -> Tensor {
        let b = encoderOutputs.shape.first ?? 0
        let singleStep = decoderStates.rank == 2
        guard (singleStep || decoderStates.rank == 3), decoderStates.shape[0] == b,
              decoderStates.shape.last == decoderSize else {
            throw LayerInputError("attention: decoder states must be [\(b), T, \(decoderSize)], got \(decoderStates.shape)")
        }
        let t = singleStep ? 1 : decoderStates.shape[1]
        try prepare(encoderOutputs: encoderOutputs, sourceLengths: sourceLengths, steps: t, state: state)
        state.singleStep = singleStep
        state.decoder.copy(from: decoderStates)
        for i in 0..<t { state.forwarded[i] = true }
        computeForward(state, from: 0, to: t)
        return state.output.tensor(singleStep ? [b, outputSize] : [b, t, outputSize])
    }

    /// Backpropagates from `d h̃` (`[B, T, Ho]`, or `[B, Ho]` when forward had one step)
    /// through the last ``forward(encoderOutputs:sourceLengths:decoderStates:state:)`` on `state`.
    /// Accumulates parameter gradients and returns the gradients of the decoder states
    /// (`[B, T, Hd]` or `[B, Hd]`) and of the encoder outputs (`[B, S, Hs]`).
    /// Call it once per forward: the concat score's backward reuses forward's buffers.
    public func backward(
        attentionalGradient: Tensor, state st: LuongAttentionState
    ) -> (decoderStates: Tensor, encoderOutputs: Tensor) {
        let b = st.batch, t = st.targetSteps, ho = outputSize
        precondition(attentionalGradient.count == b * t * ho,
                     "attention backward: gradient \(attentionalGradient.shape) for [\(b), \(t), \(ho)]")
        st.gradEncoder.reserve(b * st.sourceSteps * encoderSize, zeroed: true)
        attentionalGradient.storage.withUnsafeBufferPointer { g in
            computeBackward(st, from: 0, to: t, gradient: g.baseAddress!, gradientStride: t * ho)
        }
        return (st.gradDecoder.tensor(st.singleStep ? [b, decoderSize] : [b, t, decoderSize]),
                st.gradEncoder.tensor([b, st.sourceSteps, encoderSize]))
    }

    // MARK: One decoder step at a time (input feeding, greedy or beam decoding)

    /// Starts step-by-step attention over `encoderOutputs` `[B, S, Hs]` for up to `steps` decoder
    /// steps: buffers for every step are sized once here, so the steps allocate nothing but
    /// their small results. Zeroes the encoder gradient that ``backwardStep(_:attentionalGradient:state:)``
    /// accumulates.
    public func beginSteps(
        encoderOutputs: Tensor, sourceLengths: [Int], steps: Int, state: LuongAttentionState
    ) throws {
        guard steps >= 1 else { throw LayerInputError("attention: \(steps) decoder steps; need at least 1") }
        try prepare(encoderOutputs: encoderOutputs, sourceLengths: sourceLengths, steps: steps, state: state)
        state.decoder.reserve(state.batch * steps * decoderSize, zeroed: true)
    }

    /// Attends decoder step `step` (`decoderState` `[B, Hd]`) and returns its attentional hidden
    /// state `[B, Ho]`. The step's weights and context stay in `state` for backward.
    public func forwardStep(_ step: Int, decoderState: Tensor, state st: LuongAttentionState) throws -> Tensor {
        guard decoderState.shape == [st.batch, decoderSize] else {
            throw LayerInputError("attention: decoder state must be [\(st.batch), \(decoderSize)], got \(decoderState.shape)")
        }
        var result = Tensor(shape: [st.batch, outputSize])
        try decoderState.storage.withUnsafeBufferPointer { x in
            try result.storage.withUnsafeMutableBufferPointer { y in
                try forwardStep(step, decoderState: x.baseAddress!, output: y.baseAddress!, state: st)
            }
        }
        return result
    }

    /// ``forwardStep(_:decoderState:state:)`` over caller buffers, allocating nothing:
    /// reads `[B, Hd]` from `decoderState`, writes `[B, Ho]` to `output`.
    public func forwardStep(
        _ step: Int, decoderState: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, state st: LuongAttentionState
    ) throws {
        let b = st.batch, t = st.targetSteps, hd = decoderSize, ho = outputSize
        guard step >= 0 && step < t else {
            throw LayerInputError("attention: step \(step) is outside the \(t) steps given to beginSteps")
        }
        let dec = st.decoder.pointer
        for i in 0..<b { (dec + (i * t + step) * hd).update(from: decoderState + i * hd, count: hd) }
        st.forwarded[step] = true
        computeForward(st, from: step, to: step + 1)
        for i in 0..<b { (output + i * ho).update(from: st.output.pointer + (i * t + step) * ho, count: ho) }
    }

    /// Backpropagates step `step` from `d h̃_t` (`[B, Ho]`): accumulates parameter gradients and
    /// the encoder-output gradient (read it from ``LuongAttentionState/encoderGradient`` after the
    /// last step) and returns `d h_t`, `[B, Hd]`. Steps may come in any order, each once.
    public func backwardStep(_ step: Int, attentionalGradient: Tensor, state st: LuongAttentionState) throws -> Tensor {
        guard attentionalGradient.shape == [st.batch, outputSize] else {
            throw LayerInputError("attention: gradient must be [\(st.batch), \(outputSize)], got \(attentionalGradient.shape)")
        }
        var result = Tensor(shape: [st.batch, decoderSize])
        try attentionalGradient.storage.withUnsafeBufferPointer { g in
            try result.storage.withUnsafeMutableBufferPointer { y in
                try backwardStep(step, attentionalGradient: g.baseAddress!, decoderGradient: y.baseAddress!, state: st)
            }
        }
        return result
    }

    /// ``backwardStep(_:attentionalGradient:state:)`` over caller buffers, allocating nothing:
    /// reads `[B, Ho]` from `attentionalGradient`, writes `d h_t` `[B, Hd]` to `decoderGradient`.
    public func backwardStep(
        _ step: Int, attentionalGradient: UnsafePointer<Float>, decoderGradient: UnsafeMutablePointer<Float>,
        state st: LuongAttentionState
    ) throws {
        let b = st.batch, t = st.targetSteps, hd = decoderSize, ho = outputSize
        guard step >= 0 && step < t, st.forwarded[step] else {
            throw LayerInputError("attention: backward of step \(step), which had no forwardStep since beginSteps")
        }
        computeBackward(st, from: step, to: step + 1, gradient: attentionalGradient, gradientStride: ho)
        for i in 0..<b { (decoderGradient + i * hd).update(from: st.gradDecoder.pointer + (i * t + step) * hd, count: hd) }
    }

    // MARK: Kernels over a range of decoder steps

    private func prepare(encoderOutputs: Tensor, sourceLengths: [Int], steps t: Int, state st: LuongAttentionState) throws {
        guard encoderOutputs.rank == 3, encoderOutputs.shape[2] == encoderSize else {
            throw LayerInputError("attention: encoder outputs must be [B, S, \(encoderSize)], got \(encoderOutputs.shape)")
        }
        let b = encoderOutputs.shape[0], s = encoderOutputs.shape[1]
        guard sourceLengths.count == b else {
            throw LayerInputError("attention: \(sourceLengths.count) source lengths for a batch of \(b)")
        }
        for (i, length) in sourceLengths.enumerated() where length < 1 || length > s {
            throw LayerInputError("attention: source length \(length) of sequence \(i) is outside 1...\(s)")
        }
        st.batch = b
        st.sourceSteps = s
        st.targetSteps = t
        st.singleStep = false
        st.lengths = sourceLengths
        st.decoderWidth = decoderSize
        st.encoderWidth = encoderSize
        st.forwarded = [Bool](repeating: false, count: t)
        st.encoder.copy(from: encoderOutputs)
        let a = score == .concat ? scoreWeight!.value.shape[0] : 0
        // Every forward buffer is sized for all steps now: reserve() drops contents when it grows.
        st.weights.reserve(b * t * s)
        st.query.reserve(b * t * max(encoderSize, a))
        st.combined.reserve(b * t * (decoderSize + encoderSize))
        st.output.reserve(b * t * outputSize)
        st.gradDecoder.reserve(b * t * decoderSize)
        st.gradEncoder.reserve(b * s * encoderSize, zeroed: true)
        if score == .concat {
            st.concatHidden.reserve(b * t * s * a)
            // The encoder side of W_a [h_t; h_s] is the same for every step: project it once.
            let ps = st.sourceProjection.reserve(b * s * a)
            scoreWeight!.value.storage.withUnsafeBufferPointer { wa in
                BLAS.gemm(transposeB: true, m: b * s, n: a, k: encoderSize, a: st.encoder.pointer, lda: encoderSize,
                          b: wa.baseAddress! + decoderSize, ldb: decoderSize + encoderSize, c: ps, ldc: a)
            }
        }
    }

    /// Row blocks `(first row, row count)` of steps `t0..<t1` in `[B, T, …]` buffers: one block
    /// spanning the batch when all steps are covered, else one per sequence.
    private func blocks(_ st: LuongAttentionState, _ t0: Int, _ t1: Int) -> [(start: Int, count: Int)] {
        let t = st.targetSteps
        if t0 == 0 && t1 == t { return [(0, st.batch * t)] }
        return (0..<st.batch).map { ($0 * t + t0, t1 - t0) }
    }

    private func computeForward(_ st: LuongAttentionState, from t0: Int, to t1: Int) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps, tt = t1 - t0
        let hd = decoderSize, hs = encoderSize, ho = outputSize, width = hd + hs
        let enc = st.encoder.pointer, dec = st.decoder.pointer, scores = st.weights.pointer
        let rowBlocks = blocks(st, t0, t1)
        withWeights { wa, v, wc in
            switch score {
            case .dot:
                for i in 0..<b {
                    let r = i * t + t0
                    BLAS.gemm(transposeB: true, m: tt, n: s, k: hs, a: dec + r * hd, lda: hd,
                              b: enc + i * s * hs, ldb: hs, c: scores + r * s, ldc: s)
                }
            case .general:
                let q = st.query.pointer
                for (r, n) in rowBlocks {
                    BLAS.gemm(transposeB: true, m: n, n: hs, k: hd, a: dec + r * hd, lda: hd, b: wa!, ldb: hd,
                              c: q + r * hs, ldc: hs)
                }
                for i in 0..<b {
                    let r = i * t + t0
                    BLAS.gemm(transposeB: true, m: tt, n: s, k: hs, a: q + r * hs, lda: hs,
                              b: enc + i * s * hs, ldb: hs, c: scores + r * s, ldc: s)
                }
            case .concat:
                let a = scoreWeight!.value.shape[0]
                let pt = st.query.pointer, ps = st.sourceProjection.pointer, u = st.concatHidden.pointer
                for (r, n) in rowBlocks {
                    BLAS.gemm(transposeB: true, m: n, n: a, k: hd, a: dec + r * hd, lda: hd, b: wa!, ldb: width,
                              c: pt + r * a, ldc: a)
                }
                for i in 0..<b {
                    for j in t0..<t1 {
                        let rowT = pt + (i * t + j) * a
                        for k in 0..<s {
                            let rowS = ps + (i * s + k) * a, out = u + ((i * t + j) * s + k) * a
                            for c in 0..<a { out[c] = rowT[c] + rowS[c] }
                        }
                    }
                }
                for (r, n) in rowBlocks {
                    VectorMath.tanh(u + r * s * a, u + r * s * a, count: n * s * a)
                    BLAS.gemm(transposeB: true, m: n * s, n: 1, k: a, a: u + r * s * a, lda: a, b: v!, ldb: a,
                              c: scores + r * s, ldc: 1)
                }
            }
            // Masked softmax over source steps, in place: scores become weights.
            for i in 0..<b {
                let length = st.lengths[i]
                for j in t0..<t1 {
                    let row = scores + (i * t + j) * s
                    var maxValue = row[0]
                    for k in 1..<length { maxValue = max(maxValue, row[k]) }
                    for k in 0..<length { row[k] -= maxValue }
                    VectorMath.exp(row, row, count: length)
                    var sum: Float = 0
                    for k in 0..<length { sum += row[k] }
                    let inv = 1 / sum
                    for k in 0..<length { row[k] *= inv }
                    for k in length..<s { row[k] = 0 }
                }
            }
            // [h_t; c_t], with the contexts written straight into the right half.
            let cat = st.combined.pointer
            for i in 0..<b {
                let r = i * t + t0
                for j in 0..<tt { (cat + (r + j) * width).update(from: dec + (r + j) * hd, count: hd) }
                BLAS.gemm(m: tt, n: hs, k: s, a: scores + r * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          c: cat + r * width + hd, ldc: width)
            }
            let out = st.output.pointer
            for (r, n) in rowBlocks {
                BLAS.gemm(transposeB: true, m: n, n: ho, k: width, a: cat + r * width, lda: width, b: wc, ldb: width,
                          c: out + r * ho, ldc: ho)
                VectorMath.tanh(out + r * ho, out + r * ho, count: n * ho)
            }
        }
    }

    /// Backward over steps `t0..<t1`. `gradient` holds `d h̃` of those steps: row `(i, j)` at
    /// `i * gradientStride + (j - t0) * Ho`. Writes `d h_t` into `gradDecoder`, adds into
    /// `gradEncoder` and the parameter gradients.
    private func computeBackward(
        _ st: LuongAttentionState, from t0: Int, to t1: Int, gradient: UnsafePointer<Float>, gradientStride: Int
    ) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps, tt = t1 - t0
        let hd = decoderSize, hs = encoderSize, ho = outputSize, width = hd + hs
        let enc = st.encoder.pointer, weights = st.weights.pointer
        let cat = st.combined.pointer, out = st.output.pointer
        let ddec = st.gradDecoder.pointer, denc = st.gradEncoder.pointer
        let dz = st.gradOutput.reserve(b * t * ho)
        let dcat = st.gradCombined.reserve(b * t * width)
        let dscore = st.gradScores.reserve(b * t * s)
        let rowBlocks = blocks(st, t0, t1)
        for i in 0..<b {
            for j in 0..<tt {
                let r = (i * t + t0 + j) * ho, g = gradient + i * gradientStride + j * ho
                for c in 0..<ho { dz[r + c] = g[c] * (1 - out[r + c] * out[r + c]) }
            }
        }
        withWeights { wa, v, wc in
            if combineWeight.requiresGradient {
                combineWeight.gradient.storage.withUnsafeMutableBufferPointer { dwc in
                    for (r, n) in rowBlocks {
                        BLAS.gemm(transposeA: true, m: ho, n: width, k: n, a: dz + r * ho, lda: ho,
                                  b: cat + r * width, ldb: width, beta: 1, c: dwc.baseAddress!, ldc: width)
                    }
                }
            }
            for (r, n) in rowBlocks {
                BLAS.gemm(m: n, n: width, k: ho, a: dz + r * ho, lda: ho, b: wc, ldb: width,
                          c: dcat + r * width, ldc: width)
                for row in r..<(r + n) { (ddec + row * hd).update(from: dcat + row * width, count: hd) }
            }
            // d weights, and the context path into the encoder outputs.
            for i in 0..<b {
                let r = i * t + t0, dctx = dcat + r * width + hd
                BLAS.gemm(transposeB: true, m: tt, n: s, k: hs, a: dctx, lda: width,
                          b: enc + i * s * hs, ldb: hs, c: dscore + r * s, ldc: s)
                BLAS.gemm(transposeA: true, m: s, n: hs, k: tt, a: weights + r * s, lda: s,
                          b: dctx, ldb: width, beta: 1, c: denc + i * s * hs, ldc: hs)
            }
            // Softmax backward: d score = a ⊙ (d a - Σ a ⊙ d a); masked steps have a = 0.
            for i in 0..<b {
                for j in t0..<t1 {
                    let a = weights + (i * t + j) * s, d = dscore + (i * t + j) * s
                    var dot: Float = 0
                    for k in 0..<s { dot += a[k] * d[k] }
                    for k in 0..<s { d[k] = a[k] * (d[k] - dot) }
                }
            }
            scoreBackward(st, t0, t1, rowBlocks, dscore: dscore, wa: wa, v: v)
        }
    }

    private func scoreBackward(
        _ st: LuongAttentionState, _ t0: Int, _ t1: Int, _ rowBlocks: [(start: Int, count: Int)],
        dscore: UnsafeMutablePointer<Float>, wa: UnsafePointer<Float>?, v: UnsafePointer<Float>?
    ) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps, tt = t1 - t0
        let hd = decoderSize, hs = encoderSize, width = hd + hs
        let enc = st.encoder.pointer, dec = st.decoder.pointer
        let ddec = st.gradDecoder.pointer, denc = st.gradEncoder.pointer
        switch score {
        case .dot:
            for i in 0..<b {
                let r = i * t + t0
                BLAS.gemm(m: tt, n: hd, k: s, a: dscore + r * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          beta: 1, c: ddec + r * hd, ldc: hd)
                BLAS.gemm(transposeA: true, m: s, n: hs, k: tt, a: dscore + r * s, lda: s,
                          b: dec + r * hd, ldb: hd, beta: 1, c: denc + i * s * hs, ldc: hs)
            }
        case .general:
            let q = st.query.pointer
            let dq = st.gradQuery.reserve(b * t * hs)
            for i in 0..<b {
                let r = i * t + t0
                BLAS.gemm(m: tt, n: hs, k: s, a: dscore + r * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          c: dq + r * hs, ldc: hs)
                BLAS.gemm(transposeA: true, m: s, n: hs, k: tt, a: dscore + r * s, lda: s,
                          b: q + r * hs, ldb: hs, beta: 1, c: denc + i * s * hs, ldc: hs)
            }
            for (r, n) in rowBlocks {
                if scoreWeight!.requiresGradient {
                    scoreWeight!.gradient.storage.withUnsafeMutableBufferPointer { dwa in
                        BLAS.gemm(transposeA: true, m: hs, n: hd, k: n, a: dq + r * hs, lda: hs, b: dec + r * hd, ldb: hd,
                                  beta: 1, c: dwa.baseAddress!, ldc: hd)
                    }
                }
                BLAS.gemm(m: n, n: hd, k: hs, a: dq + r * hs, lda: hs, b: wa!, ldb: hd, beta: 1, c: ddec + r * hd, ldc: hd)
            }
        case .concat:
            let a = scoreWeight!.value.shape[0]
            let u = st.concatHidden.pointer
            if scoreVector!.requiresGradient {
                scoreVector!.gradient.storage.withUnsafeMutableBufferPointer { dv in
                    for (r, n) in rowBlocks {
                        BLAS.gemm(transposeA: true, m: 1, n: a, k: n * s, a: dscore + r * s, lda: 1, b: u + r * s * a, ldb: a,
                                  beta: 1, c: dv.baseAddress!, ldc: a)
                    }
                }
            }
            let dpt = st.gradQuery.reserve(b * t * a)
            let dps = st.gradSourceProjection.reserve(b * s * a, zeroed: true)
            let vector = v!
            for i in 0..<b {
                for j in t0..<t1 {
                    let r = i * t + j, rowT = dpt + r * a
                    rowT.update(repeating: 0, count: a)
                    for k in 0..<s {
                        // d pre-activation of pair (t, s), overwriting u (used once, here).
                        let du = u + (r * s + k) * a, rowS = dps + (i * s + k) * a, d = dscore[r * s + k]
                        for c in 0..<a {
                            let value = d * vector[c] * (1 - du[c] * du[c])
                            du[c] = value
                            rowT[c] += value
                            rowS[c] += value
                        }
                    }
                }
            }
            if scoreWeight!.requiresGradient {
                scoreWeight!.gradient.storage.withUnsafeMutableBufferPointer { dwa in
                    for (r, n) in rowBlocks {
                        BLAS.gemm(transposeA: true, m: a, n: hd, k: n, a: dpt + r * a, lda: a, b: dec + r * hd, ldb: hd,
                                  beta: 1, c: dwa.baseAddress!, ldc: width)
                    }
                    BLAS.gemm(transposeA: true, m: a, n: hs, k: b * s, a: dps, lda: a, b: enc, ldb: hs,
                              beta: 1, c: dwa.baseAddress! + hd, ldc: width)
                }
            }
            for (r, n) in rowBlocks {
                BLAS.gemm(m: n, n: hd, k: a, a: dpt + r * a, lda: a, b: wa!, ldb: width, beta: 1, c: ddec + r * hd, ldc: hd)
            }
            BLAS.gemm(m: b * s, n: hs, k: a, a: dps, lda: a, b: wa! + hd, ldb: width, beta: 1, c: denc, ldc: hs)
        }
    }

    /// Runs `body` with pointers to `W_a` (or nil), `v` (or nil) and `W_c`.
    private func withWeights(_ body: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>) -> Void) {
        combineWeight.value.storage.withUnsafeBufferPointer { wc in
            func withV(_ wa: UnsafePointer<Float>?) {
                if let scoreVector {
                    scoreVector.value.storage.withUnsafeBufferPointer { body(wa, $0.baseAddress!, wc.baseAddress!) }
                } else {
                    body(wa, nil, wc.baseAddress!)
                }
            }
            if let scoreWeight {
                scoreWeight.value.storage.withUnsafeBufferPointer { withV($0.baseAddress!) }
            } else {
                withV(nil)
            }
        }
    }
}

/// The workspace of a ``LuongAttention``: what forward keeps for backward, and scratch space.
///
/// Buffers are sized for all decoder steps when a batch starts, grow to the largest batch seen
/// and are reused, so repeated training steps and step-by-step decoding do not allocate.
/// One state serves one batch at a time (not thread-safe).
public final class LuongAttentionState {
    var batch = 0
    var sourceSteps = 0
    var targetSteps = 0
    var singleStep = false
    var lengths: [Int] = []
    var forwarded: [Bool] = []
    var decoderWidth = 0
    var encoderWidth = 0
    let encoder = ScratchBuffer(), decoder = ScratchBuffer()
    let query = ScratchBuffer(), sourceProjection = ScratchBuffer(), concatHidden = ScratchBuffer()
    let weights = ScratchBuffer(), combined = ScratchBuffer(), output = ScratchBuffer()
    let gradOutput = ScratchBuffer(), gradCombined = ScratchBuffer(), gradScores = ScratchBuffer()
    let gradQuery = ScratchBuffer(), gradSourceProjection = ScratchBuffer()
    let gradDecoder = ScratchBuffer(), gradEncoder = ScratchBuffer()

    /// An empty workspace.
    public init() {}

    /// The attention weights, `[B, T, S]` (`[B, S]` after a single-step batched forward);
    /// zero at masked source steps.
    public var attentionWeights: Tensor {
        weights.tensor(singleStep ? [batch, sourceSteps] : [batch, targetSteps, sourceSteps])
    }

    /// The context vectors, `[B, T, Hs]` (`[B, Hs]` after a single-step batched forward).
    public var contexts: Tensor {
        let width = encoderWidth, full = decoderWidth + encoderWidth
        var values = [Float](repeating: 0, count: batch * targetSteps * width)
        for r in 0..<(batch * targetSteps) {
            for c in 0..<width { values[r * width + c] = combined.pointer[r * full + decoderWidth + c] }
        }
        return Tensor(shape: singleStep ? [batch, width] : [batch, targetSteps, width], values: values)
    }

    /// `d loss / d encoder outputs`, `[B, S, Hs]`, summed over the steps backpropagated since the
    /// batch began (the complete gradient once every step's backward has run).
    public var encoderGradient: Tensor {
        gradEncoder.tensor([batch, sourceSteps, encoderWidth])
    }
}
