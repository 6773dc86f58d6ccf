import JikjiRecurrent

/// AWD-LSTM's regularisation (Merity et al. 2017; fastai's `AWD_LSTM` and `RNNRegularizer`) for a
/// recurrent language model: every probability is a drop probability in [0, 1), every weight ≥ 0,
/// and 0 switches the piece off. Training passes only: evaluation and generation never drop.
public struct Regularisation: Codable, Equatable, Sendable {
    /// DropConnect on every layer's `W_hh` (`weight_p`; AWD-LSTM's `wdrop`): one mask per pass.
    public var weightDropout: Float
    /// Whole words (rows of the embedding table) dropped per batch (`embed_p`; `dropoute`).
    public var embeddingDropout: Float
    /// Locked dropout on the embedding output (`input_p`; `dropouti`).
    public var inputDropout: Float
    /// Locked dropout on the output of every layer but the last (`hidden_p`; `dropouth`).
    public var hiddenDropout: Float
    /// Locked dropout on the last layer's output, before the output layer (`output_p`; `dropout`).
    public var outputDropout: Float
    /// AR: `α · mean(h²)` of the last layer's dropped output, added to the training objective.
    public var activation: Float
    /// TAR: `β · mean((h_t − h_{t−1})²)` of the last layer's undropped output, added to the objective.
    public var temporalActivation: Float

    /// A regularisation; every piece off unless given.
    public init(weightDropout: Float = 0, embeddingDropout: Float = 0, inputDropout: Float = 0, hiddenDropout: Float = 0,
                outputDropout: Float = 0, activation: Float = 0, temporalActivation: Float = 0) {
        self.weightDropout = weightDropout; self.embeddingDropout = embeddingDropout; self.inputDropout = inputDropout
        self.hiddenDropout = hiddenDropout; self.outputDropout = outputDropout
        self.activation = activation; self.temporalActivation = temporalActivation
    }

    /// The layers that apply it (each throws on a probability outside [0, 1)).
    struct Layers {
        let weight: WeightDropout
        let embedding: EmbeddingDropout
        let input: LockedDropout
        let hidden: LockedDropout
        let output: LockedDropout
    }

    /// The dropout layers of these probabilities, or a configuration error naming the bad one.
    func layers() throws -> Layers {
        guard activation >= 0, temporalActivation >= 0, activation.isFinite, temporalActivation.isFinite else {
            throw ModelError.configuration("AR \(activation) and TAR \(temporalActivation) must be finite and >= 0")
        }
        do {
            return Layers(weight: try WeightDropout(probability: weightDropout),
                          embedding: try EmbeddingDropout(probability: embeddingDropout),
                          input: try LockedDropout(probability: inputDropout),
                          hidden: try LockedDropout(probability: hiddenDropout),
                          output: try LockedDropout(probability: outputDropout))
        } catch {
            throw ModelError.configuration("regularisation: \(error)")
        }
    }
}
