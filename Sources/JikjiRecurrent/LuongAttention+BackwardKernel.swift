/// The backward kernel over a range of decoder steps.
extension LuongAttention {
    /// Backward over steps `t0..<t1`. `gradient` holds `d h̃` of those steps: row `(i, j)` at
    /// `i * gradientStride + (j - t0) * Ho`. Writes `d h_t` into `gradDecoder`, adds into
    /// `gradEncoder` and the parameter gradients.
    func computeBackward(
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

    /// The score function's share of backward: from `d score` (`dscore`) into `d h_t`, `d h_s`
    /// and the gradients of `W_a` and `v`.
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
}
