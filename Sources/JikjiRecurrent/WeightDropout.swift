/// Weight dropout (DropConnect; AWD-LSTM's `WeightDrop`, fastai's `WeightDropout`) on a recurrent
/// layer's hidden-to-hidden matrices: in training each element of `W_hh` is zeroed with probability
/// `p` and the rest scaled by `1/(1-p)`, one mask per forward pass shared by every time step;
/// gradients reach the raw weights through the same mask. In evaluation the raw weights are used.
///
/// The parameter keeps the raw weights under its own name (`weight_hh_l0`, what a plain
/// `nn.LSTM` loads): the dropped matrix exists only while the layer runs forward and backward
/// (``DroppedWeight/run(_:)``), so a checkpoint, an optimizer step or an evaluation never sees it.
public struct WeightDropout: Sendable {
    /// The probability of zeroing a weight, in [0, 1).
    public let probability: Float

    /// Weight dropout with drop probability `probability`.
    public init(probability: Float) throws {
        guard probability >= 0 && probability < 1 else {
            throw LayerInputError("weight dropout probability \(probability) must be in [0, 1)")
        }
        self.probability = probability
    }

    /// A mask drawn from `generator` (element order) for `parameter`, and the dropped weights;
    /// nil in evaluation or with `p = 0`.
    public func drop(_ parameter: Parameter, training: Bool, generator: inout SeededGenerator) -> DroppedWeight? {
        guard training && probability > 0 else { return nil }
        let keep = 1 - probability, scale = 1 / keep
        let raw = parameter.value
        var mask = Tensor(shape: raw.shape), dropped = raw
        for i in 0..<raw.count {
            let m: Float = generator.nextUnitFloat() < keep ? scale : 0
            mask.storage[i] = m
            dropped.storage[i] *= m
        }
        return DroppedWeight(parameter: parameter, dropped: dropped, mask: mask)
    }
}

/// One forward pass's dropped copy of a weight and its mask.
public struct DroppedWeight {
    /// The parameter whose raw value is dropped.
    public let parameter: Parameter
    /// `raw · mask`.
    public let dropped: Tensor
    /// 0 or `1/(1-p)` per element.
    public let mask: Tensor

    /// Runs `body` with the parameter's value set to the dropped weights and its gradient to zeros,
    /// then puts the raw value back and adds `mask ·` (the gradient `body` accumulated) to the
    /// gradient it had before: d loss / d raw = mask · d loss / d dropped. Restores the raw weights
    /// when `body` throws too.
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        let raw = parameter.value, before = parameter.gradient
        parameter.value = dropped
        parameter.gradient = Tensor(shape: raw.shape)
        defer {
            var combined = before
            let accumulated = parameter.gradient
            for i in 0..<combined.count { combined.storage[i] += accumulated.storage[i] * mask.storage[i] }
            parameter.value = raw
            parameter.gradient = combined
        }
        return try body()
    }

    /// Runs `body` with every weight of `weights` dropped (see ``run(_:)``).
    public static func run<R>(_ weights: [DroppedWeight], _ body: () throws -> R) rethrows -> R {
        guard let first = weights.first else { return try body() }
        return try first.run { try run(Array(weights.dropFirst()), body) }
    }
}
