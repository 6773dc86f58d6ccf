/// A trainable tensor and the gradient accumulated for it.
///
/// A class, unlike the rest of the numerical core: the layer that owns a parameter and the
/// optimizer that updates it must see the same storage. Layers accumulate into ``gradient``
/// in their backward pass; optimizers read it, update ``value`` and the caller zeroes it.
public final class Parameter {
    /// The current weights.
    public var value: Tensor
    /// The gradient of the loss with respect to ``value``; same shape.
    public var gradient: Tensor
    /// False for frozen weights (for example a frozen pretrained embedding): optimizers skip it.
    public var requiresGradient: Bool

    /// A parameter holding `value`, with a zero gradient of the same shape.
    public init(_ value: Tensor, requiresGradient: Bool = true) {
        self.value = value
        self.gradient = Tensor(shape: value.shape)
        self.requiresGradient = requiresGradient
    }

    /// Zeroes the gradient of the given rows (first dimension) only, for tables updated row-sparsely.
    public func zeroGradient(rows: [Int]) {
        let width = value.shape.count > 1 ? value.count / value.shape[0] : 1
        gradient.storage.withUnsafeMutableBufferPointer { g in
            for row in rows { (g.baseAddress! + row * width).update(repeating: 0, count: width) }
        }
    }

    /// Sets the gradient to zero, keeping its storage.
    public func zeroGradient() {
        gradient.storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }
}
