import Foundation
import JikjiData
import JikjiRecurrent
import JikjiWordPiece

/// A recurrent language model: embedding → recurrent stack → dropout → linear over the vocabulary.
///
/// Parameter names follow the equivalent PyTorch module: `embedding.weight`, `rnn.*`,
/// `fc.weight`, `fc.bias`. With tied weights the output layer uses the embedding table
/// (`fc.weight` is then not a parameter of its own; `embedding.weight` gets both gradients).
public struct LanguageModel: ParameterContainer {
    /// The architecture, as saved next to a checkpoint.
    public struct Configuration: Codable, Equatable, Sendable {
        public var vocabularySize: Int
        public var embeddingSize: Int
        public var cell: RecurrentCell
        public var hiddenSize: Int
        public var layers: Int
        /// Dropout between stacked recurrent layers.
        public var layerDropout: Float
        /// Dropout on the top layer's outputs before the output layer.
        public var dropout: Float
        /// Share the embedding table with the output weights (needs embedding == hidden size).
        public var tieWeights: Bool
        /// The `[PAD]` id: its embedding row gets no gradient and targets equal to it are ignored.
        public var paddingIndex: Int?
        /// 0: PyTorch's module initialisation (embedding `N(0, 1)`, output `U(±1/sqrt(H))`); r > 0: the
        /// embedding and an untied output weight uniform in `[-r, r]` (word_language_model uses 0.1),
        /// drawn after every other parameter; the padding row stays zero.
        public var initRange: Float
        /// nil: a full softmax over the vocabulary (`fc.weight`, `fc.bias`); otherwise an adaptive
        /// softmax over the ids in frequency order (`fc.head.*`, `fc.tail.*`, `frequency_order`).
        public var adaptiveOutput: AdaptiveOutput?
        /// The last layer's hidden size when it differs from ``hiddenSize`` (AWD-LSTM's 1150/1150/400,
        /// so that a tied embedding of 400 fits); nil: every layer has ``hiddenSize``.
        public var lastHiddenSize: Int?
        /// AWD-LSTM regularisation (nil: none; ``layerDropout`` and ``dropout`` must then be 0, its
        /// locked dropouts replace them).
        public var regularisation: Regularisation?

        /// A configuration; see the properties for the meaning of each value.
        public init(vocabularySize: Int, embeddingSize: Int, cell: RecurrentCell, hiddenSize: Int, layers: Int = 1,
                    layerDropout: Float = 0, dropout: Float = 0, tieWeights: Bool = false, paddingIndex: Int? = 0,
                    initRange: Float = 0, adaptiveOutput: AdaptiveOutput? = nil, lastHiddenSize: Int? = nil,
                    regularisation: Regularisation? = nil) {
            self.vocabularySize = vocabularySize; self.embeddingSize = embeddingSize; self.cell = cell
            self.hiddenSize = hiddenSize; self.layers = layers; self.layerDropout = layerDropout
            self.dropout = dropout; self.tieWeights = tieWeights; self.paddingIndex = paddingIndex
            self.initRange = initRange; self.adaptiveOutput = adaptiveOutput
            self.lastHiddenSize = lastHiddenSize; self.regularisation = regularisation
        }

        /// The hidden size of each layer, first to last.
        public var layerSizes: [Int] {
            (0..<layers).map { $0 == layers - 1 ? (lastHiddenSize ?? hiddenSize) : hiddenSize }
        }
        /// The last layer's hidden size: what the output layer reads.
        public var outputSize: Int { lastHiddenSize ?? hiddenSize }
        /// Whether the stack runs as one single-layer ``RecurrentLayer`` per layer (needed for a
        /// different last size and for locked dropout between layers) instead of one multi-layer one.
        public var splitsLayers: Bool { lastHiddenSize != nil || regularisation != nil }
        /// The width of ``State``'s tensors: the widest layer.
        public var stateWidth: Int { layerSizes.max() ?? hiddenSize }
    }

