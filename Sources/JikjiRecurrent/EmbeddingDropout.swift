/// Embedding dropout (Gal & Ghahramani; AWD-LSTM's `embedded_dropout`, fastai's `EmbeddingDropout`):
/// in training whole rows of the embedding table (words) are dropped with probability `p` for the
/// whole batch and the other rows scaled by `1/(1-p)`; every occurrence of a dropped word in the
/// batch then reads zeros. In evaluation it is the identity.
///
/// Applied to the looked-up vectors (`[N..., D]` from the batch's ids) rather than to a copy of the
/// table: the same values and gradients as looking up in the masked table, without copying `[V, D]`.
public struct EmbeddingDropout: Sendable {
    /// The probability of dropping a word (a row of the table), in [0, 1).
    public let probability: Float

    /// Embedding dropout with drop probability `probability`.
    public init(probability: Float) throws {
        guard probability >= 0 && probability < 1 else {
            throw LayerInputError("embedding dropout probability \(probability) must be in [0, 1)")
        }
        self.probability = probability
    }

    /// One scale per row of a `vocabularySize`-row table (0 or `1/(1-p)`), drawn from `generator` in
    /// row order; nil in evaluation or with `p = 0`.
    public func rowMask(vocabularySize: Int, training: Bool, generator: inout SeededGenerator) -> [Float]? {
        guard training && probability > 0 else { return nil }
        let keep = 1 - probability, scale = 1 / keep
        return (0..<vocabularySize).map { _ in generator.nextUnitFloat() < keep ? scale : 0 }
    }

    /// Scales each looked-up vector `vectors[k, :]` (rows of width `x.count / ids.count`) by the
    /// mask of its id: the forward pass, and (with the same ids and mask) the backward pass.
    public static func apply(_ rowMask: [Float]?, ids: [Int], to x: Tensor) -> Tensor {
        guard let rowMask, !ids.isEmpty else { return x }
        let width = x.count / ids.count
        var y = x
        y.storage.withUnsafeMutableBufferPointer { v in
            for (k, id) in ids.enumerated() {
                let scale = id >= 0 && id < rowMask.count ? rowMask[id] : 1
                if scale == 1 { continue }
                let row = v.baseAddress! + k * width
                for j in 0..<width { row[j] *= scale }
            }
        }
        return y
    }
}
