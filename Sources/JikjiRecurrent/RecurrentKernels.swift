import CJikjiKernels
import Synchronization

/// Switches for the recurrent layers' compute kernels (for benchmarks and tests).
public enum RecurrentKernels {
    /// Whether the per-step products `[B, H] x [H, G*H]` may use Jikji's AVX-512 kernels over
    /// weights packed once per pass (true by default on CPUs with AVX-512) instead of a BLAS
    /// call per step, which repacks the weights every time; for LSTM forward this selects the
    /// fused step kernel. Both give the same numbers up to float rounding. Set it before running
    /// layers, not while one runs.
    public static var packedStepProducts: Bool {
        get { packedStepProductsSwitch.load(ordering: .relaxed) }
        set { packedStepProductsSwitch.store(newValue, ordering: .relaxed) }
    }

    /// Holds ``packedStepProducts``: an atomic, so a test or benchmark setting it on one thread
    /// is no data race with a layer reading it on another.
    private static let packedStepProductsSwitch = Atomic(isPackedStepProductAvailable)

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
    public static var splitLSTMStepsByUnits: Bool {
        get { splitLSTMStepsByUnitsSwitch.load(ordering: .relaxed) }
        set { splitLSTMStepsByUnitsSwitch.store(newValue, ordering: .relaxed) }
    }

    /// Holds ``splitLSTMStepsByUnits`` (atomic, as ``packedStepProductsSwitch``).
    private static let splitLSTMStepsByUnitsSwitch = Atomic(true)
}
