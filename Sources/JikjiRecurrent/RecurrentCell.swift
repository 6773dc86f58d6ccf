/// The cell a ``RecurrentLayer`` repeats over time, with PyTorch's equations and gate order.
public enum RecurrentCell: String, Sendable, CaseIterable {
    /// `torch.nn.RNN(nonlinearity="tanh")`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnTanh = "rnn"
    /// `torch.nn.RNN(nonlinearity="relu")`: `h' = relu(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnReLU = "rnn_relu"
    /// `torch.nn.LSTM`: gates i, f, g, o; `c' = f*c + i*g`, `h' = o*tanh(c')`.
    case lstm
    /// `torch.nn.GRU`: gates r, z, n; `n = tanh(W_in x + b_in + r*(W_hn h + b_hn))`,
    /// `h' = (1-z)*n + z*h`.
    case gru

    /// Gates per hidden unit: the row blocks of `weight_ih` / `weight_hh` (G in `[G*H, in]`).
    public var gateCount: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// True for LSTM, the only cell with a cell state `c`.
    public var hasCellState: Bool { self == .lstm }
}
