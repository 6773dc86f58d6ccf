import Foundation
import JikjiData
import JikjiRecurrent
import JikjiWordPiece

/// An attention encoder-decoder (Luong et al. 2015) over one shared vocabulary.
///
/// Source ids → `src_embedding` → `encoder` (any cell, layers, optionally bidirectional) →
/// bridge to the decoder's initial state → `tgt_embedding` (+ the previous attentional hidden
/// state with input feeding) → `decoder` → Luong attention (`W_a`, `v`, `W_c`) → dropout →
/// `out` over the vocabulary. Parameter names are those of the equivalent PyTorch module.
///
/// Training runs the decoder over all target steps in one call when it can (teacher forcing
/// ratio 1 and no input feeding) and step by step otherwise.
public struct Seq2Seq: ParameterContainer {
    /// A recurrent stack of the encoder or decoder.
    public struct Stack: Codable, Equatable, Sendable {
        public var cell: RecurrentCell
        public var hiddenSize: Int
        public var layers: Int
        public var bidirectional: Bool
        /// Dropout between stacked layers.
        public var dropout: Float
        /// A stack description.
        public init(cell: RecurrentCell, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false, dropout: Float = 0) {
            self.cell = cell; self.hiddenSize = hiddenSize; self.layers = layers
            self.bidirectional = bidirectional; self.dropout = dropout
        }
        var width: Int { hiddenSize * (bidirectional ? 2 : 1) }
    }

    /// How the encoder's final states become the decoder's initial states.
    public enum Bridge: String, Codable, Sendable, CaseIterable {
        /// A learned linear map from the (concatenated) encoder state to the decoder's width
        /// (`bridge_h`, `bridge_c`); skipped (identity) when the widths already agree.
        case project
        /// Forward + backward states added (bidirectional encoders; widths must agree).
        case sum
    }

    /// The attention over the encoder's outputs: one of Luong's scores, or none.
    public enum Attention: String, Codable, Sendable, CaseIterable {
        /// `h_t · h_s` (encoder outputs as wide as the decoder state).
        case dot
        /// `h_t · W_a h_s`.
        case general
        /// `v · tanh(W_a [h_t; h_s])`.
        case concat
        /// No attention: the decoder reads only its own states.
        case none

        /// The score function, or nil for no attention.
        public var score: LuongAttention.Score? {
            switch self {
            case .dot: return .dot
            case .general: return .general
            case .concat: return .concat
            case .none: return nil
            }
        }
    }

    /// The architecture, as saved next to a checkpoint.
    public struct Configuration: Codable, Equatable, Sendable {
        public var vocabularySize: Int
        public var embeddingSize: Int
        public var encoder: Stack
        public var decoder: Stack
        public var attention: Attention
        /// Feed the previous attentional hidden state into the next decoder input.
        public var inputFeeding: Bool
        public var bridge: Bridge
        /// Dropout on the attentional hidden states before the output layer.
        public var dropout: Float
        /// Pad id: embedding row without gradient; ignored targets.
        public var paddingIndex: Int
        /// The first decoder input and the token that ends a hypothesis.
        public var startID: TokenID
        public var endID: TokenID

        /// A configuration; see the properties for the meaning of each value.
        public init(vocabularySize: Int, embeddingSize: Int, encoder: Stack, decoder: Stack, attention: Attention = .general,
                    inputFeeding: Bool = false, bridge: Bridge = .project, dropout: Float = 0, paddingIndex: Int = 0,
                    startID: TokenID, endID: TokenID) {
            self.vocabularySize = vocabularySize; self.embeddingSize = embeddingSize; self.encoder = encoder
            self.decoder = decoder; self.attention = attention; self.inputFeeding = inputFeeding; self.bridge = bridge
            self.dropout = dropout; self.paddingIndex = paddingIndex; self.startID = startID; self.endID = endID
        }
    }

