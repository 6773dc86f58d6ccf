/// What a ``RecurrentLayer`` forward pass returns.
public struct RecurrentResult {
    /// `[B, T, D*H]`; zero at padded steps.
    public let output: Tensor
    /// h_n `[L*D, B, H]`.
    public let finalHidden: Tensor
    /// c_n `[L*D, B, H]` for LSTM, nil otherwise.
    public let finalCell: Tensor?
    /// Everything backward needs; pass it to ``RecurrentLayer/backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
    public let tape: RecurrentTape
}
