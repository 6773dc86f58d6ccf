import CJikjiKernels

/// Switches for the recurrent layers' compute kernels (for benchmarks and tests).
public enum RecurrentKernels {
    /// Whether the per-step products `[B, H] x [H, G*H]` may use Jikji's AVX-512 kernels over
    /// weights packed once per pass (true by default on CPUs with AVX-512) instead of a BLAS
    /// call per step, which repacks the weights every time; for LSTM forward this selects the
    /// fused step kernel. Both give the same numbers up to float rounding. Set it before running
    /// layers, not while one runs.
    nonisolated(unsafe) public static var packedStepProducts = isPackedStepProductAvailable

    /// Whether this CPU can run the packed kernel (x86-64 with AVX-512F).
    public static let isPackedStepProductAvailable = jk_packed_gemm_available() != 0

    /// Whether this CPU can run the fused LSTM step (x86-64 with AVX-512F). LSTM layers use it
    /// for their forward pass whenever ``packedStepProducts`` is on: one kernel per step computes
    /// `x W_ihᵀ + h W_hhᵀ`, the gates and the cell update without writing the gates to memory.
    public static let isFusedLSTMStepAvailable = jk_lstm_step_available() != 0

    /// How a fused LSTM time loop uses two or more threads when one direction has them all
    /// (unidirectional layers, or directions run one after the other): true (default) splits
    /// the hidden units, each thread computing its units of every step for all sequences and
    /// the threads meeting at a spin barrier after each step (each packs and streams only its
    /// share of the weights); false splits the sequences, each thread running every step for
    /// its own rows without synchronisation (it streams all weights). Same numbers either way.
    nonisolated(unsafe) public static var splitLSTMStepsByUnits = true
}

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
    let pool: BufferPool

    init(weights: UnsafePointer<Float>, K: Int, N: Int, transposed: Bool, pool: BufferPool) {
        self.weights = weights
        self.K = K
        self.N = N
        self.transposed = transposed
        self.pool = pool
        if RecurrentKernels.packedStepProducts {
            let buffer = FloatBuffer(count: jk_packed_size(Int32(K), Int32(N)), pool: pool)
            jk_pack_b(Int32(K), Int32(N), weights, Int32(transposed ? 1 : N), Int32(transposed ? K : 1), buffer.pointer)
            packed = buffer
        } else {
            packed = nil
        }
    }

    /// `C[m, N] = A[m, K] · B`, or `+=` when `accumulate`.
    func run(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
             accumulate: Bool) {
        guard m > 0 else { return }
        if let packed {
            jk_gemm_packed(Int32(m), Int32(N), Int32(K), a, Int32(lda), packed.pointer, c, Int32(ldc),
                           accumulate ? 1 : 0)
        } else {
            BLAS.gemm(transposeB: transposed, m: m, n: N, k: K, a: a, lda: lda,
                      b: weights, ldb: transposed ? K : N, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        }
    }
}

/// An LSTM direction's weights packed for ``CJikjiKernels/jk_lstm_step``, which computes a
/// whole time step (input and recurrent products, gates, cell update) in registers.
///
/// `W_ih` `[4H, E]` and `W_hh` `[4H, H]` are packed once per pass into panels of 16 hidden
/// units `[ceil(H/16)][E+H][64]` (see `jk_lstm_pack`), 64-byte aligned so every weight load is
/// one cache line.
struct FusedLSTMWeights {
    let inputSize: Int, hiddenSize: Int
    /// Owns the packed panels (with room to align them).
    private let storage: FloatBuffer
    /// The aligned start of the panels inside `storage`.
    let packed: UnsafeMutablePointer<Float>
    /// `[4H]`: b_ih + b_hh.
    let bias: FloatBuffer

    /// Panels of 16 hidden units: the unit of work the kernel can split between threads.
    var panelCount: Int { (hiddenSize + 15) / 16 }

    /// Room for the panels (not yet packed: see ``pack(weightIH:weightHH:panels:)``) and the summed bias.
    init(biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>, inputSize: Int, hiddenSize: Int,
         pool: BufferPool) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let count = jk_lstm_packed_size(Int32(inputSize), Int32(hiddenSize))
        storage = FloatBuffer(count: count + 16, pool: pool)
        let address = UInt(bitPattern: storage.pointer)
        packed = storage.pointer + Int(((address + 63) & ~63) - address) / MemoryLayout<Float>.stride
        bias = FloatBuffer(count: 4 * hiddenSize, pool: pool)
        for j in 0..<(4 * hiddenSize) { bias.pointer[j] = biasIH[j] + biasHH[j] }
    }

    /// Packs the given panels of `W_ih` `[4H, E]` and `W_hh` `[4H, H]` (threads that split the
    /// hidden units pack only their own).
    func pack(weightIH: UnsafePointer<Float>, weightHH: UnsafePointer<Float>, panels: Range<Int>) {
        jk_lstm_pack_panels(Int32(inputSize), Int32(hiddenSize), weightIH, weightHH, packed,
                            Int32(panels.lowerBound), Int32(panels.upperBound))
    }

    /// Whether layers use the fused LSTM step (AVX-512 CPUs, unless ``RecurrentKernels/packedStepProducts`` is off).
    static var isEnabled: Bool {
        RecurrentKernels.packedStepProducts && RecurrentKernels.isFusedLSTMStepAvailable
    }
}