    /// The recurrent state carried from one window to the next (truncated BPTT) or through generation.
    public struct State {
        /// `[L, B, H]`, H the widest layer (``Configuration/stateWidth``): a narrower layer's state
        /// fills the first features of its slice, the rest are zeros.
        public var hidden: Tensor
        /// `[L, B, H]` for LSTM, laid out as ``hidden``.
        public var cell: Tensor?

        /// A state from its tensors (for example read back from a checkpoint).
        public init(hidden: Tensor, cell: Tensor?) {
            self.hidden = hidden
            self.cell = cell
        }
    }

    public let configuration: Configuration
    public let embedding: Embedding
    /// The recurrent stack: one multi-layer layer, or one single-layer layer per layer when
    /// ``Configuration/splitsLayers`` (state_dict names `rnn.weight_ih_l0`, `rnn.weight_ih_l1`, … either way).
    public let layers: [RecurrentLayer]
    /// The first element of ``layers`` (the whole stack unless it is split).
    public var encoder: RecurrentLayer { layers[0] }
    /// The full softmax output layer (nil with an adaptive output).
    public let output: VocabularyOutput?
    /// The adaptive softmax output layer (``Configuration/adaptiveOutput``), or nil.
    public let adaptiveOutput: FrequencyRankedOutput?
    let ownOutputWeight: Parameter?
    let dropout: Dropout
    /// The dropout layers of ``Configuration/regularisation``, or nil.
    let regularisation: Regularisation.Layers?

