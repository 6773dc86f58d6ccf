import JikjiData
import JikjiRecurrent
import JikjiWordPiece

extension LanguageModel: TrainableModel {
    /// The top layer's outputs of a window batch and what backward needs.
    public struct ForwardPass {
        let ids: [Int]
        let batch: Int
        let steps: Int
        let lengths: [Int]?
        let stack: StackPass
        /// The top layer's outputs after dropout, `[B, T, H]` (the output layer's input).
        let dropped: Tensor
        /// The output dropout's mask: `[B, T, H]` (``Dropout``) or `[B, H]` (locked, with regularisation).
        let dropoutMask: Tensor?
        /// Regularisation: the embedding rows' scales and the locked mask on the embedding output.
        let embeddingRowMask: [Float]?
        let inputMask: Tensor?
        let training: Bool
        /// AR of a training pass with ``Regularisation/activation``: `α · mean(h²)` over the valid
        /// steps of the dropped output (0 otherwise). Added to the objective the gradients are of,
        /// not to the reported loss (the cross-entropy, what perplexity is computed from).
        public internal(set) var activationPenalty: Float = 0
        /// TAR of a training pass: `β · mean((h_t − h_{t−1})²)` over consecutive valid steps of the
        /// undropped output (0 otherwise); like ``activationPenalty``.
        public internal(set) var temporalPenalty: Float = 0
        /// d TAR / d undropped output, `[B, T, H]`.
        var temporalGradient: Tensor?
        /// The state after this window (what the next window of the same rows starts from).
        public let state: State
        /// d loss / d dropped, `[B·T, H]`, once the loss of a training pass counted a target.
        var hiddenGradient: Tensor?
    }

