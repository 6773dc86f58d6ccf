import CBLAS

/// The matrix-product backend: OpenBLAS's sgemm/sgemv (Debian's `libopenblas-dev`).
///
/// Every matrix product of Jikji goes through this one type, so the backend can be
/// measured and swapped in one place. Matrices are row-major.
public enum BLAS {
    /// The backend's name and thread count, logged when a job starts.
    public static var backendDescription: String {
        "OpenBLAS (\(openblas_get_num_threads()) threads, \(String(cString: openblas_get_corename())) kernel)"
    }

    /// The number of threads OpenBLAS may use for one product.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS may use for one product.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// `C = alpha * op(A) * op(B) + beta * C`, row-major, where `op(A)` is `[m, k]`,
    /// `op(B)` is `[k, n]` and `C` is `[m, n]`; `lda`, `ldb`, `ldc` are row strides.
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc)
        )
    }
}
