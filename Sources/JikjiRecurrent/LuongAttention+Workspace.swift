/// Shared by the forward and backward kernels: sizing the workspace, row blocks, weight pointers.
extension LuongAttention {
    /// Checks the encoder outputs and source lengths, records the batch's sizes in `st` and sizes
    /// every buffer for `t` decoder steps (projecting the encoder side once for concat).
    func prepare(encoderOutputs: Tensor, sourceLengths: [Int], steps t: Int, state st: LuongAttentionState) throws {
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
    func blocks(_ st: LuongAttentionState, _ t0: Int, _ t1: Int) -> [(start: Int, count: Int)] {
        let t = st.targetSteps
        if t0 == 0 && t1 == t { return [(0, st.batch * t)] }
        return (0..<st.batch).map { ($0 * t + t0, t1 - t0) }
    }

    /// Runs `body` with pointers to `W_a` (or nil), `v` (or nil) and `W_c`.
    func withWeights(_ body: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>) -> Void) {
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