    /// Runs the embedding, the recurrent stack and dropout over the batch's input rows from a zero state.
    public func forward(_ batch: Batch, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass {
        try forward(batch, state: nil, training: training, generator: &generator)
    }

    /// Runs the model over the batch's input rows starting from `state` (the state after the
    /// previous window of the same rows, for truncated BPTT), or zeros when nil or when it was
    /// made for another number of rows.
    public func forward(_ batch: Batch, state: State?, training: Bool, generator: inout SeededGenerator) throws -> ForwardPass {
        let rows = batch.size
        let fits = state.map { $0.hidden.shape.count == 3 && $0.hidden.shape[1] == rows } ?? false
        return try forward(ids: batch.source.ids, batch: rows, steps: batch.source.columns,
                           lengths: batch.source.lengths.map { Int($0) }, state: fits ? state : nil,
                           training: training, generator: &generator)
    }

    /// Mean cross-entropy of the next tokens (`[PAD]` targets ignored).
    public func loss(_ pass: inout ForwardPass, batch: Batch) throws -> BatchLoss {
        guard let targets = batch.nextTokens else { throw ModelError.input("a language-model batch has no next-token targets") }
        return try loss(&pass, targets: targets)
    }

    /// Backpropagates through this window; returns the embedding rows the inputs used (untied
    /// embedding only: a tied table also feeds the dense output layer).
    @discardableResult
    public func backward(_ pass: ForwardPass) throws -> [[Int]] {
        try backwardThroughRecurrence(pass)
        guard !configuration.tieWeights else { return [] }
        return [distinctRows(pass.ids, excluding: configuration.paddingIndex ?? -1, limit: configuration.vocabularySize)]
    }

    /// The embedding, unless it is tied to the (dense) output layer.
    public var embeddingTables: [(name: String, parameter: Parameter)] {
        configuration.tieWeights ? [] : [("embedding.weight", embedding.weight)]
    }

    // MARK: The pass over raw arrays

    /// Embedding, recurrent stack from `state` (nil: zeros) and dropout over `[B, T]` ids.
    func forward(ids tokenIDs: [TokenID], batch: Int, steps: Int, lengths: [Int]?, state: State?, training: Bool,
                 generator: inout SeededGenerator) throws -> ForwardPass {
        guard tokenIDs.count == batch * steps else {
            throw ModelError.input("\(tokenIDs.count) ids for a batch of \(batch) x \(steps)")
        }
        let ids = tokenIDs.ints  // the embedding's row indices
        var embedded = try embedding.forward(ids: ids, shape: [batch, steps])
        var rowMask: [Float]?, inputMask: Tensor?
        if let regularisation {
            rowMask = regularisation.embedding.rowMask(vocabularySize: configuration.vocabularySize, training: training,
                                                       generator: &generator)
            embedded = EmbeddingDropout.apply(rowMask, ids: ids, to: embedded)
            (embedded, inputMask) = regularisation.input.forward(embedded, training: training, generator: &generator)
        }
        let stack = try runStack(embedded, lengths: lengths, state: state, training: training, generator: &generator)
        let (dropped, mask) = regularisation?.output.forward(stack.output, training: training, generator: &generator)
            ?? dropout.forward(stack.output, training: training, generator: &generator)
        return ForwardPass(ids: ids, batch: batch, steps: steps, lengths: lengths, stack: stack, dropped: dropped,
                           dropoutMask: mask, embeddingRowMask: rowMask, inputMask: inputMask, training: training,
                           state: stack.state, hiddenGradient: nil)
    }

    /// The output layer's cross-entropy against `targets` `[B, T]`; a training pass also
    /// accumulates the output layer's gradients here (chunk by chunk, never holding `[B·T, V]`
    /// logits) and keeps d loss / d hidden for the backward pass.
    func loss(_ pass: inout ForwardPass, targets: [TokenID]) throws -> BatchLoss {
        guard targets.count == pass.batch * pass.steps else {
            throw ModelError.input("\(targets.count) targets for a batch of \(pass.batch) x \(pass.steps)")
        }
        let ignore = TokenID(configuration.paddingIndex ?? -100)
        // Rows without a target (padding of document rows) skip the output layer, the costliest
        // part of a step: only the rows with a target go through it, and their gradients go back
        // to their places.
        let real = targets.indices.filter { targets[$0] != ignore }
        let compact = !real.isEmpty && real.count < targets.count
        let H = configuration.outputSize
        var hidden = pass.dropped
        if compact {
            hidden = Tensor(shape: [real.count, H])
            Self.copyRows(real.count, width: H, from: pass.dropped, to: &hidden) { (real[$0], $0) }
        }
        let counted = compact ? real.map { targets[$0] } : targets
        let (loss, count, dReal) = try adaptiveOutput?.crossEntropy(hidden: hidden, targets: counted, ignoreIndex: ignore,
                                                                    accumulateGradients: pass.training)
            ?? output!.crossEntropy(hidden: hidden, targets: counted, ignoreIndex: ignore, accumulateGradients: pass.training)
        if pass.training, let dReal, count > 0 {
            var dHidden = dReal
            if compact {
                dHidden = Tensor(shape: [targets.count, H])
                Self.copyRows(real.count, width: H, from: dReal, to: &dHidden) { ($0, real[$0]) }
            }
            pass.hiddenGradient = dHidden
            if let penalties = configuration.regularisation { addPenalties(&pass, penalties) }
        }
        return BatchLoss(value: loss, count: count)
    }

    /// Dropout, the recurrent stack and the embedding backward from the loss's hidden gradient
    /// (nothing when the pass counted no target or was not a training pass).
    func backwardThroughRecurrence(_ pass: ForwardPass) throws {
        guard let dHidden = pass.hiddenGradient else { return }
        let shaped = dHidden.reshaped([pass.batch, pass.steps, configuration.outputSize])
        var dOutput = regularisation?.output.backward(outputGradient: shaped, mask: pass.dropoutMask)
            ?? dropout.backward(outputGradient: shaped, mask: pass.dropoutMask)
        if let tar = pass.temporalGradient {
            for i in 0..<dOutput.count { dOutput.storage[i] += tar.storage[i] }
        }
        var dInput = try backwardStack(pass.stack, outputGradient: dOutput)
        if let regularisation {
            dInput = regularisation.input.backward(outputGradient: dInput, mask: pass.inputMask)
            dInput = EmbeddingDropout.apply(pass.embeddingRowMask, ids: pass.ids, to: dInput)
        }
        embedding.backward(ids: pass.ids, outputGradient: dInput)
    }
}
