/// What the tape keeps of one direction of one layer over all steps.
struct DirectionTape: Sendable {
    /// Activated gates `[N, G*H]` (for RNN: h itself); pre-activations when not recorded.
    let gates: FloatBuffer
    /// h_prev of every step `[N, H]` (nil when not recorded, as the other per-step buffers).
    let hPrev: FloatBuffer?
    /// The state after the last step, sorted `[B, H]`.
    let hState: FloatBuffer
    let cState: FloatBuffer?
    /// LSTM: c_prev and c of every step `[N, H]`.
    let cPrev: FloatBuffer?
    let cNew: FloatBuffer?
    /// GRU: W_hn h_prev + b_hn of every step `[N, H]`.
    let hn: FloatBuffer?
}
