import Foundation
import JikjiRecurrent

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
        public var startID: Int
        public var endID: Int

        /// A configuration; see the properties for the meaning of each value.
        public init(vocabularySize: Int, embeddingSize: Int, encoder: Stack, decoder: Stack, attention: Attention = .general,
                    inputFeeding: Bool = false, bridge: Bridge = .project, dropout: Float = 0, paddingIndex: Int = 0,
                    startID: Int, endID: Int) {
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

    public var namedParameters: [(name: String, parameter: Parameter)] {
        var list = sourceEmbedding.namedParameters(prefix: "src_embedding") + encoder.namedParameters(prefix: "encoder")
            + targetEmbedding.namedParameters(prefix: "tgt_embedding") + decoder.namedParameters(prefix: "decoder")
        if let bridgeHidden { list += bridgeHidden.namedParameters(prefix: "bridge_h") }
        if let bridgeCell { list += bridgeCell.namedParameters(prefix: "bridge_c") }
        if let attention { list += attention.namedParameters }
        return list + outputLinear.namedParameters(prefix: "out")
    }

    // MARK: Encoding and the bridge

    struct Encoded {
        let result: RecurrentResult
        let lengths: [Int]
        /// The bridge's inputs per decoder layer: `[B, width]` each.
        let bridgeInputHidden: [Tensor]
        let bridgeInputCell: [Tensor]?
        let initialHidden: Tensor
        let initialCell: Tensor?
    }

    func encode(source: [Int], batch: Int, steps: Int, lengths: [Int], training: Bool,
                generator: inout SeededGenerator) throws -> Encoded {
        let embedded = try sourceEmbedding.forward(ids: source, shape: [batch, steps])
        let result = try encoder.forward(embedded, lengths: lengths, training: training, generator: &generator)
        let c = configuration
        let De = c.encoder.bidirectional ? 2 : 1, He = c.encoder.hiddenSize, Hd = c.decoder.hiddenSize
        let Ld = c.decoder.layers, Le = c.encoder.layers
        func gather(_ states: Tensor) -> [Tensor] {
            // Decoder layer l starts from encoder layer min(l, Le-1); directions side by side.
            (0..<Ld).map { l in
                let layer = min(l, Le - 1)
                var t = Tensor(shape: [batch, De * He])
                for b in 0..<batch {
                    for d in 0..<De {
                        for j in 0..<He { t.storage[b * De * He + d * He + j] = states.storage[((layer * De + d) * batch + b) * He + j] }
                    }
                }
                return t
            }
        }
        let inputsH = gather(result.finalHidden)
        let inputsC = result.finalCell.map(gather)
        let decoderHasCell = decoder.cell.hasCellState
        func bridged(_ inputs: [Tensor], _ linear: Linear?) -> Tensor {
            var out = Tensor(shape: [Ld, batch, Hd])
            for (l, x) in inputs.enumerated() {
                let y: Tensor
                if let linear { y = linear.forward(x) }
                else if c.bridge == .sum && De == 2 {
                    var s = Tensor(shape: [batch, He])
                    for b in 0..<batch { for j in 0..<He { s.storage[b * He + j] = x.storage[b * 2 * He + j] + x.storage[b * 2 * He + He + j] } }
                    y = s
                } else { y = x }
                for i in 0..<(batch * Hd) { out.storage[l * batch * Hd + i] = y.storage[i] }
            }
            return out
        }
        let h0 = bridged(inputsH, bridgeHidden)
        var c0: Tensor? = nil
        if decoderHasCell {
            c0 = inputsC.map { bridged($0, bridgeCell) } ?? Tensor(shape: [Ld, batch, Hd])
        }
        return Encoded(result: result, lengths: lengths, bridgeInputHidden: inputsH, bridgeInputCell: inputsC,
                       initialHidden: h0, initialCell: c0)
    }

    /// Backpropagates the decoder's initial-state gradients `[Ld, B, Hd]` through the bridge and the encoder.
    func backwardEncoder(_ encoded: Encoded, batch: Int, source: [Int], outputGradient: Tensor?,
                         initialHiddenGradient: Tensor, initialCellGradient: Tensor?) throws {
        let c = configuration
        let De = c.encoder.bidirectional ? 2 : 1, He = c.encoder.hiddenSize, Hd = c.decoder.hiddenSize
        let Ld = c.decoder.layers, Le = c.encoder.layers
        func unbridge(_ gradient: Tensor, _ inputs: [Tensor], _ linear: Linear?) -> Tensor {
            var states = Tensor(shape: [Le * De, batch, He])
            for l in 0..<Ld {
                let dy = Tensor(shape: [batch, Hd], values: Array(gradient.storage[(l * batch * Hd)..<((l + 1) * batch * Hd)]))
                var dx: Tensor
                if let linear { dx = linear.backward(input: inputs[l], outputGradient: dy) }
                else if c.bridge == .sum && De == 2 {
                    dx = Tensor(shape: [batch, 2 * He])
                    for b in 0..<batch { for j in 0..<He {
                        dx.storage[b * 2 * He + j] = dy.storage[b * He + j]
                        dx.storage[b * 2 * He + He + j] = dy.storage[b * He + j]
                    } }
                } else { dx = dy }
                let layer = min(l, Le - 1)
                for b in 0..<batch { for d in 0..<De { for j in 0..<He {
                    states.storage[((layer * De + d) * batch + b) * He + j] += dx.storage[b * De * He + d * He + j]
                } } }
            }
            return states
        }
        let dh = unbridge(initialHiddenGradient, encoded.bridgeInputHidden, bridgeHidden)
        var dc: Tensor? = nil
        if let inputsC = encoded.bridgeInputCell {
            dc = initialCellGradient.map { unbridge($0, inputsC, bridgeCell) } ?? Tensor(shape: [Le * De, batch, He])
        }
        let grads = try encoder.backward(encoded.result.tape, outputGradient: outputGradient, finalHiddenGradient: dh,
                                         finalCellGradient: dc)
        sourceEmbedding.backward(ids: source, outputGradient: grads.input)
    }

    // MARK: Training

    /// One batch of pairs: mean cross-entropy of the decoder outputs; with `training`, every
    /// gradient accumulated.
    /// - Parameters:
    ///   - source: `[B, S]` post-padded ids with `sourceLengths`.
    ///   - decoderInput: `[B, T]` (`start + target`), `decoderOutput`: `[B, T]` (`target + end`, pad elsewhere).
    ///   - teacherForcing: probability of feeding the true previous token (else the model's argmax).
    public func step(source: [Int], sourceLengths: [Int], decoderInput: [Int], decoderOutput: [Int32], batch: Int,
                     sourceSteps: Int, targetSteps: Int, teacherForcing: Float = 1, training: Bool,
                     generator: inout SeededGenerator) throws -> (loss: Float, count: Int) {
        guard source.count == batch * sourceSteps, decoderInput.count == batch * targetSteps,
              decoderOutput.count == batch * targetSteps, sourceLengths.count == batch else {
            throw ModelError.input("seq2seq batch shapes do not agree (B \(batch), S \(sourceSteps), T \(targetSteps))")
        }
        let encoded = try encode(source: source, batch: batch, steps: sourceSteps, lengths: sourceLengths,
                                 training: training, generator: &generator)
        let stepwise = configuration.inputFeeding || (training && teacherForcing < 1)
        if !stepwise {
            return try parallelStep(encoded: encoded, source: source, decoderInput: decoderInput, decoderOutput: decoderOutput,
                                    batch: batch, targetSteps: targetSteps, training: training, generator: &generator)
        }
        return try stepwiseStep(encoded: encoded, source: source, decoderInput: decoderInput, decoderOutput: decoderOutput,
                                batch: batch, targetSteps: targetSteps, teacherForcing: training ? teacherForcing : 1,
                                training: training, generator: &generator)
    }

    /// The output layer's mean cross-entropy over the decoder rows `[N, Hd]` whose target is not
    /// the pad id, with those rows gathered first: padded decoder steps (about an eighth of the
    /// chatbot job's rows under bucketing) then cost no `[rows, V]` products or softmax. Loss and
    /// gradients are those of the full call; the hidden gradient comes back `[N, Hd]`, zero at padding.
    private func outputCrossEntropy(hidden: Tensor, targets: [Int32], training: Bool)
        throws -> (loss: Float, count: Int, hiddenGradient: Tensor?)
    {
        let pad = Int32(configuration.paddingIndex)
        let n = targets.count, width = n > 0 ? hidden.count / n : 0
        var kept: [Int] = []
        kept.reserveCapacity(n)
        for (row, target) in targets.enumerated() where target != pad { kept.append(row) }
        guard width > 0, hidden.count == n * width, !kept.isEmpty, kept.count < n else {
            // Nothing to drop (or shapes the output layer reports): one call over every row.
            return try output.crossEntropy(hidden: hidden, targets: targets, ignoreIndex: pad, accumulateGradients: training)
        }
        var compact = Tensor(shape: [kept.count, width])
        hidden.storage.withUnsafeBufferPointer { h in
            compact.storage.withUnsafeMutableBufferPointer { c in
                for (r, row) in kept.enumerated() { (c.baseAddress! + r * width).update(from: h.baseAddress! + row * width, count: width) }
            }
        }
        let (loss, count, compactGradient) = try output.crossEntropy(
            hidden: compact, targets: kept.map { targets[$0] }, ignoreIndex: pad, accumulateGradients: training)
        guard let compactGradient else { return (loss, count, nil) }
        var gradient = Tensor(shape: [n, width])
        compactGradient.storage.withUnsafeBufferPointer { g in
            gradient.storage.withUnsafeMutableBufferPointer { d in
                for (r, row) in kept.enumerated() { (d.baseAddress! + row * width).update(from: g.baseAddress! + r * width, count: width) }
            }
        }
        return (loss, count, gradient)
    }

    private func parallelStep(encoded: Encoded, source: [Int], decoderInput: [Int], decoderOutput: [Int32], batch: Int,
                              targetSteps T: Int, training: Bool, generator: inout SeededGenerator) throws -> (loss: Float, count: Int) {
        let Hd = configuration.decoder.hiddenSize
        let embedded = try targetEmbedding.forward(ids: decoderInput, shape: [batch, T])
        // The decoder runs each row only up to its last real target, as a packed sequence: later
        // steps feed no loss, so their states would only be computed to be thrown away.
        let pad = Int32(configuration.paddingIndex)
        let targetLengths = (0..<batch).map { b in
            var length = T
            while length > 1 && decoderOutput[b * T + length - 1] == pad { length -= 1 }
            return length
        }
        let decoded = try decoder.forward(embedded, lengths: targetLengths, initialHidden: encoded.initialHidden,
                                          initialCell: encoded.initialCell, training: training, generator: &generator)
        let attentionState = LuongAttentionState()
        let attentional = try attention.map {
            try $0.forward(encoderOutputs: encoded.result.output, sourceLengths: encoded.lengths,
                           decoderStates: decoded.output, state: attentionState)
        } ?? decoded.output
        let (dropped, mask) = dropout.forward(attentional, training: training, generator: &generator)
        let (loss, count, dHidden) = try outputCrossEntropy(hidden: dropped, targets: decoderOutput, training: training)
        guard training, let dHidden, count > 0 else { return (loss, count) }
        let dAttentional = dropout.backward(outputGradient: dHidden.reshaped([batch, T, Hd]), mask: mask)
        var dDecoderStates = dAttentional
        var dEncoderOutputs: Tensor? = nil
        if let attention {
            let g = attention.backward(attentionalGradient: dAttentional, state: attentionState)
            dDecoderStates = g.decoderStates
            dEncoderOutputs = g.encoderOutputs
        }
        let dDecoder = try decoder.backward(decoded.tape, outputGradient: dDecoderStates)
        targetEmbedding.backward(ids: decoderInput, outputGradient: dDecoder.input)
        try backwardEncoder(encoded, batch: batch, source: source, outputGradient: dEncoderOutputs,
                            initialHiddenGradient: dDecoder.initialHidden, initialCellGradient: dDecoder.initialCell)
        return (loss, count)
    }

    /// The decoder one step at a time (input feeding, or teacher forcing below 1). Attention runs
    /// through one workspace sized for all `T` steps up front (``LuongAttention/beginSteps(encoderOutputs:sourceLengths:steps:state:)``),
    /// which also sums the encoder-output gradient over the steps; the per-step input and
    /// gradient rows are reused buffers.
    private func stepwiseStep(encoded: Encoded, source: [Int], decoderInput: [Int], decoderOutput: [Int32], batch: Int,
                              targetSteps T: Int, teacherForcing: Float, training: Bool,
                              generator: inout SeededGenerator) throws -> (loss: Float, count: Int) {
        let E = configuration.embeddingSize, Hd = configuration.decoder.hiddenSize
        let feeding = configuration.inputFeeding
        let inputWidth = E + (feeding ? Hd : 0)
        let attentionState = LuongAttentionState()
        if let attention {
            try attention.beginSteps(encoderOutputs: encoded.result.output, sourceLengths: encoded.lengths, steps: T,
                                     state: attentionState)
        }
        var hidden = encoded.initialHidden, cell = encoded.initialCell
        var feed = Tensor(shape: [batch, Hd])
        var tapes: [RecurrentTape] = [], stepIDs: [[Int]] = []
        tapes.reserveCapacity(T); stepIDs.reserveCapacity(T)
        var attentionalAll = Tensor(shape: [batch, T, Hd])
        var previous = (0..<batch).map { decoderInput[$0 * T] }
        // One decoder input row per step, refilled in place (the layer copies what it keeps).
        var x = Tensor(shape: [batch, 1, inputWidth])
        for t in 0..<T {
            let ids = t == 0 ? previous : (0..<batch).map { b in
                generator.nextUnitFloat() < teacherForcing ? decoderInput[b * T + t] : previous[b]
            }
            stepIDs.append(ids)
            let embedded = try targetEmbedding.forward(ids: ids, shape: [batch, 1])
            for b in 0..<batch {
                for j in 0..<E { x.storage[b * inputWidth + j] = embedded.storage[b * E + j] }
                if feeding { for j in 0..<Hd { x.storage[b * inputWidth + E + j] = feed.storage[b * Hd + j] } }
            }
            let result = try decoder.forward(x, initialHidden: hidden, initialCell: cell, training: training, generator: &generator)
            hidden = result.finalHidden; cell = result.finalCell
            tapes.append(result.tape)
            let h = result.output.reshaped([batch, Hd])
            let attentional = try attention.map { try $0.forwardStep(t, decoderState: h, state: attentionState) } ?? h
            feed = attentional
            for b in 0..<batch { for j in 0..<Hd { attentionalAll.storage[(b * T + t) * Hd + j] = attentional.storage[b * Hd + j] } }
            if teacherForcing < 1 {
                let logits = output.logits(hidden: attentional)
                let V = configuration.vocabularySize
                previous = (0..<batch).map { b in
                    var best = 0
                    for j in 1..<V where logits.storage[b * V + j] > logits.storage[b * V + best] { best = j }
                    return best
                }
            }
        }
        let (dropped, mask) = dropout.forward(attentionalAll, training: training, generator: &generator)
        let (loss, count, dHidden) = try outputCrossEntropy(hidden: dropped, targets: decoderOutput, training: training)
        guard training, let dHiddenAll = dHidden, count > 0 else { return (loss, count) }
        let dAll = dropout.backward(outputGradient: dHiddenAll.reshaped([batch, T, Hd]), mask: mask)
        var dFeed = Tensor(shape: [batch, Hd])
        var dh: Tensor? = nil, dc: Tensor? = nil
        var dAttentional = Tensor(shape: [batch, Hd])
        var dEmbedded = Tensor(shape: [batch, 1, E])
        var dState = Tensor(shape: [batch, 1, Hd])
        for t in stride(from: T - 1, through: 0, by: -1) {
            for b in 0..<batch { for j in 0..<Hd {
                dAttentional.storage[b * Hd + j] = dAll.storage[(b * T + t) * Hd + j] + dFeed.storage[b * Hd + j]
            } }
            if let attention {
                try dAttentional.storage.withUnsafeBufferPointer { g in
                    try dState.storage.withUnsafeMutableBufferPointer { d in
                        try attention.backwardStep(t, attentionalGradient: g.baseAddress!, decoderGradient: d.baseAddress!,
                                                   state: attentionState)
                    }
                }
            } else {
                dState.storage = dAttentional.storage
            }
            let grads = try decoder.backward(tapes[t], outputGradient: dState, finalHiddenGradient: dh, finalCellGradient: dc)
            dh = grads.initialHidden; dc = grads.initialCell
            for b in 0..<batch {
                for j in 0..<E { dEmbedded.storage[b * E + j] = grads.input.storage[b * inputWidth + j] }
                if feeding { for j in 0..<Hd { dFeed.storage[b * Hd + j] = grads.input.storage[b * inputWidth + E + j] } }
            }
            targetEmbedding.backward(ids: stepIDs[t], outputGradient: dEmbedded)
        }
        try backwardEncoder(encoded, batch: batch, source: source,
                            outputGradient: attention == nil ? nil : attentionState.encoderGradient,
                            initialHiddenGradient: dh!, initialCellGradient: dc)
        return (loss, count)
    }

    // MARK: Decoding

    /// Beam search settings.
    public struct SearchOptions: Sendable, Equatable {
        /// 1 = greedy.
        public var beamSize: Int
        /// GNMT length penalty α: scores are `log p / ((5 + length) / 6)^α` (0 = raw log-probability).
        public var lengthPenalty: Double
        /// Longest output, end token included.
        public var maxLength: Int
        /// How many finished hypotheses to return, best first.
        public var nBest: Int
        /// Search settings.
        public init(beamSize: Int = 1, lengthPenalty: Double = 0, maxLength: Int = 50, nBest: Int = 1) {
            self.beamSize = beamSize; self.lengthPenalty = lengthPenalty; self.maxLength = maxLength; self.nBest = nBest
        }
    }

    /// One decoded output.
    public struct Hypothesis: Sendable, Equatable {
        /// Output ids without the start token, ending with the end token when it was produced.
        public var tokens: [Int]
        /// Sum of the tokens' log-probabilities.
        public var logProbability: Double
        /// The length-penalised score used for ranking.
        public var score: Double
    }

    /// Decodes one source sequence (ids, unpadded) by beam search; each source is searched on its
    /// own, so results never depend on how many sources a caller translates together.
    public func translate(_ sourceIDs: [Int], options: SearchOptions) throws -> [Hypothesis] {
        guard !sourceIDs.isEmpty else { throw ModelError.input("cannot translate an empty source") }
        var unused = SeededGenerator(seed: 0)
        let encoded = try encode(source: sourceIDs, batch: 1, steps: sourceIDs.count, lengths: [sourceIDs.count],
                                 training: false, generator: &unused)
        let c = configuration, E = c.embeddingSize, Hd = c.decoder.hiddenSize, V = c.vocabularySize
        let Ld = c.decoder.layers, S = sourceIDs.count, encoderWidth = c.encoder.width
        let K = max(1, options.beamSize)
        struct Beam { var tokens: [Int]; var logp: Double; var hidden: [Float]; var cell: [Float]?; var feed: [Float] }
        var beams = [Beam(tokens: [], logp: 0, hidden: encoded.initialHidden.storage, cell: encoded.initialCell?.storage,
                          feed: [Float](repeating: 0, count: Hd))]
        var finished: [Hypothesis] = []
        func penalised(_ logp: Double, _ length: Int) -> Double {
            options.lengthPenalty == 0 ? logp : logp / pow((5 + Double(length)) / 6, options.lengthPenalty)
        }
        let inputWidth = E + (c.inputFeeding ? Hd : 0)
        for _ in 0..<options.maxLength where !beams.isEmpty {
            let n = beams.count
            // One decoder step for every live hypothesis, as a batch of n.
            let ids = beams.map { $0.tokens.last ?? c.startID }
            let embedded = try targetEmbedding.forward(ids: ids, shape: [n, 1])
            var x = Tensor(shape: [n, 1, inputWidth])
            var h0 = Tensor(shape: [Ld, n, Hd]), c0: Tensor? = decoder.cell.hasCellState ? Tensor(shape: [Ld, n, Hd]) : nil
            for (i, beam) in beams.enumerated() {
                for j in 0..<E { x.storage[i * inputWidth + j] = embedded.storage[i * E + j] }
                if c.inputFeeding { for j in 0..<Hd { x.storage[i * inputWidth + E + j] = beam.feed[j] } }
                for l in 0..<Ld {
                    for j in 0..<Hd {
                        h0.storage[(l * n + i) * Hd + j] = beam.hidden[l * Hd + j]
                        if let cell = beam.cell { c0!.storage[(l * n + i) * Hd + j] = cell[l * Hd + j] }
                    }
                }
            }
            let result = try decoder.forward(x, initialHidden: h0, initialCell: c0)
            let h = result.output.reshaped([n, Hd])
            var attentional = h
            if let attention {
                var memory = Tensor(shape: [n, S, encoderWidth])
                for i in 0..<n { for k in 0..<(S * encoderWidth) { memory.storage[i * S * encoderWidth + k] = encoded.result.output.storage[k] } }
                attentional = try attention.forward(encoderOutputs: memory, sourceLengths: [Int](repeating: S, count: n),
                                                    decoderStates: h, state: LuongAttentionState())
            }
            let logits = output.logits(hidden: attentional)
            var candidates: [(beam: Int, token: Int, logp: Double)] = []
            for i in 0..<n {
                let row = Array(logits.storage[(i * V)..<((i + 1) * V)])
                let maxLogit = row.max() ?? 0
                var sum = 0.0
                for v in row { sum += exp(Double(v - maxLogit)) }
                let logZ = Double(maxLogit) + log(sum)
                // The K best tokens of this hypothesis (ties by id, for determinism).
                var top: [(Int, Double)] = []
                for (token, v) in row.enumerated() {
                    let lp = Double(v) - logZ
                    if top.count < K || lp > top[top.count - 1].1 || (lp == top[top.count - 1].1 && token < top[top.count - 1].0) {
                        top.append((token, lp))
                        top.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                        if top.count > K { top.removeLast() }
                    }
                }
                for (token, lp) in top { candidates.append((i, token, beams[i].logp + lp)) }
            }
            candidates.sort { $0.logp != $1.logp ? $0.logp > $1.logp : ($0.beam, $0.token) < ($1.beam, $1.token) }
            var next: [Beam] = []
            for candidate in candidates {
                let parent = beams[candidate.beam]
                let tokens = parent.tokens + [candidate.token]
                if candidate.token == c.endID || tokens.count == options.maxLength {
                    finished.append(Hypothesis(tokens: tokens, logProbability: candidate.logp, score: penalised(candidate.logp, tokens.count)))
                } else if next.count < K {
                    var hidden = [Float](repeating: 0, count: Ld * Hd)
                    var cell: [Float]? = result.finalCell == nil ? nil : [Float](repeating: 0, count: Ld * Hd)
                    for l in 0..<Ld {
                        for j in 0..<Hd {
                            hidden[l * Hd + j] = result.finalHidden.storage[(l * n + candidate.beam) * Hd + j]
                            if let fc = result.finalCell { cell![l * Hd + j] = fc.storage[(l * n + candidate.beam) * Hd + j] }
                        }
                    }
                    let feed = Array(attentional.storage[(candidate.beam * Hd)..<((candidate.beam + 1) * Hd)])
                    next.append(Beam(tokens: tokens, logp: candidate.logp, hidden: hidden, cell: cell, feed: feed))
                }
                if next.count >= K && finished.count >= max(K, options.nBest) { break }
            }
            beams = next
            // Stop once no live hypothesis can beat the n-th best finished one (scores only fall without a penalty).
            if finished.count >= options.nBest, options.lengthPenalty == 0,
               let bestLive = beams.map(\.logp).max() {
                let nth = finished.map(\.score).sorted(by: >)[options.nBest - 1]
                if bestLive < nth { break }
            }
        }
        if finished.isEmpty {
            finished = beams.map { Hypothesis(tokens: $0.tokens, logProbability: $0.logp, score: penalised($0.logp, $0.tokens.count)) }
        }
        finished.sort { $0.score != $1.score ? $0.score > $1.score : $0.tokens.lexicographicallyPrecedes($1.tokens) }
        return Array(finished.prefix(max(1, options.nBest)))
    }
}

extension Seq2Seq {
    /// Decodes several sources; each is searched alone (see ``translate(_:options:)``).
    public func translate(batch sources: [[Int]], options: SearchOptions) throws -> [[Hypothesis]] {
        try sources.map { try translate($0, options: options) }
    }
}
