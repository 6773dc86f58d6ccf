/// How an optimizer step treats the gradients it reads (``Optimizer/step(sparseRows:gradients:)``).
///
/// A training step clips the gradients (scales them by one coefficient), updates the
/// parameters and zeroes the gradients: three passes over memory that the update alone can
/// do in one, since it reads every gradient element anyway. The results are those of the
/// three passes: `scale · g` is the product clipping would have stored.
public struct GradientUse: Equatable, Sendable {
    /// Multiplies every gradient element as it is read (1: as is).
    public var scale: Float
    /// Zeroes the gradient elements after reading them.
    public var zeroAfterUse: Bool
    /// Gradients read as they are and left in place.
    public static let asIs = GradientUse(scale: 1, zeroAfterUse: false)
    /// A gradient treatment; see the properties.
    public init(scale: Float = 1, zeroAfterUse: Bool = false) {
        self.scale = scale
        self.zeroAfterUse = zeroAfterUse
    }
}