    public let configuration: Configuration
    public let sourceEmbedding: Embedding
    public let targetEmbedding: Embedding
    public let encoder: RecurrentLayer
    public let decoder: RecurrentLayer
    /// Nil for `attention: none`.
    public let attention: LuongAttention?
    let bridgeHidden: Linear?
    let bridgeCell: Linear?
    public let output: VocabularyOutput
    let outputLinear: Linear
    let dropout: Dropout
    /// In training, the probability of feeding the true previous target token to the decoder
    /// (else the model's own argmax); not part of the architecture (a job's `model.teacher_forcing`).
    public var teacherForcing: Float = 1

    /// A freshly initialised model drawn from `generator`.
    public init(_ configuration: Configuration, generator: inout SeededGenerator) throws {
        let c = configuration
        let encoderCell = c.encoder.cell, decoderCell = c.decoder.cell
        guard !c.decoder.bidirectional else { throw ModelError.configuration("the decoder cannot be bidirectional") }
        self.configuration = c
        sourceEmbedding = Embedding(vocabularySize: c.vocabularySize, dimension: c.embeddingSize, paddingIndex: c.paddingIndex, generator: &generator)
        encoder = try RecurrentLayer(cell: encoderCell, inputSize: c.embeddingSize, hiddenSize: c.encoder.hiddenSize,
                                     layerCount: c.encoder.layers, bidirectional: c.encoder.bidirectional,
                                     dropout: c.encoder.dropout, generator: &generator)
        targetEmbedding = Embedding(vocabularySize: c.vocabularySize, dimension: c.embeddingSize, paddingIndex: c.paddingIndex, generator: &generator)
        let attentionWidth = c.decoder.hiddenSize
        let decoderInput = c.embeddingSize + (c.inputFeeding ? attentionWidth : 0)
        decoder = try RecurrentLayer(cell: decoderCell, inputSize: decoderInput, hiddenSize: c.decoder.hiddenSize,
                                     layerCount: c.decoder.layers, dropout: c.decoder.dropout, generator: &generator)
        let encoderStateWidth = c.encoder.width
        switch c.bridge {
        case .sum:
            guard c.encoder.hiddenSize == c.decoder.hiddenSize else {
                throw ModelError.configuration("a sum bridge needs encoder hidden \(c.encoder.hiddenSize) == decoder hidden \(c.decoder.hiddenSize)")
            }
            bridgeHidden = nil; bridgeCell = nil
        case .project:
            if encoderStateWidth == c.decoder.hiddenSize {
                bridgeHidden = nil; bridgeCell = nil
            } else {
                bridgeHidden = Linear(inputSize: encoderStateWidth, outputSize: c.decoder.hiddenSize, generator: &generator)
                bridgeCell = encoderCell.hasCellState && decoderCell.hasCellState
                    ? Linear(inputSize: encoderStateWidth, outputSize: c.decoder.hiddenSize, generator: &generator) : nil
            }
        }
        if let score = c.attention.score {
            attention = try LuongAttention(score: score, decoderSize: c.decoder.hiddenSize, encoderSize: encoderStateWidth,
                                           generator: &generator)
        } else {
            attention = nil
        }
        outputLinear = Linear(inputSize: attentionWidth, outputSize: c.vocabularySize, generator: &generator)
        output = VocabularyOutput(weight: outputLinear.weight, bias: outputLinear.bias)
        dropout = try Dropout(probability: c.dropout)
    }

    /// `src_embedding.*`, `encoder.*`, `tgt_embedding.*`, `decoder.*`, the bridge's, attention's and `out.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list = sourceEmbedding.namedParameters(prefix: "src_embedding") + encoder.namedParameters(prefix: "encoder")
            + targetEmbedding.namedParameters(prefix: "tgt_embedding") + decoder.namedParameters(prefix: "decoder")
        if let bridgeHidden { list += bridgeHidden.namedParameters(prefix: "bridge_h") }
        if let bridgeCell { list += bridgeCell.namedParameters(prefix: "bridge_c") }
        if let attention { list += attention.namedParameters }
        return list + outputLinear.namedParameters(prefix: "out")
    }
}
