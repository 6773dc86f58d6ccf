import CJikjiKernels

/// `C[m, N] (+)= A[m, K] · B` for one fixed right-hand side reused at every time step.
///
/// `B(k, n) = weights[k * strideK + n * strideN]`: the forward step uses `B = W_hhᵀ`
/// (`K = H`, `N = G*H`), the backward step `B = W_hh` (`K = G*H`, `N = H`).
struct StepProduct {
    let weights: UnsafePointer<Float>
    let K: Int, N: Int
    /// True when `B = Wᵀ` of a row-major `[N, K]` matrix, false when `B = W` `[K, N]`.
    let transposed: Bool
    /// The packed panels, or nil to call BLAS.
    let packed: FloatBuffer?
    /// The weights rounded to bf16 and packed for AMX tiles (``MatrixProducts/precision`` bf16
    /// on a CPU with a bf16 kernel), packed once per pass; nil for fp32.
    let packedBF16: BF16Weights?
    let pool: BufferPool

    init(weights: UnsafePointer<Float>, K: Int, N: Int, transposed: Bool, pool: BufferPool) {
        self.weights = weights
        self.K = K
        self.N = N
        self.transposed = transposed
        self.pool = pool
        if MatrixProducts.runsBF16 {
            packedBF16 = BF16Weights(weights: weights, K: K, N: N, transposed: transposed)
            packed = nil
        } else if RecurrentKernels.packedStepProducts {
            let buffer = FloatBuffer(count: jk_packed_size(Int32(K), Int32(N)), pool: pool)
            jk_pack_b(Int32(K), Int32(N), weights, Int32(transposed ? 1 : N), Int32(transposed ? K : 1), buffer.pointer)
            packed = buffer
            packedBF16 = nil
        } else {
            packed = nil
            packedBF16 = nil
        }
    }

    /// `C[m, N] = A[m, K] · B`, or `+=` when `accumulate`.
    func run(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
             accumulate: Bool) {
        guard m > 0 else { return }
        if let packedBF16, packedBF16.run(m: m, a: a, lda: lda, c: c, ldc: ldc, accumulate: accumulate) {
            return
        }
        if let packed {
            jk_gemm_packed(Int32(m), Int32(N), Int32(K), a, Int32(lda), packed.pointer, c, Int32(ldc),
                           accumulate ? 1 : 0)
        } else {
            BLAS.gemm(transposeB: transposed, m: m, n: N, k: K, a: a, lda: lda,
                      b: weights, ldb: transposed ? K : N, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        }
    }
}
