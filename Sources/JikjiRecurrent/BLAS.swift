import CBLAS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The matrix-product backend: OpenBLAS's sgemm/sgemv (Debian's `libopenblas-dev`), opened at
/// the first use after choosing its kernel for this CPU (``BLASLibrary``, ``BLASKernelChoice``).
///
/// Every matrix product of Jikji goes through this one type, so the backend can be
/// measured and swapped in one place. Matrices are row-major.
public enum BLAS {
    /// The backend's version, thread count and kernel with why it was chosen, logged when a job
    /// starts: "OpenBLAS 0.3.21 (2 threads, SkylakeX kernel chosen for this CPU (AVX-512); …)".
    public static var backendDescription: String {
        guard case .success(let library) = opened else { return "OpenBLAS (not loaded)" }
        let idle = idleSpinLog2.map { ", idle workers spin 2^\($0) cycles" } ?? ""
        let version = library.version.map { " " + $0 } ?? ""
        return "OpenBLAS\(version) (\(jikji_blas_thread_count()) threads, \(library.kernelDescription)\(idle))"
    }

    /// The opened library, with the kernel it runs and how that was chosen; the first call
    /// chooses the kernel and opens OpenBLAS (call it before starting threads of your own: it
    /// sets `OPENBLAS_CORETYPE` for the moment the library loads). Throws when OpenBLAS cannot
    /// be opened; the products below then end the process with that message instead.
    public static func load() throws(BLASLoadError) -> BLASLibrary {
        try opened.get()
    }

    /// The outcome of opening OpenBLAS, decided once per process (a `static let` runs its
    /// initializer exactly once, whichever thread gets there first).
    @usableFromInline
    static let opened: Result<BLASLibrary, BLASLoadError> = Result { () throws(BLASLoadError) in
        let choice = BLASKernelChoice.choose(environment: ProcessInfo.processInfo.environment, cpu: .current)
        return try BLASLibrary.open(choice: choice)
    }

    /// Whether OpenBLAS is open, checked by every product: without it there is no way to multiply,
    /// so the process ends with the reason and status 127, as the dynamic loader ends a process
    /// whose linked library is missing.
    @usableFromInline
    static let isOpen: Bool = {
        if case .failure(let error) = opened {
            let program = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "jikji"
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(127)
        }
        return true
    }()

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
            guard isOpen, jikji_blas_parallel_mode() == 1 else { return false }
            typealias Entry = @convention(c) () -> Int32
            typealias VoidEntry = @convention(c) () -> Void
            guard let readEnvironment = jikji_blas_symbol("openblas_read_env"),
                  let shutdown = jikji_blas_symbol("blas_thread_shutdown_"),
                  let start = jikji_blas_symbol("blas_thread_init") else { return false }
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
    public static var threadCount: Int {
        guard isOpen else { return 1 }
        return Int(jikji_blas_thread_count())
    }

    /// Sets the number of threads OpenBLAS may use for one product.
    public static func setThreads(_ count: Int) {
        guard isOpen else { return }
        jikji_blas_set_thread_count(Int32(count))
    }

    /// `y = alpha * A * x + beta * y` for a row-major `A` `[m, n]` (row stride `lda`), `x` `[n]`,
    /// `y` `[m]`: one pass over `A`, where a product with a single row would first repack `A`.
    @inlinable
    public static func gemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard isOpen else { return }
        jikji_sgemv(Int32(m), Int32(n), alpha, a, Int32(lda), x, beta, y)
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
        // bf16 when asked for (``MatrixProducts/precision``) for the products C = A·B and C += A·B.
        if MatrixProducts.runsBF16, alpha == 1, beta == 0 || beta == 1,
           MatrixProducts.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda,
                               b: b, ldb: ldb, accumulate: beta == 1, c: c, ldc: ldc) {
            return
        }
        guard isOpen else { return }
        jikji_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
