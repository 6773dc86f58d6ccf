import JikjiRecurrent

/// The recurrent stack of a language model: one multi-layer ``RecurrentLayer``, or one layer per
/// level (``LanguageModel/Configuration/splitsLayers``) with AWD-LSTM's locked dropout between
/// levels and weight dropout on each level's `W_hh`.
extension LanguageModel {
    /// What the stack computed over one batch, and what its backward pass needs.
    struct StackPass {
        /// The last layer's output `[B, T, H_last]`, before any output dropout.
        let output: Tensor
        /// The state after the batch.
        let state: State
        /// One result per element of ``LanguageModel/layers``.
        let results: [RecurrentResult]
        /// Split stacks: the locked-dropout mask on the output of each layer but the last.
        let hiddenMasks: [Tensor?]
        /// Split stacks: the weight-dropped `W_hh` of each layer (empty without weight dropout).
        let droppedWeights: [[DroppedWeight]]
    }

    /// Runs the stack over `input` `[B, T, E]` from `state` (nil: zeros). A training pass draws the
    /// stack's dropout masks from `generator`.
    func runStack(_ input: Tensor, lengths: [Int]?, state: State?, training: Bool, recordTape: Bool = true,
                  generator: inout SeededGenerator) throws -> StackPass {
        if layers.count == 1 && !configuration.splitsLayers {
            let result = try encoder.forward(input, lengths: lengths, initialHidden: state?.hidden, initialCell: state?.cell,
                                             training: training, generator: &generator, recordTape: recordTape)
            return StackPass(output: result.output, state: State(hidden: result.finalHidden, cell: result.finalCell),
                             results: [result], hiddenMasks: [], droppedWeights: [])
        }
        let sizes = configuration.layerSizes, width = configuration.stateWidth, B = input.shape[0]
        let hasCell = configuration.cell.hasCellState
        var hidden = Tensor(shape: [layers.count, B, width]), cell = hasCell ? Tensor(shape: [layers.count, B, width]) : nil
        var x = input
        var results: [RecurrentResult] = [], masks: [Tensor?] = [], dropped: [[DroppedWeight]] = []
        for (k, layer) in layers.enumerated() {
            let h0 = state.map { Self.slice($0.hidden, level: k, width: sizes[k]) }
            let c0 = state?.cell.map { Self.slice($0, level: k, width: sizes[k]) }
            let weights = regularisation.map { reg in
                layer.weights.flatMap { $0 }.compactMap { reg.weight.drop($0.weightHH, training: training, generator: &generator) }
            } ?? []
            let levelInput = x
            let result = try DroppedWeight.run(weights) {
                try layer.forward(levelInput, lengths: lengths, initialHidden: h0, initialCell: c0, training: training,
                                  generator: &generator, recordTape: recordTape)
            }
            Self.place(result.finalHidden, level: k, into: &hidden)
            if let c = result.finalCell { Self.place(c, level: k, into: &cell!) }
            results.append(result)
            dropped.append(weights)
            if k < layers.count - 1, let reg = regularisation {
                let (out, mask) = reg.hidden.forward(result.output, training: training, generator: &generator)
                x = out
                masks.append(mask)
            } else {
                x = result.output
                if k < layers.count - 1 { masks.append(nil) }
            }
        }
        return StackPass(output: x, state: State(hidden: hidden, cell: cell), results: results, hiddenMasks: masks,
                         droppedWeights: dropped)
    }

    /// Backpropagates `outputGradient` `[B, T, H_last]` through the stack (with the masks and
    /// dropped weights of its forward pass); returns d loss / d input `[B, T, E]`.
    func backwardStack(_ pass: StackPass, outputGradient: Tensor) throws -> Tensor {
        var gradient = outputGradient
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            let upstream = gradient
            let grads = try DroppedWeight.run(pass.droppedWeights.isEmpty ? [] : pass.droppedWeights[k]) {
                try layers[k].backward(pass.results[k].tape, outputGradient: upstream)
            }
            gradient = grads.input
            if k > 0, let reg = regularisation {
                gradient = reg.hidden.backward(outputGradient: gradient, mask: pass.hiddenMasks[k - 1])
            }
        }
        return gradient
    }

    /// `state[level, :, :width]` as `[1, B, width]`.
    static func slice(_ state: Tensor, level: Int, width: Int) -> Tensor {
        let B = state.shape[1], W = state.shape[2]
        var out = Tensor(shape: [1, B, width])
        for b in 0..<B {
            for j in 0..<width { out.storage[b * width + j] = state.storage[(level * B + b) * W + j] }
        }
        return out
    }

    /// Writes `[1, B, width]` into `state[level, :, :width]`.
    static func place(_ levelState: Tensor, level: Int, into state: inout Tensor) {
        let B = state.shape[1], W = state.shape[2], width = levelState.shape[2]
        for b in 0..<B {
            for j in 0..<width { state.storage[(level * B + b) * W + j] = levelState.storage[b * width + j] }
        }
    }
}
