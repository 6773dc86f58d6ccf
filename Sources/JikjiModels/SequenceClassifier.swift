import JikjiData
import JikjiRecurrent
import JikjiWordPiece

/// A recurrent text classifier: embedding → recurrent encoder → pooling → dropout → linear.
///
/// With two classes the output is by default one logit per sequence trained with binary
/// cross-entropy (PyTorch's `BCEWithLogitsLoss`), so `fc.weight` is `[1, D*H]`; with
/// ``Objective/crossEntropy`` (or more classes) it is one logit per class trained with
/// cross-entropy, `fc.weight` `[C, D*H]` as in an `nn.Linear(D*H, C)` head.
/// Parameters carry the names of the equivalent PyTorch module (`embedding.weight`,
/// `rnn.weight_ih_l0`, …, `fc.weight`, `fc.bias`), so a checkpoint loads into it one to one.
///
/// Sequences must be padded after their valid steps (post-padding): lengths follow PyTorch's
/// packed-sequence semantics, so padded steps never touch the recurrent state.
public struct SequenceClassifier: ParameterContainer {
    /// How valid steps are pooled into one vector per sequence.
    public enum Pooling: String, Codable, Sendable, CaseIterable {
        /// The last layer's final hidden states, forward and backward concatenated.
        case final
        /// The mean of the top layer's outputs over valid steps.
        case mean
        /// The elementwise maximum of the top layer's outputs over valid steps.
        case max
        /// ULMFiT's concat pooling: `[final, max, mean]` side by side (`3 * D * H` wide), the
        /// final states of both directions, then the maximum and the mean over valid steps.
        case concat
        /// Self-attention pooling: a weighted sum of the top layer's outputs with weights
        /// `softmax_t(v · tanh(W h_t + b))` over valid steps (``AttentionPooling``; parameters
        /// `attention.weight [A, D*H]`, `attention.bias [A]`, `attention.context [A]`).
        case attention
    }

    /// The loss the output layer is trained with, which also fixes its width.
    public enum Objective: String, Codable, Sendable, CaseIterable {
        /// One logit per sequence (`fc.weight [1, D*H]`), binary cross-entropy with logits: two classes only.
        case binaryCrossEntropy = "bce"
        /// One logit per class (`fc.weight [C, D*H]`), softmax cross-entropy: `nn.Linear(D*H, C)` + `F.cross_entropy`.
        case crossEntropy = "cross_entropy"
    }

    /// The architecture, as saved next to a checkpoint.
    public struct Configuration: Codable, Equatable, Sendable {
        public var vocabularySize: Int
        public var embeddingSize: Int
        public var cell: RecurrentCell
        public var hiddenSize: Int
        public var layers: Int
        public var bidirectional: Bool
        /// Dropout between stacked recurrent layers.
        public var layerDropout: Float
        /// Dropout on the pooled vector before the output layer.
        public var dropout: Float
        public var pooling: Pooling
        /// 2 for binary classification, more for softmax over classes.
        public var classes: Int
        /// The output layer's loss: binary cross-entropy (one logit) by default for 2 classes,
        /// cross-entropy (one logit per class) otherwise.
        public var loss: Objective
        /// The `[PAD]` id, whose embedding row gets no gradient.
        public var paddingIndex: Int?
        /// Attention pooling: the width `A` of the scoring layer (nil: `D * H`). Unused by other poolings.
        public var attentionSize: Int?

        /// A configuration; see the properties for the meaning of each value.
        public init(vocabularySize: Int, embeddingSize: Int, cell: RecurrentCell, hiddenSize: Int, layers: Int = 1,
                    bidirectional: Bool = true, layerDropout: Float = 0, dropout: Float = 0,
                    pooling: Pooling = .final, classes: Int = 2, loss: Objective? = nil, paddingIndex: Int? = 0,
                    attentionSize: Int? = nil) {
            self.vocabularySize = vocabularySize; self.embeddingSize = embeddingSize; self.cell = cell
            self.hiddenSize = hiddenSize; self.layers = layers; self.bidirectional = bidirectional
            self.layerDropout = layerDropout; self.dropout = dropout; self.pooling = pooling
            self.classes = classes; self.paddingIndex = paddingIndex; self.attentionSize = attentionSize
            self.loss = loss ?? (classes == 2 ? .binaryCrossEntropy : .crossEntropy)
        }

        /// Width of the top layer's outputs and of each pooled part: `D * H`.
        public var encoderWidth: Int { hiddenSize * (bidirectional ? 2 : 1) }
        /// Width of the pooled vector, the output layer's input: `3 * D * H` with concat pooling, else `D * H`.
        public var pooledSize: Int { pooling == .concat ? 3 * encoderWidth : encoderWidth }
        /// The attention scorer's width `A` (``attentionSize``, or `D * H`).
        public var resolvedAttentionSize: Int { attentionSize ?? encoderWidth }
        /// Logits per sequence: 1 with binary cross-entropy, `classes` otherwise.
        public var outputSize: Int { loss == .binaryCrossEntropy ? 1 : classes }
    }

