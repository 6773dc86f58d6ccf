import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The matrix-product backend: OpenBLAS's sgemm/sgemv (Debian's `libopenblas-dev`).
///
/// Every matrix product of Jikji goes through this one type, so the backend can be
/// measured and swapped in one place. Matrices are row-major.
public enum BLAS {
    /// The backend's name and thread count, logged when a job starts.
    public static var backendDescription: String {
        let idle = idleSpinLog2.map { ", idle workers spin 2^\($0) cycles" } ?? ""
        return "OpenBLAS (\(openblas_get_num_threads()) threads, \(String(cString: openblas_get_corename())) kernel\(idle))"
    }

    /// How long (log2 of TSC cycles) OpenBLAS's idle worker threads spin before they sleep, as
    /// set by ``shortenIdleSpin(log2Cycles:)`` or the `OPENBLAS_THREAD_TIMEOUT` environment
    /// variable; nil when OpenBLAS's default (2^28 cycles, about a tenth of a second) holds.
    public static var idleSpinLog2: Int? { idleSpin.withLock { $0.log2Cycles } }

    private static var environmentIdleSpin: Int? {
        getenv("OPENBLAS_THREAD_TIMEOUT").flatMap { Int(String(cString: $0)) }.map { min(max($0, 4), 30) }
    }

    /// What ``shortenIdleSpin(log2Cycles:)`` set, under a lock: callers on any thread see one
    /// consistent setting, and the pool restarts at most once.
    private static let idleSpin = Mutex(IdleSpinState(log2Cycles: environmentIdleSpin))

    /// The idle spin in effect and whether this process restarted OpenBLAS's pool to set it.
    private struct IdleSpinState {
        /// ``idleSpinLog2``.
        var log2Cycles: Int?
        /// Whether ``shortenIdleSpin(log2Cycles:)`` already restarted the pool (the variable it
        /// set is then no user setting).
        var poolRestarted = false
    }

    /// The idle spin ``shortenIdleSpin(log2Cycles:)`` sets by default: 2^16 cycles, some 20 µs.
    public static let defaultIdleSpinLog2 = 16

    /// Makes OpenBLAS's worker threads go to sleep after spinning `2^log2Cycles` cycles without
    /// work, instead of OpenBLAS's default 2^28 (about 0.1 s); does nothing when the user set
    /// `OPENBLAS_THREAD_TIMEOUT` (which OpenBLAS reads when it loads), when OpenBLAS was not
    /// built with its own pthreads pool, or when the library lacks the entry points used here.
    /// Returns whether the setting is in effect.
    ///
    /// Why: a worker waiting for work spins calling `sched_yield`. Training interleaves
    /// threaded products with Jikji's own threaded loops (the recurrent time loop, the softmax,
    /// Adam); with as many threads as cores, a spinning worker takes time slices from those
    /// loops' threads, and a spin barrier waits for the thread it delayed. On the 2-core
    /// machine of BENCHMARKS.md the workers spent about a sixth of the seq2seq job's CPU time in
    /// `sched_yield`. A short spin still bridges the gaps between back-to-back products.
    ///
    /// How: OpenBLAS reads the variable once (`openblas_read_env`) and applies it when it starts
    /// its thread pool (`blas_thread_init`), which it does at load time; this sets the variable,
    /// re-reads the environment and restarts the pool (`blas_thread_shutdown_`, the call
    /// OpenBLAS itself makes around `fork`). Call it before any concurrent BLAS use.
    @discardableResult
    public static func shortenIdleSpin(log2Cycles: Int = defaultIdleSpinLog2) -> Bool {
        #if canImport(Glibc)
        return idleSpin.withLock { state in
            if state.poolRestarted { return state.log2Cycles == min(max(log2Cycles, 4), 30) }
            if let userSetting = environmentIdleSpin {
                state.log2Cycles = userSetting
                return false
            }
            // Only OpenBLAS's own thread pool spins this way (1: pthreads; 0: no threads, 2: OpenMP,
            // whose runtime has its own wait policy).
            guard openblas_get_parallel() == 1 else { return false }
            typealias Entry = @convention(c) () -> Int32
            typealias VoidEntry = @convention(c) () -> Void
            guard let library = dlopen(nil, RTLD_NOW),
                  let readEnvironment = dlsym(library, "openblas_read_env"),
                  let shutdown = dlsym(library, "blas_thread_shutdown_"),
                  let start = dlsym(library, "blas_thread_init") else { return false }
            let value = min(max(log2Cycles, 4), 30)
            setenv("OPENBLAS_THREAD_TIMEOUT", String(value), 1)
            unsafeBitCast(readEnvironment, to: VoidEntry.self)()
            _ = unsafeBitCast(shutdown, to: Entry.self)()
            _ = unsafeBitCast(start, to: Entry.self)()
            state.log2Cycles = value
            state.poolRestarted = true
            return true
        }
        #else
        return false
        #endif
    }

    /// The number of threads OpenBLAS may use for one product.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS may use for one product.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// `y = alpha * A * x + beta * y` for a row-major `A` `[m, n]` (row stride `lda`), `x` `[n]`,
    /// `y` `[m]`: one pass over `A`, where a product with a single row would first repack `A`.
    @inlinable
    public static func gemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
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
