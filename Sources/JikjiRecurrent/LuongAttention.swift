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
    public init(score: Score, combineWeight: Tensor, scoreWeight: Tensor? = nil, scoreVector: Tensor? = nil) throws {
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
            // Concat cannot tell Hd from Hs from shapes alone; PyTorch models use equal sizes.
            guard both % 2 == 0 else { throw LayerInputError("concat attention: W_c width \(both) is not 2·hidden") }
            decoderSize = both / 2
            encoderSize = both / 2
        }
        self.score = score
        self.combineWeight = Parameter(combineWeight)
        self.scoreWeight = scoreWeight.map { Parameter($0) }
        self.scoreVector = scoreVector.map { Parameter($0) }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list: [(name: String, parameter: Parameter)] = []
        if let scoreWeight { list.append(("W_a.weight", scoreWeight)) }
        if let scoreVector { list.append(("v.weight", scoreVector)) }
        list.append(("W_c.weight", combineWeight))
        return list
    }

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
        guard encoderOutputs.rank == 3, encoderOutputs.shape[2] == encoderSize else {
            throw LayerInputError("attention: encoder outputs must be [B, S, \(encoderSize)], got \(encoderOutputs.shape)")
        }
        let b = encoderOutputs.shape[0], s = encoderOutputs.shape[1]
        let singleStep = decoderStates.rank == 2
        guard (singleStep || decoderStates.rank == 3), decoderStates.shape[0] == b,
              decoderStates.shape.last == decoderSize else {
            throw LayerInputError("attention: decoder states must be [\(b), T, \(decoderSize)], got \(decoderStates.shape)")
        }
        guard sourceLengths.count == b else {
            throw LayerInputError("attention: \(sourceLengths.count) source lengths for a batch of \(b)")
        }
        for (i, length) in sourceLengths.enumerated() where length < 1 || length > s {
            throw LayerInputError("attention: source length \(length) of sequence \(i) is outside 1...\(s)")
        }
        let t = singleStep ? 1 : decoderStates.shape[1]
        state.prepare(batch: b, sourceSteps: s, targetSteps: t, singleStep: singleStep, lengths: sourceLengths,
                      decoderWidth: decoderSize, encoderWidth: encoderSize)
        state.encoder.copy(from: encoderOutputs)
        state.decoder.copy(from: decoderStates)
        computeForward(state)
        return state.output.tensor(singleStep ? [b, outputSize] : [b, t, outputSize])
    }

    private func computeForward(_ st: LuongAttentionState) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps
        let hd = decoderSize, hs = encoderSize, ho = outputSize, width = hd + hs
        let enc = st.encoder.pointer, dec = st.decoder.pointer
        let scores = st.weights.reserve(b * t * s)
        withWeights { wa, v, wc in
            switch score {
            case .dot:
                for i in 0..<b {
                    BLAS.gemm(transposeB: true, m: t, n: s, k: hs, a: dec + i * t * hd, lda: hd,
                              b: enc + i * s * hs, ldb: hs, c: scores + i * t * s, ldc: s)
                }
            case .general:
                let q = st.query.reserve(b * t * hs)
                BLAS.gemm(transposeB: true, m: b * t, n: hs, k: hd, a: dec, lda: hd, b: wa!, ldb: hd, c: q, ldc: hs)
                for i in 0..<b {
                    BLAS.gemm(transposeB: true, m: t, n: s, k: hs, a: q + i * t * hs, lda: hs,
                              b: enc + i * s * hs, ldb: hs, c: scores + i * t * s, ldc: s)
                }
            case .concat:
                let a = scoreWeight!.value.shape[0]
                let pt = st.query.reserve(b * t * a), ps = st.sourceProjection.reserve(b * s * a)
                BLAS.gemm(transposeB: true, m: b * t, n: a, k: hd, a: dec, lda: hd, b: wa!, ldb: width, c: pt, ldc: a)
                BLAS.gemm(transposeB: true, m: b * s, n: a, k: hs, a: enc, lda: hs, b: wa! + hd, ldb: width, c: ps, ldc: a)
                let u = st.concatHidden.reserve(b * t * s * a)
                for i in 0..<b {
                    for j in 0..<t {
                        let rowT = pt + (i * t + j) * a
                        for k in 0..<s {
                            let rowS = ps + (i * s + k) * a, out = u + ((i * t + j) * s + k) * a
                            for c in 0..<a { out[c] = rowT[c] + rowS[c] }
                        }
                    }
                }
                VectorMath.tanh(u, u, count: b * t * s * a)
                BLAS.gemm(transposeB: true, m: b * t * s, n: 1, k: a, a: u, lda: a, b: v!, ldb: a, c: scores, ldc: 1)
            }
            // Masked softmax over source steps, in place: scores become weights.
            for i in 0..<b {
                let length = st.lengths[i]
                for j in 0..<t {
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
            // Contexts, written straight into the right half of [h_t; c_t].
            let cat = st.combined.reserve(b * t * width)
            for r in 0..<(b * t) { (cat + r * width).update(from: dec + r * hd, count: hd) }
            for i in 0..<b {
                BLAS.gemm(m: t, n: hs, k: s, a: scores + i * t * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          c: cat + i * t * width + hd, ldc: width)
            }
            let out = st.output.reserve(b * t * ho)
            BLAS.gemm(transposeB: true, m: b * t, n: ho, k: width, a: cat, lda: width, b: wc, ldb: width, c: out, ldc: ho)
            VectorMath.tanh(out, out, count: b * t * ho)
        }
    }

    /// Backpropagates from `d h̃` (`[B, T, Ho]`, or `[B, Ho]` when forward had one step)
    /// through the last ``forward(encoderOutputs:sourceLengths:decoderStates:state:)`` on `state`.
    /// Accumulates parameter gradients and returns the gradients of the decoder states
    /// (`[B, T, Hd]` or `[B, Hd]`) and of the encoder outputs (`[B, S, Hs]`).
    public func backward(
        attentionalGradient: Tensor, state st: LuongAttentionState
    ) -> (decoderStates: Tensor, encoderOutputs: Tensor) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps
        let hd = decoderSize, hs = encoderSize, ho = outputSize, width = hd + hs
        precondition(attentionalGradient.count == b * t * ho,
                     "attention backward: gradient \(attentionalGradient.shape) for [\(b), \(t), \(ho)]")
        let enc = st.encoder.pointer, dec = st.decoder.pointer, weights = st.weights.pointer
        let cat = st.combined.pointer, out = st.output.pointer
        let dz = st.gradOutput.reserve(b * t * ho)
        attentionalGradient.storage.withUnsafeBufferPointer { g in
            for i in 0..<(b * t * ho) { dz[i] = g[i] * (1 - out[i] * out[i]) }
        }
        let dcat = st.gradCombined.reserve(b * t * width)
        var dDecoder = Tensor(shape: st.singleStep ? [b, hd] : [b, t, hd])
        var dEncoder = Tensor(shape: [b, s, hs])
        withWeights { wa, v, wc in
            combineWeight.gradient.storage.withUnsafeMutableBufferPointer { dwc in
                BLAS.gemm(transposeA: true, m: ho, n: width, k: b * t, a: dz, lda: ho, b: cat, ldb: width,
                          beta: 1, c: dwc.baseAddress!, ldc: width)
            }
            BLAS.gemm(m: b * t, n: width, k: ho, a: dz, lda: ho, b: wc, ldb: width, c: dcat, ldc: width)
            dDecoder.storage.withUnsafeMutableBufferPointer { ddecBuffer in
                dEncoder.storage.withUnsafeMutableBufferPointer { dencBuffer in
                    let ddec = ddecBuffer.baseAddress!, denc = dencBuffer.baseAddress!
                    for r in 0..<(b * t) { (ddec + r * hd).update(from: dcat + r * width, count: hd) }
                    // d weights, and the context path into the encoder outputs.
                    let dscore = st.gradScores.reserve(b * t * s)
                    for i in 0..<b {
                        let dctx = dcat + i * t * width + hd
                        BLAS.gemm(transposeB: true, m: t, n: s, k: hs, a: dctx, lda: width,
                                  b: enc + i * s * hs, ldb: hs, c: dscore + i * t * s, ldc: s)
                        BLAS.gemm(transposeA: true, m: s, n: hs, k: t, a: weights + i * t * s, lda: s,
                                  b: dctx, ldb: width, beta: 1, c: denc + i * s * hs, ldc: hs)
                    }
                    // Softmax backward: d score = a ⊙ (d a - Σ a ⊙ d a); masked steps have a = 0.
                    for r in 0..<(b * t) {
                        let a = weights + r * s, d = dscore + r * s
                        var dot: Float = 0
                        for k in 0..<s { dot += a[k] * d[k] }
                        for k in 0..<s { d[k] = a[k] * (d[k] - dot) }
                    }
                    scoreBackward(st, dscore: dscore, wa: wa, v: v, ddec: ddec, denc: denc)
                }
            }
        }
        return (dDecoder, dEncoder)
    }

    private func scoreBackward(
        _ st: LuongAttentionState, dscore: UnsafeMutablePointer<Float>,
        wa: UnsafePointer<Float>?, v: UnsafePointer<Float>?,
        ddec: UnsafeMutablePointer<Float>, denc: UnsafeMutablePointer<Float>
    ) {
        let b = st.batch, s = st.sourceSteps, t = st.targetSteps
        let hd = decoderSize, hs = encoderSize, width = hd + hs
        let enc = st.encoder.pointer, dec = st.decoder.pointer
        switch score {
        case .dot:
            for i in 0..<b {
                BLAS.gemm(m: t, n: hd, k: s, a: dscore + i * t * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          beta: 1, c: ddec + i * t * hd, ldc: hd)
                BLAS.gemm(transposeA: true, m: s, n: hs, k: t, a: dscore + i * t * s, lda: s,
                          b: dec + i * t * hd, ldb: hd, beta: 1, c: denc + i * s * hs, ldc: hs)
            }
        case .general:
            let q = st.query.pointer
            let dq = st.gradQuery.reserve(b * t * hs)
            for i in 0..<b {
                BLAS.gemm(m: t, n: hs, k: s, a: dscore + i * t * s, lda: s, b: enc + i * s * hs, ldb: hs,
                          c: dq + i * t * hs, ldc: hs)
                BLAS.gemm(transposeA: true, m: s, n: hs, k: t, a: dscore + i * t * s, lda: s,
                          b: q + i * t * hs, ldb: hs, beta: 1, c: denc + i * s * hs, ldc: hs)
            }
            if scoreWeight!.requiresGradient {
                scoreWeight!.gradient.storage.withUnsafeMutableBufferPointer { dwa in
                    BLAS.gemm(transposeA: true, m: hs, n: hd, k: b * t, a: dq, lda: hs, b: dec, ldb: hd,
                              beta: 1, c: dwa.baseAddress!, ldc: hd)
                }
            }
            BLAS.gemm(m: b * t, n: hd, k: hs, a: dq, lda: hs, b: wa!, ldb: hd, beta: 1, c: ddec, ldc: hd)
        case .concat:
            let a = scoreWeight!.value.shape[0]
            let u = st.concatHidden.pointer
            if scoreVector!.requiresGradient {
                scoreVector!.gradient.storage.withUnsafeMutableBufferPointer { dv in
                    BLAS.gemm(transposeA: true, m: 1, n: a, k: b * t * s, a: dscore, lda: 1, b: u, ldb: a,
                              beta: 1, c: dv.baseAddress!, ldc: a)
                }
            }
            // d pre-activation of each (b, t, s) pair, overwriting u (not needed afterwards).
            for r in 0..<(b * t * s) {
                let row = u + r * a, d = dscore[r]
                for c in 0..<a { row[c] = d * v![c] * (1 - row[c] * row[c]) }
            }
            let dpt = st.gradQuery.reserve(b * t * a, zeroed: true)
            let dps = st.gradSourceProjection.reserve(b * s * a, zeroed: true)
            for i in 0..<b {
                for j in 0..<t {
                    let rowT = dpt + (i * t + j) * a
                    for k in 0..<s {
                        let du = u + ((i * t + j) * s + k) * a, rowS = dps + (i * s + k) * a
                        for c in 0..<a {
                            rowT[c] += du[c]
                            rowS[c] += du[c]
                        }
                    }
                }
            }
            if scoreWeight!.requiresGradient {
                scoreWeight!.gradient.storage.withUnsafeMutableBufferPointer { dwa in
                    BLAS.gemm(transposeA: true, m: a, n: hd, k: b * t, a: dpt, lda: a, b: dec, ldb: hd,
                              beta: 1, c: dwa.baseAddress!, ldc: width)
                    BLAS.gemm(transposeA: true, m: a, n: hs, k: b * s, a: dps, lda: a, b: enc, ldb: hs,
                              beta: 1, c: dwa.baseAddress! + hd, ldc: width)
                }
            }
            BLAS.gemm(m: b * t, n: hd, k: a, a: dpt, lda: a, b: wa!, ldb: width, beta: 1, c: ddec, ldc: hd)
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
/// Buffers grow to the largest batch seen and are reused, so repeated training steps do not
/// allocate. One state serves one forward/backward pair at a time (not thread-safe).
public final class LuongAttentionState {
    fileprivate(set) var batch = 0
    fileprivate(set) var sourceSteps = 0
    fileprivate(set) var targetSteps = 0
    fileprivate(set) var singleStep = false
    fileprivate(set) var lengths: [Int] = []
    let encoder = ScratchBuffer(), decoder = ScratchBuffer()
    let query = ScratchBuffer(), sourceProjection = ScratchBuffer(), concatHidden = ScratchBuffer()
    let weights = ScratchBuffer(), combined = ScratchBuffer(), output = ScratchBuffer()
    let gradOutput = ScratchBuffer(), gradCombined = ScratchBuffer(), gradScores = ScratchBuffer()
    let gradQuery = ScratchBuffer(), gradSourceProjection = ScratchBuffer()

    /// An empty workspace.
    public init() {}

    fileprivate func prepare(
        batch: Int, sourceSteps: Int, targetSteps: Int, singleStep: Bool, lengths: [Int],
        decoderWidth: Int, encoderWidth: Int
    ) {
        self.decoderWidth = decoderWidth
        self.encoderWidth = encoderWidth
        self.batch = batch
        self.sourceSteps = sourceSteps
        self.targetSteps = targetSteps
        self.singleStep = singleStep
        self.lengths = lengths
    }

    /// The attention weights of the last forward, `[B, T, S]` (`[B, S]` for a single step);
    /// zero at masked source steps.
    public var attentionWeights: Tensor {
        weights.tensor(singleStep ? [batch, sourceSteps] : [batch, targetSteps, sourceSteps])
    }

    /// The context vectors of the last forward, `[B, T, Hs]` (`[B, Hs]` for a single step).
    public var contexts: Tensor {
        let width = encoderWidth
        var values = [Float](repeating: 0, count: batch * targetSteps * width)
        let full = decoderWidth + width
        for r in 0..<(batch * targetSteps) {
            for c in 0..<width { values[r * width + c] = combined.pointer[r * full + decoderWidth + c] }
        }
        return Tensor(shape: singleStep ? [batch, width] : [batch, targetSteps, width], values: values)
    }

    fileprivate(set) var decoderWidth = 0
    fileprivate(set) var encoderWidth = 0
}