    public let configuration: Configuration
    /// `[V, E]`, state_dict prefix `embedding`.
    public let embedding: Embedding
    /// The encoder, state_dict prefix `rnn`.
    public let encoder: RecurrentLayer
    /// `[C, D*H]` (`[C, 3*D*H]` with concat pooling), state_dict prefix `fc`.
    public let output: Linear
    /// Attention pooling's scorer, state_dict prefix `attention` (nil for other poolings).
    public let attention: AttentionPooling?
    let dropout: Dropout

    /// A freshly initialised classifier (PyTorch's default initialisations), drawn from `generator`.
    public init(_ configuration: Configuration, generator: inout SeededGenerator) throws {
        let cell = configuration.cell
        guard configuration.classes >= 2 else {
            throw ModelError.configuration("a classifier needs at least 2 classes, got \(configuration.classes)")
        }
        guard configuration.loss == .crossEntropy || configuration.classes == 2 else {
            throw ModelError.configuration("binary cross-entropy needs 2 classes, got \(configuration.classes); use cross_entropy")
        }
        self.configuration = configuration
        embedding = Embedding(vocabularySize: configuration.vocabularySize, dimension: configuration.embeddingSize,
                              paddingIndex: configuration.paddingIndex, generator: &generator)
        encoder = try RecurrentLayer(cell: cell, inputSize: configuration.embeddingSize, hiddenSize: configuration.hiddenSize,
                                     layerCount: configuration.layers, bidirectional: configuration.bidirectional,
                                     dropout: configuration.layerDropout, generator: &generator)
        if configuration.pooling == .attention {
            guard configuration.resolvedAttentionSize >= 1 else {
                throw ModelError.configuration("attention size must be at least 1, got \(configuration.resolvedAttentionSize)")
            }
            attention = AttentionPooling(inputSize: configuration.encoderWidth, size: configuration.resolvedAttentionSize,
                                         generator: &generator)
        } else {
            attention = nil
        }
        output = Linear(inputSize: configuration.pooledSize, outputSize: configuration.outputSize, generator: &generator)
        dropout = try Dropout(probability: configuration.dropout)
    }

