/// Locked (variational) dropout, AWD-LSTM's `LockedDropout` / fastai's `RNNDropout`: in training
/// one mask per sequence, the same at every time step, zeroes each feature with probability `p`
/// and scales the rest by `1/(1-p)`; in evaluation it is the identity.
///
/// Input `[B, T, F]` (batch-first); the mask is `[B, F]`, broadcast over the T steps.
public struct LockedDropout: Sendable {
    /// The probability of zeroing a feature of a sequence, in [0, 1).
    public let probability: Float

    /// Locked dropout with drop probability `probability`.
    public init(probability: Float) throws {
        guard probability >= 0 && probability < 1 else {
            throw LayerInputError("locked dropout probability \(probability) must be in [0, 1)")
        }
        self.probability = probability
    }

    /// `x` `[B, T, F]` → `(output, mask [B, F])`; in evaluation (or with `p = 0`) `x` itself and no mask.
    /// The mask's `B·F` values are drawn from `generator` row by row (0 or `1/(1-p)`).
    public func forward(_ x: Tensor, training: Bool, generator: inout SeededGenerator) -> (output: Tensor, mask: Tensor?) {
        guard training && probability > 0 else { return (x, nil) }
        precondition(x.rank == 3, "locked dropout needs [B, T, F], got \(x.shape)")
        let B = x.shape[0], F = x.shape[2]
        let keep = 1 - probability, scale = 1 / keep
        var mask = Tensor(shape: [B, F])
        for i in 0..<(B * F) { mask.storage[i] = generator.nextUnitFloat() < keep ? scale : 0 }
        return (Self.multiply(x, by: mask), mask)
    }

    /// The input gradient: the output gradient `[B, T, F]` times the mask of every step (identity without a mask).
    public func backward(outputGradient: Tensor, mask: Tensor?) -> Tensor {
        guard let mask else { return outputGradient }
        return Self.multiply(outputGradient, by: mask)
    }

    /// `x[b, t, f] · mask[b, f]`.
    static func multiply(_ x: Tensor, by mask: Tensor) -> Tensor {
        let B = x.shape[0], T = x.shape[1], F = x.shape[2]
        precondition(mask.shape == [B, F], "locked dropout: mask \(mask.shape) for input \(x.shape)")
        var y = x
        mask.storage.withUnsafeBufferPointer { m in
            y.storage.withUnsafeMutableBufferPointer { out in
                for b in 0..<B {
                    let row = m.baseAddress! + b * F
                    for t in 0..<T {
                        let v = out.baseAddress! + (b * T + t) * F
                        for f in 0..<F { v[f] *= row[f] }
                    }
                }
            }
        }
        return y
    }
}
