import JikjiRecurrent

/// The encoder and the bridge from its final states to the decoder's initial states.
extension Seq2Seq {
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
}