    /// `embedding.weight`, `rnn.*`, (attention pooling) `attention.weight`, `attention.bias`,
    /// `attention.context`, then `fc.weight`, `fc.bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        embedding.namedParameters(prefix: "embedding") + encoder.namedParameters(prefix: "rnn")
            + (attention?.namedParameters(prefix: "attention") ?? []) + output.namedParameters(prefix: "fc")
    }

    /// What ``forward(ids:batch:steps:lengths:training:generator:)`` keeps for ``backward(_:logitsGradient:)``.
    public struct Tape {
        let ids: [Int]
        let batch: Int
        let steps: Int
        let lengths: [Int]
        let recurrent: RecurrentTape
        /// The pooled vectors after dropout, `[B, D*H]` (the output layer's input).
        let pooled: Tensor
        let dropoutMask: Tensor?
        /// For max (and concat) pooling: the step that won each `(b, feature)`.
        let maxSteps: [Int32]
        /// For attention pooling: what its backward needs.
        let attention: AttentionPooling.Tape?
    }

    /// Runs the classifier over a batch.
    /// - Parameters:
    ///   - ids: `[B, T]` token ids, row-major, post-padded.
    ///   - lengths: `B` valid lengths in `1...T`.
    ///   - training: applies dropout with masks from `generator`.
    ///   - recordTape: false for inference: the encoder keeps no per-step activations, and the
    ///     returned tape cannot be used for backward.
    /// - Returns: logits `[B, 1]` (binary) or `[B, C]`, and the tape for backward.
    public func forward(ids tokenIDs: [TokenID], batch: Int, steps: Int, lengths: [Int], training: Bool,
                        generator: inout SeededGenerator, recordTape: Bool = true) throws -> (logits: Tensor, tape: Tape) {
        guard tokenIDs.count == batch * steps, lengths.count == batch else {
            throw ModelError.input("\(tokenIDs.count) ids and \(lengths.count) lengths for a batch of \(batch) x \(steps)")
        }
        let ids = tokenIDs.ints  // the embedding's row indices
        let embedded = try embedding.forward(ids: ids, shape: [batch, steps])
        let result = try encoder.forward(embedded, lengths: lengths, training: training, generator: &generator, recordTape: recordTape)
        let width = configuration.pooledSize, part = configuration.encoderWidth
        var pooled = Tensor(shape: [batch, width])
        var maxSteps: [Int32] = []
        var attentionTape: AttentionPooling.Tape? = nil
        switch configuration.pooling {
        case .final:
            poolFinal(result.finalHidden, batch: batch, into: &pooled, column: 0)
        case .mean:
            poolMean(result.output, batch: batch, steps: steps, lengths: lengths, into: &pooled, column: 0)
        case .max:
            maxSteps = poolMax(result.output, batch: batch, steps: steps, lengths: lengths, into: &pooled, column: 0)
        case .concat:
            // ULMFiT's order: last hidden state, max pool, mean pool.
            poolFinal(result.finalHidden, batch: batch, into: &pooled, column: 0)
            maxSteps = poolMax(result.output, batch: batch, steps: steps, lengths: lengths, into: &pooled, column: part)
            poolMean(result.output, batch: batch, steps: steps, lengths: lengths, into: &pooled, column: 2 * part)
        case .attention:
            guard let attention else { throw ModelError.configuration("attention pooling without its attention parameters") }
            let (vectors, tape) = attention.forward(result.output, batch: batch, steps: steps, lengths: lengths)
            pooled = vectors
            attentionTape = tape
        }
        let (dropped, mask) = dropout.forward(pooled, training: training, generator: &generator)
        let logits = output.forward(dropped)
        return (logits, Tape(ids: ids, batch: batch, steps: steps, lengths: lengths, recurrent: result.tape,
                             pooled: dropped, dropoutMask: mask, maxSteps: maxSteps, attention: attentionTape))
    }

    /// The loss of `logits` against class `labels` (`B` values in `0..<classes`): mean binary
    /// cross-entropy with logits for one logit, mean cross-entropy otherwise.
    public func loss(logits: Tensor, labels: [Int]) throws -> LossResult {
        if configuration.outputSize == 1 {
            if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw ModelError.input("label \(labels[bad]) of example \(bad) is not 0 or 1")
            }
            return try Loss.binaryCrossEntropyWithLogits(logits: logits, labels: Tensor(shape: logits.shape, values: labels.map(Float.init)))
        }
        return try Loss.crossEntropy(logits: logits, targets: labels)
    }

    /// Accumulates every parameter's gradient from `d loss / d logits`; returns the embedding
    /// rows that received gradient (for sparse updates).
    @discardableResult
    public func backward(_ tape: Tape, logitsGradient: Tensor) throws -> [Int] {
        let batch = tape.batch, steps = tape.steps
        let part = configuration.encoderWidth
        let dDropped = output.backward(input: tape.pooled, outputGradient: logitsGradient)
        let dPooled = dropout.backward(outputGradient: dDropped, mask: tape.dropoutMask)
        let D = configuration.bidirectional ? 2 : 1, L = configuration.layers
        var finalGradient: Tensor? = nil
        var outputGradient: Tensor? = nil
        switch configuration.pooling {
        case .final:
            finalGradient = Tensor(shape: [L * D, batch, configuration.hiddenSize])
            unpoolFinal(dPooled, batch: batch, column: 0, into: &finalGradient!)
        case .mean:
            outputGradient = Tensor(shape: [batch, steps, part])
            unpoolMean(dPooled, batch: batch, steps: steps, lengths: tape.lengths, column: 0, into: &outputGradient!)
        case .max:
            outputGradient = Tensor(shape: [batch, steps, part])
            unpoolMax(dPooled, batch: batch, steps: steps, winners: tape.maxSteps, column: 0, into: &outputGradient!)
        case .concat:
            finalGradient = Tensor(shape: [L * D, batch, configuration.hiddenSize])
            unpoolFinal(dPooled, batch: batch, column: 0, into: &finalGradient!)
            outputGradient = Tensor(shape: [batch, steps, part])
            unpoolMax(dPooled, batch: batch, steps: steps, winners: tape.maxSteps, column: part, into: &outputGradient!)
            unpoolMean(dPooled, batch: batch, steps: steps, lengths: tape.lengths, column: 2 * part, into: &outputGradient!)
        case .attention:
            guard let attention, let attentionTape = tape.attention else {
                throw ModelError.input("attention pooling backward needs the attention tape of its forward pass")
            }
            outputGradient = attention.backward(attentionTape, pooledGradient: dPooled)
        }
        let grads = try encoder.backward(tape.recurrent, outputGradient: outputGradient, finalHiddenGradient: finalGradient)
        return embedding.backward(ids: tape.ids, outputGradient: grads.input)
    }
}

/// A model was given a configuration or input it cannot use.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case configuration(String)
    case input(String)

    public var description: String {
        switch self {
        case let .configuration(why): return "model configuration: \(why)"
        case let .input(why): return "model input: \(why)"
        }
    }
}
