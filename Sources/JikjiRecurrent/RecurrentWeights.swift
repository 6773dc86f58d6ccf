/// The four parameters of one layer and direction, PyTorch layouts:
/// `weightIH` `[G*H, in]`, `weightHH` `[G*H, H]`, `biasIH` and `biasHH` `[G*H]`.
public struct RecurrentWeights {
    /// `weight_ih_l{k}[_reverse]`, `[G*H, in]`: input-to-gates, gate blocks in PyTorch order.
    public let weightIH: Parameter
    /// `weight_hh_l{k}[_reverse]`, `[G*H, H]`: hidden-to-gates.
    public let weightHH: Parameter
    /// `bias_ih_l{k}[_reverse]`, `[G*H]`.
    public let biasIH: Parameter
    /// `bias_hh_l{k}[_reverse]`, `[G*H]` (for GRU the n block is scaled by r with `W_hn h`).
    public let biasHH: Parameter
}
