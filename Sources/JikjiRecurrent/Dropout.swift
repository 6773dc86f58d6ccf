/// Inverted dropout, like `torch.nn.Dropout`: in training each element is zeroed with
/// probability `p` and the rest scaled by `1/(1-p)`; in evaluation it is the identity.
///
/// The mask comes from a ``SeededGenerator`` so runs are reproducible; it is kept (as the
/// scale per element, 0 or `1/(1-p)`) for the backward pass.
public struct Dropout: Sendable {
    /// The probability of zeroing an element, in [0, 1).
    public let probability: Float

    /// Dropout with drop probability `probability` (PyTorch's `p`).
    public init(probability: Float) throws {
        guard probability >= 0 && probability < 1 else {
            throw LayerInputError("dropout probability \(probability) must be in [0, 1)")
        }
        self.probability = probability
    }

    /// Fills `mask` (`count` elements) with 0 or `1/(1-p)` and multiplies `x` by it into `y`
    /// (`x` and `y` may alias).
    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        count: Int, generator: inout SeededGenerator
    ) {
        let keep = 1 - probability, scale = 1 / keep
        for i in 0..<count { mask[i] = generator.nextUnitFloat() < keep ? scale : 0 }
        for i in 0..<count { y[i] = x[i] * mask[i] }
    }

    /// `x` `[N...]` → `(output [N...], mask [N...])`; in evaluation (or with `p = 0`) the output is
    /// `x` itself and the mask nil.
    public func forward(_ x: Tensor, training: Bool, generator: inout SeededGenerator) -> (output: Tensor, mask: Tensor?) {
        guard training && probability > 0 else { return (x, nil) }
        var y = x
        var mask = Tensor(shape: x.shape)
        x.storage.withUnsafeBufferPointer { px in
            y.storage.withUnsafeMutableBufferPointer { py in
                mask.storage.withUnsafeMutableBufferPointer { pm in
                    forward(px.baseAddress!, py.baseAddress!, mask: pm.baseAddress!, count: px.count, generator: &generator)
                }
            }
        }
        return (y, mask)
    }

    /// The input gradient: the output gradient times the mask (identity when the mask is nil).
    public func backward(outputGradient: Tensor, mask: Tensor?) -> Tensor {
        guard let mask else { return outputGradient }
        precondition(mask.shape == outputGradient.shape, "dropout backward: mask \(mask.shape) vs gradient \(outputGradient.shape)")
        var dx = outputGradient
        mask.storage.withUnsafeBufferPointer { m in
            dx.storage.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= m[i] }
            }
        }
        return dx
    }
}
