/// A scalar loss and its gradient with respect to the loss's input (same shape as the input).
public struct LossResult: Sendable {
    /// The reduced loss (a mean, as PyTorch's default `reduction='mean'`).
    public var value: Float
    /// `d value / d input`, same shape as the input.
    public var gradient: Tensor
    /// How many elements or targets the mean divided by (non-ignored targets for cross-entropy).
    public var count: Int
}
