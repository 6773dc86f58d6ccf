/// The forward kernel over a range of decoder steps.
extension LuongAttention {
    /// Forward over steps `t0..<t1` of the decoder states in `st.decoder`: scores, masked softmax
    /// (the weights), contexts and attentional hidden states into `st`'s buffers.
    func computeForward(_ st: LuongAttentionState, from t0: Int, to t1: Int) {
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
}
