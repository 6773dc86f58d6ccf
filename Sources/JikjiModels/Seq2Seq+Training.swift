import JikjiData
import JikjiRecurrent
import JikjiWordPiece

extension Seq2Seq: TrainableModel {
    /// How the decoder ran: over all target steps at once, or one step at a time.
    enum Decoding {
        /// Teacher forcing 1, no input feeding: one packed call over every target step.
        case parallel(decoded: RecurrentResult)
        /// Input feeding or teacher forcing below 1: one tape and the fed ids per step.
        case stepwise(tapes: [RecurrentTape], stepIDs: [[Int]], inputWidth: Int)
    }

    /// The attentional decoder states of a batch of pairs and what backward needs.
    public struct ForwardPass {
        let encoded: Encoded
        let source: [Int]
        let decoderInput: [Int]
        let batch: Int
        let targetSteps: Int
        let training: Bool
        let decoding: Decoding
        let attentionState: LuongAttentionState
        /// The attentional states after dropout, `[B, T, Hd]` (the output layer's input).
        let dropped: Tensor
        let dropoutMask: Tensor?
        /// d loss / d dropped, once the loss of a training pass counted a target.
        var hiddenGradient: Tensor?
    }

    /// Encodes the batch's sources and decodes its decoder inputs (with ``teacherForcing`` below
    /// 1 in training, each step feeds the true previous token with that probability, else the
    /// model's own argmax).
    public func forward(_ batch: Batch, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass {
        guard let input = batch.decoderInput, let output = batch.decoderOutput else {
            throw ModelError.input("a pair batch has no decoder input/output")
        }
        return try forward(source: batch.source.ids, sourceLengths: batch.source.stepLengths,
                           decoderInput: input.ids, decoderOutput: output, batch: batch.size,
                           sourceSteps: batch.source.columns, targetSteps: input.columns, teacherForcing: teacherForcing,
                           training: training, generator: &generator)
    }

    /// Mean cross-entropy of the decoder outputs (padding ignored).
    public func loss(_ pass: inout ForwardPass, batch: Batch) throws -> BatchLoss {
        guard let output = batch.decoderOutput else { throw ModelError.input("a pair batch has no decoder output") }
        return try loss(&pass, decoderOutput: output)
    }

    /// Backpropagates through the decoder, attention, bridge and encoder; returns the source
    /// embedding rows the batch used and, with teacher forcing 1, the target embedding's.
    @discardableResult
    public func backward(_ pass: ForwardPass) throws -> [[Int]] {
        try backwardPass(pass)
        let c = configuration
        var rows = [distinctRows(pass.source, excluding: c.paddingIndex, limit: c.vocabularySize)]
        if teacherForcing >= 1 { rows.append(distinctRows(pass.decoderInput, excluding: c.paddingIndex, limit: c.vocabularySize)) }
        return rows
    }

    /// The source embedding, and the target one when every fed token comes from the batch
    /// (with teacher forcing below 1 the decoder also reads its own predictions).
    public var embeddingTables: [(name: String, parameter: Parameter)] {
        [("src_embedding.weight", sourceEmbedding.weight)]
            + (teacherForcing >= 1 ? [("tgt_embedding.weight", targetEmbedding.weight)] : [])
    }

    // MARK: The pass over raw arrays

    /// One batch of pairs: mean cross-entropy of the decoder outputs; with `training`, every
    /// gradient accumulated. The same forward pass, loss and backward pass as ``TrainableModel``'s,
    /// over raw arrays.
    /// - Parameters:
    ///   - source: `[B, S]` post-padded ids with `sourceLengths`.
    ///   - decoderInput: `[B, T]` (`start + target`), `decoderOutput`: `[B, T]` (`target + end`, pad elsewhere).
    ///   - teacherForcing: probability of feeding the true previous token (else the model's argmax).
    public func step(source: [TokenID], sourceLengths: [Int], decoderInput: [TokenID], decoderOutput: [TokenID], batch: Int,
                     sourceSteps: Int, targetSteps: Int, teacherForcing: Float = 1, training: Bool,
                     generator: inout SeededGenerator) throws -> (loss: Float, count: Int) {
        var pass = try forward(source: source, sourceLengths: sourceLengths, decoderInput: decoderInput,
                               decoderOutput: decoderOutput, batch: batch, sourceSteps: sourceSteps, targetSteps: targetSteps,
                               teacherForcing: teacherForcing, training: training, generator: &generator)
        let loss = try loss(&pass, decoderOutput: decoderOutput)
        try backwardPass(pass)
        return (loss.value, loss.count)
    }

    func forward(source sourceIDs: [TokenID], sourceLengths: [Int], decoderInput inputIDs: [TokenID], decoderOutput: [TokenID],
                 batch: Int, sourceSteps: Int, targetSteps: Int, teacherForcing: Float, training: Bool,
                 generator: inout SeededGenerator) throws -> ForwardPass {
        guard sourceIDs.count == batch * sourceSteps, inputIDs.count == batch * targetSteps,
              decoderOutput.count == batch * targetSteps, sourceLengths.count == batch else {
            throw ModelError.input("seq2seq batch shapes do not agree (B \(batch), S \(sourceSteps), T \(targetSteps))")
        }
        // The embeddings' row indices.
        let source = sourceIDs.ints, decoderInput = inputIDs.ints
        let encoded = try encode(source: source, batch: batch, steps: sourceSteps, lengths: sourceLengths,
                                 training: training, generator: &generator)
        let stepwise = configuration.inputFeeding || (training && teacherForcing < 1)
        if !stepwise {
            return try parallelForward(encoded: encoded, source: source, decoderInput: decoderInput, decoderOutput: decoderOutput,
                                       batch: batch, targetSteps: targetSteps, training: training, generator: &generator)
        }
        return try stepwiseForward(encoded: encoded, source: source, decoderInput: decoderInput, batch: batch,
                                   targetSteps: targetSteps, teacherForcing: training ? teacherForcing : 1,
                                   training: training, generator: &generator)
    }

    func loss(_ pass: inout ForwardPass, decoderOutput: [TokenID]) throws -> BatchLoss {
        let (loss, count, dHidden) = try outputCrossEntropy(hidden: pass.dropped, targets: decoderOutput, training: pass.training)
        if pass.training, count > 0 { pass.hiddenGradient = dHidden }
        return BatchLoss(value: loss, count: count)
    }

    /// The output layer's mean cross-entropy over the decoder rows `[N, Hd]` whose target is not
    /// the pad id, with those rows gathered first: padded decoder steps (about an eighth of the
    /// chatbot job's rows under bucketing) then cost no `[rows, V]` products or softmax. Loss and
    /// gradients are those of the full call; the hidden gradient comes back `[N, Hd]`, zero at padding.
    func outputCrossEntropy(hidden: Tensor, targets: [TokenID], training: Bool)
        throws -> (loss: Float, count: Int, hiddenGradient: Tensor?)
    {
        let pad = TokenID(configuration.paddingIndex)
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

    private func parallelForward(encoded: Encoded, source: [Int], decoderInput: [Int], decoderOutput: [TokenID], batch: Int,
                                 targetSteps T: Int, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass {
        let embedded = try targetEmbedding.forward(ids: decoderInput, shape: [batch, T])
        // The decoder runs each row only up to its last real target, as a packed sequence: later
        // steps feed no loss, so their states would only be computed to be thrown away.
        let pad = TokenID(configuration.paddingIndex)
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
        return ForwardPass(encoded: encoded, source: source, decoderInput: decoderInput, batch: batch, targetSteps: T,
                           training: training, decoding: .parallel(decoded: decoded), attentionState: attentionState,
                           dropped: dropped, dropoutMask: mask, hiddenGradient: nil)
    }

    /// The decoder one step at a time (input feeding, or teacher forcing below 1). Attention runs
    /// through one workspace sized for all `T` steps up front (``LuongAttention/beginSteps(encoderOutputs:sourceLengths:steps:state:)``),
    /// which also sums the encoder-output gradient over the steps; the per-step input and
    /// gradient rows are reused buffers.
    private func stepwiseForward(encoded: Encoded, source: [Int], decoderInput: [Int], batch: Int,
                                 targetSteps T: Int, teacherForcing: Float, training: Bool,
                                 generator: inout SeededGenerator) throws -> ForwardPass {
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
        return ForwardPass(encoded: encoded, source: source, decoderInput: decoderInput, batch: batch, targetSteps: T,
                           training: training, decoding: .stepwise(tapes: tapes, stepIDs: stepIDs, inputWidth: inputWidth),
                           attentionState: attentionState, dropped: dropped, dropoutMask: mask, hiddenGradient: nil)
    }

    /// Everything below the output layer, backward from the loss's hidden gradient (nothing when
    /// the pass counted no target or was not a training pass).
    func backwardPass(_ pass: ForwardPass) throws {
        guard let dHidden = pass.hiddenGradient else { return }
        switch pass.decoding {
        case let .parallel(decoded):
            try parallelBackward(pass, decoded: decoded, hiddenGradient: dHidden)
        case let .stepwise(tapes, stepIDs, inputWidth):
            try stepwiseBackward(pass, tapes: tapes, stepIDs: stepIDs, inputWidth: inputWidth, hiddenGradient: dHidden)
        }
    }

    private func parallelBackward(_ pass: ForwardPass, decoded: RecurrentResult, hiddenGradient dHidden: Tensor) throws {
        let Hd = configuration.decoder.hiddenSize, batch = pass.batch, T = pass.targetSteps
        let dAttentional = dropout.backward(outputGradient: dHidden.reshaped([batch, T, Hd]), mask: pass.dropoutMask)
        var dDecoderStates = dAttentional
        var dEncoderOutputs: Tensor? = nil
        if let attention {
            let g = attention.backward(attentionalGradient: dAttentional, state: pass.attentionState)
            dDecoderStates = g.decoderStates
            dEncoderOutputs = g.encoderOutputs
        }
        let dDecoder = try decoder.backward(decoded.tape, outputGradient: dDecoderStates)
        targetEmbedding.backward(ids: pass.decoderInput, outputGradient: dDecoder.input)
        try backwardEncoder(pass.encoded, batch: batch, source: pass.source, outputGradient: dEncoderOutputs,
                            initialHiddenGradient: dDecoder.initialHidden, initialCellGradient: dDecoder.initialCell)
    }

    private func stepwiseBackward(_ pass: ForwardPass, tapes: [RecurrentTape], stepIDs: [[Int]], inputWidth: Int,
                                  hiddenGradient dHiddenAll: Tensor) throws {
        let E = configuration.embeddingSize, Hd = configuration.decoder.hiddenSize
        let feeding = configuration.inputFeeding, batch = pass.batch, T = pass.targetSteps
        let attentionState = pass.attentionState
        let dAll = dropout.backward(outputGradient: dHiddenAll.reshaped([batch, T, Hd]), mask: pass.dropoutMask)
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
        try backwardEncoder(pass.encoded, batch: batch, source: pass.source,
                            outputGradient: attention == nil ? nil : attentionState.encoderGradient,
                            initialHiddenGradient: dh!, initialCellGradient: dc)
    }
}
