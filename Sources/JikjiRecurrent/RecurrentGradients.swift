/// Gradients returned by ``RecurrentLayer/backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
public struct RecurrentGradients {
    /// dL/d input `[B, T, E]`.
    public let input: Tensor
    /// dL/d h0 `[L*D, B, H]`.
    public let initialHidden: Tensor
    /// dL/d c0 `[L*D, B, H]` for LSTM, nil otherwise.
    public let initialCell: Tensor?
}
