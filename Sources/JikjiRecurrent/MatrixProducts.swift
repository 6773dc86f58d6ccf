import CBLAS
import CJikjiKernels
import Synchronization

/// The process-wide precision switch of the matrix products (``BLAS/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// and the recurrent layers' per-step products), and the bf16 kernel this CPU offers.
///
/// What bf16 covers: the recurrent layers' input projections, per-step hidden products and
/// their backward products, ``Linear``, the vocabulary output layer, Luong attention's products
/// and every other product that goes through `BLAS.gemm`. Matrix-vector products (`BLAS.gemv`,
/// single-row decoding) stay fp32. A switch for the whole process rather than per layer: the
/// products run on Dispatch worker threads, which see neither task-locals nor a caller's
/// arguments, and a model is trained in one precision. `Trainer` sets it for a run and restores
/// it afterwards; set it yourself only between passes, never while a layer runs.
public enum MatrixProducts {
    /// The precision asked for (fp32 by default).
    public static var precision: MatrixPrecision {
        get { requestedBF16.load(ordering: .relaxed) ? .bf16 : .fp32 }
        set { requestedBF16.store(newValue == .bf16, ordering: .relaxed) }
    }

    /// The precision the products run in: bf16 only when asked for and this CPU has a bf16 kernel.
    public static var effectivePrecision: MatrixPrecision {
        runsBF16 ? .bf16 : .fp32
    }

    /// The bf16 kernels this machine can run.
    public enum Kernel: Sendable, Equatable {
        /// AMX-BF16 tile products (with AVX512-BF16 for the conversions), the tile state granted by Linux.
        case amxTiles
        /// None: bf16 is asked for in vain and the products run fp32.
        case none
    }

    /// This CPU's bf16 kernel, detected once (the first call asks Linux for the AMX tile state).
    public static let kernel: Kernel = jk_bf16_kernel() == JK_BF16_AMX ? .amxTiles : .none

    /// What the products run on, for logs: "bf16 products: AMX tiles (fp32 accumulation)",
    /// "this CPU has no AMX/AVX512-BF16: running fp32", or "fp32 products" when fp32 was asked for.
    public static var description: String {
        guard precision == .bf16 else { return "fp32 products" }
        switch kernel {
        case .amxTiles: return "bf16 products: AMX tiles (fp32 accumulation, fp32 master weights)"
        case .none: return "this CPU has no AMX/AVX512-BF16: running fp32"
        }
    }

    /// Whether products run in bf16 now (asked for, and a kernel exists): read by every product.
    @usableFromInline
    static var runsBF16: Bool {
        requestedBF16.load(ordering: .relaxed) && kernel != .none
    }

    /// Holds ``precision`` (atomic: a switch set on one thread, read by workers on others).
    private static let requestedBF16 = Atomic(false)

    /// `C = op(A) op(B)` (`accumulate`: `C +=`) in bf16 on this thread and, when BLAS may use
    /// more than one and there are enough rows, on that many threads splitting C's rows.
    /// Returns false when no bf16 kernel ran (the caller then runs fp32).
    @usableFromInline
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        guard m <= Int(Int32.max), n <= Int(Int32.max), k <= Int(Int32.max),
              lda <= Int(Int32.max), ldb <= Int(Int32.max), ldc <= Int(Int32.max) else { return false }
        let threads = m >= 128 ? min(BLAS.threadCount, m / 64) : 1
        guard threads > 1 else {
            return jk_bf16_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda),
                                b, Int32(ldb), c, Int32(ldc), accumulate ? 1 : 0) == 0
        }
        // B packed once, the rows of C split in multiples of 32 (the kernel's block).
        let packedCount = jk_bf16_packed_b_size(Int32(k), Int32(n))
        let packed = UnsafeMutableRawPointer.allocate(byteCount: max(packedCount, 1) * 2, alignment: 64)
            .bindMemory(to: UInt16.self, capacity: max(packedCount, 1))
        defer { packed.deallocate() }
        jk_bf16_pack_b(Int32(k), Int32(n), b, Int32(ldb), transposeB ? 1 : 0, packed)
        let chunk = ((m + threads - 1) / threads + 31) / 32 * 32
        ParallelLoop.run(iterations: threads) { part in
            let r0 = min(part * chunk, m), r1 = min(r0 + chunk, m)
            guard r1 > r0 else { return }
            let rowsA = transposeA ? a + r0 : a + r0 * lda
            let status = jk_bf16_gemm_packed(transposeA ? 1 : 0, Int32(r1 - r0), Int32(n), Int32(k), rowsA, Int32(lda),
                                             packed, c + r0 * ldc, Int32(ldc), accumulate ? 1 : 0)
            // No memory for the packed rows (nothing of C written yet): these rows in fp32.
            if status != 0 {
                jikji_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(r1 - r0), Int32(n), Int32(k), 1, rowsA, Int32(lda),
                            b, Int32(ldb), accumulate ? 1 : 0, c + r0 * ldc, Int32(ldc))
            }
        }
        return true
    }
}