    /// A freshly initialised model drawn from `generator`. An adaptive output ranks the ids by
    /// `frequencyOrder` (ids from the most to the least frequent, see
    /// ``FrequencyRankedOutput/frequencyOrder(counts:vocabularySize:)``); nil keeps id order, for a
    /// model whose weights and `frequency_order` are then loaded from a checkpoint.
    public init(_ configuration: Configuration, frequencyOrder: [Int]? = nil, generator: inout SeededGenerator) throws {
        let cell = configuration.cell
        if configuration.tieWeights, configuration.embeddingSize != configuration.outputSize {
            throw ModelError.configuration("tied weights need embedding size \(configuration.embeddingSize) == last hidden size \(configuration.outputSize)")
        }
        if let last = configuration.lastHiddenSize, last < 1 {
            throw ModelError.configuration("last hidden size \(last) must be positive")
        }
        if configuration.regularisation != nil, configuration.layerDropout > 0 || configuration.dropout > 0 {
            throw ModelError.configuration("with AWD regularisation the layer and output dropouts are its locked hidden and output dropouts; set layerDropout and dropout to 0")
        }
        regularisation = try configuration.regularisation?.layers()
        if configuration.tieWeights, configuration.adaptiveOutput != nil {
            throw ModelError.configuration("tied weights need the full softmax: an adaptive output has no [V, H] table to share with the embedding")
        }
        self.configuration = configuration
        embedding = Embedding(vocabularySize: configuration.vocabularySize, dimension: configuration.embeddingSize,
                              paddingIndex: configuration.paddingIndex, generator: &generator)
        if configuration.splitsLayers {
            var stack: [RecurrentLayer] = [], input = configuration.embeddingSize
            for size in configuration.layerSizes {
                stack.append(try RecurrentLayer(cell: cell, inputSize: input, hiddenSize: size, generator: &generator))
                input = size
            }
            layers = stack
        } else {
            layers = [try RecurrentLayer(cell: cell, inputSize: configuration.embeddingSize, hiddenSize: configuration.hiddenSize,
                                         layerCount: configuration.layers, bidirectional: false,
                                         dropout: configuration.layerDropout, generator: &generator)]
        }
        let outputSize = configuration.outputSize
        if let adaptive = configuration.adaptiveOutput {
            let layer = try AdaptiveLogSoftmax(inputSize: outputSize, classCount: configuration.vocabularySize,
                                               cutoffs: adaptive.cutoffs, divValue: adaptive.divValue, headBias: adaptive.headBias,
                                               generator: &generator)
            adaptiveOutput = try FrequencyRankedOutput(layer: layer, order: frequencyOrder ?? Array(0..<configuration.vocabularySize))
            output = nil
            ownOutputWeight = nil
        } else {
            let linear = Linear(inputSize: outputSize, outputSize: configuration.vocabularySize, generator: &generator)
            ownOutputWeight = configuration.tieWeights ? nil : linear.weight
            output = VocabularyOutput(weight: configuration.tieWeights ? embedding.weight : linear.weight, bias: linear.bias)
            adaptiveOutput = nil
        }
        dropout = try Dropout(probability: configuration.dropout)
        let r = configuration.initRange
        if r > 0 {
            var tables = [embedding.weight]
            if let own = ownOutputWeight { tables.append(own) }  // (an adaptive output keeps PyTorch's initialisation)
            for table in tables {
                table.value.storage.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] = generator.nextFloat(in: -r, r) }
                }
            }
            if let pad = configuration.paddingIndex, pad >= 0, pad < configuration.vocabularySize {
                let D = configuration.embeddingSize
                embedding.weight.value.storage.withUnsafeMutableBufferPointer { $0[(pad * D)..<((pad + 1) * D)].update(repeating: 0) }
            }
        }
    }

    /// `embedding.weight`, `rnn.*`, `fc.weight` (untied only), `fc.bias`; with an adaptive output
    /// `fc.head.weight` (`fc.head.bias`), `fc.tail.i.{0,1}.weight` and the `frequency_order` buffer.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list = embedding.namedParameters(prefix: "embedding")
        if layers.count == 1 {
            list += encoder.namedParameters(prefix: "rnn")
        } else {
            // Layer k's single-layer names `weight_ih_l0`, … become `weight_ih_lk`, … (nn.LSTM's names).
            for (k, layer) in layers.enumerated() {
                for (name, parameter) in layer.namedParameters {
                    list.append(("rnn." + String(name.dropLast(1)) + String(k), parameter))
                }
            }
        }
        if let ownOutputWeight { list.append(("fc.weight", ownOutputWeight)) }
        if let bias = output?.bias { list.append(("fc.bias", bias)) }
        if let adaptiveOutput {
            list += adaptiveOutput.layer.namedParameters(prefix: "fc")
            list.append(("frequency_order", adaptiveOutput.frequencyOrder))
        }
        return list
    }

    /// Log-probabilities (adaptive output) or logits (full softmax) of every id for `hidden` `[N, H]`:
    /// either gives the same distribution under a softmax, so sampling reads them alike.
    public func scores(hidden: Tensor) throws -> Tensor {
        if let adaptiveOutput { return try adaptiveOutput.logProbabilities(hidden: hidden) }
        guard let output else { throw ModelError.configuration("the language model has no output layer") }
        return output.logits(hidden: hidden)
    }

    /// Mean next-token loss of one window batch; with `training`, also accumulates every gradient
    /// (backpropagating through this window only: the incoming state is treated as a constant).
    /// The same forward pass, loss and backward pass as ``TrainableModel``'s, over raw arrays.
    /// - Parameters:
    ///   - ids: `[B, T]` inputs; `targets`: `[B, T]` next tokens (`[PAD]` targets are ignored).
    ///   - lengths: valid steps per row (nil: all T).
    ///   - state: the state after the previous window of the same rows, or nil for zeros.
    /// - Returns: the mean loss, the number of counted targets and the state after this window.
    public func step(ids: [TokenID], targets: [TokenID], batch: Int, steps: Int, lengths: [Int]? = nil, state: State? = nil,
                     training: Bool, generator: inout SeededGenerator) throws -> (loss: Float, count: Int, state: State) {
        var pass = try forward(ids: ids, batch: batch, steps: steps, lengths: lengths, state: state, training: training,
                               generator: &generator)
        let loss = try loss(&pass, targets: targets)
        try backwardThroughRecurrence(pass)
        return (loss.value, loss.count, pass.state)
    }

    /// For k in `0..<count`, copies row `rows(k).from` of `source` to row `rows(k).to` of
    /// `destination` (both seen as rows of `width`): gathers with `(index[k], k)`, scatters with `(k, index[k])`.
    static func copyRows(_ count: Int, width: Int, from source: Tensor, to destination: inout Tensor,
                         _ rows: (Int) -> (from: Int, to: Int)) {
        source.storage.withUnsafeBufferPointer { s in
            destination.storage.withUnsafeMutableBufferPointer { d in
                for k in 0..<count {
                    let (from, to) = rows(k)
                    (d.baseAddress! + to * width).update(from: s.baseAddress! + from * width, count: width)
                }
            }
        }
    }

    /// How the next token is chosen during generation.
    public struct Sampling: Sendable, Equatable {
        /// 0 = greedy (argmax); otherwise logits are divided by it before the softmax.
        public var temperature: Float
        /// Keep only the k most likely tokens (0 = all).
        public var topK: Int
        /// A sampling rule.
        public init(temperature: Float = 1, topK: Int = 0) {
            self.temperature = temperature; self.topK = topK
        }
    }

    /// Continues `prompt` (ids, at least one) by up to `maxTokens` tokens, stopping after any id in
    /// `stopIDs` (which is included). Deterministic for a given `generator` state.
    public func generate(prompt: [TokenID], maxTokens: Int, sampling: Sampling, stopIDs: Set<TokenID>,
                         generator: inout SeededGenerator) throws -> [TokenID] {
        try generateScored(prompt: prompt, maxTokens: maxTokens, sampling: sampling, stopIDs: stopIDs, generator: &generator).map(\.id)
    }

    /// ``generate(prompt:maxTokens:sampling:stopIDs:generator:)`` with each produced token's
    /// log-probability under the model (the log-softmax of its step's scores, before temperature).
    public func generateScored(prompt: [TokenID], maxTokens: Int, sampling: Sampling, stopIDs: Set<TokenID>,
                               generator: inout SeededGenerator) throws -> [(id: TokenID, logProbability: Double)] {
        guard !prompt.isEmpty else { throw ModelError.input("generation needs a prompt of at least one token") }
        var state: State? = nil
        var produced: [(id: TokenID, logProbability: Double)] = []
        var next = prompt.ints  // the embedding's row indices
        for _ in 0..<maxTokens {
            let embedded = try embedding.forward(ids: next, shape: [1, next.count])
            var unused = SeededGenerator(seed: 0)
            let result = try runStack(embedded, lengths: nil, state: state, training: false, recordTape: false, generator: &unused)
            state = result.state
            let H = configuration.outputSize
            let last = Tensor(shape: [1, H], values: Array(result.output.storage[((next.count - 1) * H)..<(next.count * H)]))
            let logits = try scores(hidden: last).storage
            let token = Self.choose(from: logits, sampling: sampling, generator: &generator)
            // log p = score − log Σ exp(score), in Double (adaptive scores are already normalised: the sum is 1).
            let top = Double(logits.max() ?? 0)
            let logZ = top + log(logits.reduce(0.0) { $0 + exp(Double($1) - top) })
            produced.append((TokenID(token), Double(logits[token]) - logZ))
            if stopIDs.contains(TokenID(token)) { break }
            next = [token]
        }
        return produced
    }

    /// Picks a token from one row of logits by `sampling`: its index in the row (the token's id).
    public static func choose(from logits: [Float], sampling: Sampling, generator: inout SeededGenerator) -> Int {
        if sampling.temperature <= 0 {
            var best = 0
            for j in 1..<logits.count where logits[j] > logits[best] { best = j }
            return best
        }
        var candidates = Array(logits.indices)
        if sampling.topK > 0, sampling.topK < logits.count {
            // Ties broken by id so the choice never depends on sort stability.
            candidates.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
            candidates.removeLast(candidates.count - sampling.topK)
        }
        let maxLogit = candidates.map { logits[$0] }.max() ?? 0
        var weights = candidates.map { Double(exp((logits[$0] - maxLogit) / sampling.temperature)) }
        let total = weights.reduce(0, +)
        var u = Double(generator.nextUnitFloat()) * total
        for (k, w) in weights.enumerated() {
            u -= w
            if u < 0 { return candidates[k] }
        }
        weights.removeAll()
        return candidates.last ?? 0
    }
}
