extension LuongAttention {
    /// How a decoder state is scored against each encoder output.
    public enum Score: String, Sendable, CaseIterable {
        /// `h_sᵀ h_t`; decoder and encoder sizes must be equal.
        case dot
        /// `h_sᵀ (W_a h_t)`, `W_a` `[Hs, Hd]`.
        case general
        /// `vᵀ tanh(W_a [h_t; h_s])`, `W_a` `[A, Hd + Hs]`, `v` `[1, A]`.
        case concat
    }
}
