import CJikjiKernels

/// A right-hand side `[K, N]` rounded to bf16 and packed for the AMX kernel once, for the many
/// products that reuse it (a recurrent layer's `W_hh` at every time step of a pass).
///
/// A class: the packed copy is freed with the last reference (StepProduct is copied into the
/// threads of a time loop).
final class BF16Weights {
    let K: Int, N: Int
    /// `jk_bf16_packed_b_size(K, N)` bf16 values, 64-byte aligned.
    private let packed: UnsafeMutablePointer<UInt16>

    /// Packs `B(k, n) = weights[n * K + k]` when `transposed` (B = Wᵀ of a row-major `[N, K]`),
    /// else `weights[k * N + n]`.
    init(weights: UnsafePointer<Float>, K: Int, N: Int, transposed: Bool) {
        self.K = K
        self.N = N
        let count = max(jk_bf16_packed_b_size(Int32(K), Int32(N)), 1)
        packed = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64).bindMemory(to: UInt16.self, capacity: count)
        jk_bf16_pack_b(Int32(K), Int32(N), weights, Int32(transposed ? K : N), transposed ? 1 : 0, packed)
    }

    deinit { packed.deallocate() }

    /// `C[m, N] (+)= A[m, K] · B` in bf16 with fp32 accumulation; false when it did not run
    /// (no bf16 kernel, or no memory for A's packed copy): C is then untouched.
    func run(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) -> Bool {
        jk_bf16_gemm_packed(0, Int32(m), Int32(N), Int32(K), a, Int32(lda), packed, c, Int32(ldc), accumulate ? 1 : 0) == 0
    }
}
