import CJikjiKernels

/// The forward pass: validation, packing, dropout between layers and the per-direction time loop.
extension RecurrentLayer {
    /// Runs the layer in evaluation mode (no dropout). See ``forward(_:lengths:initialHidden:initialCell:training:generator:)``.
    public func forward(
        _ input: Tensor, lengths: [Int]? = nil, initialHidden: Tensor? = nil, initialCell: Tensor? = nil,
        recordTape: Bool = true
    ) throws -> RecurrentResult {
        var unused = SeededGenerator(seed: 0)
        return try forward(input, lengths: lengths, initialHidden: initialHidden, initialCell: initialCell,
                           training: false, generator: &unused, recordTape: recordTape)
    }

    /// Runs the layer over a batch.
    /// - Parameters:
    ///   - input: `[B, T, E]`, batch-first.
    ///   - lengths: `B` lengths in `1...T` (packed-sequence semantics), or nil for all `T`.
    ///   - initialHidden: `[L*D, B, H]` h0, or nil for zeros.
    ///   - initialCell: `[L*D, B, H]` c0 (LSTM only), or nil for zeros.
    ///   - training: applies ``dropout`` between layers, with masks drawn from `generator`.
    ///   - recordTape: false for inference: the per-step activations backward needs are not
    ///     kept (less memory traffic), and ``backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``
    ///     on the result's tape throws ``RecurrentError/notRecorded``.
    /// - Returns: output `[B, T, D*H]`, final states `[L*D, B, H]` and the tape for ``backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
    public func forward(
        _ input: Tensor, lengths: [Int]? = nil, initialHidden: Tensor? = nil, initialCell: Tensor? = nil,
        training: Bool, generator: inout SeededGenerator, recordTape: Bool = true
    ) throws -> RecurrentResult {
        guard input.rank == 3, input.shape[2] == inputSize, input.shape[0] > 0, input.shape[1] > 0 else {
            throw RecurrentError.shape(name: "input", expected: "[B, T, \(inputSize)] with B, T > 0", actual: input.shape)
        }
        let batch = input.shape[0], steps = input.shape[1]
        let stateShape = [layerCount * directionCount, batch, hiddenSize]
        if let h0 = initialHidden, h0.shape != stateShape {
            throw RecurrentError.shape(name: "initialHidden", expected: "\(stateShape)", actual: h0.shape)
        }
        if let c0 = initialCell {
            guard cell.hasCellState else {
                throw RecurrentError.configuration("initialCell given to a \(cell) layer, which has no cell state")
            }
            if c0.shape != stateShape {
                throw RecurrentError.shape(name: "initialCell", expected: "\(stateShape)", actual: c0.shape)
            }
        }
        let lens = lengths ?? [Int](repeating: steps, count: batch)
        guard lens.count == batch else {
            throw RecurrentError.lengths("\(lens.count) lengths for a batch of \(batch)")
        }
        if let bad = lens.firstIndex(where: { $0 < 1 || $0 > steps }) {
            throw RecurrentError.lengths("length \(lens[bad]) of sequence \(bad) is outside 1...\(steps)")
        }
        let layout = PackedLayout(batch: batch, steps: steps, lengths: lens)
        let rows = layout.rowCount
        let D = directionCount, H = hiddenSize

        var layerInput = FloatBuffer(count: rows * inputSize, pool: pool)
        input.storage.withUnsafeBufferPointer { layout.pack($0.baseAddress!, features: inputSize, into: layerInput.pointer) }

        var tapes: [LayerTape] = []
        tapes.reserveCapacity(layerCount)
        var finalHidden = Tensor(shape: stateShape)
        var finalCell = cell.hasCellState ? Tensor(shape: stateShape) : nil
        for layer in 0..<layerCount {
            let inSize = layer == 0 ? inputSize : D * H
            var mask: FloatBuffer?
            if layer > 0, training, dropout > 0 {
                // Dropout on the previous layer's packed output; the mask is kept for backward.
                let m = FloatBuffer(count: rows * inSize, pool: pool)
                let keep = 1 / (1 - dropout)
                for i in 0..<m.count { m.pointer[i] = generator.nextUnitFloat() < dropout ? 0 : keep }
                let dropped = FloatBuffer(count: rows * inSize, pool: pool)
                jk_multiply(rows * inSize, layerInput.pointer, m.pointer, dropped.pointer)
                layerInput = dropped
                mask = m
            }
            let output = FloatBuffer(count: rows * D * H, pool: pool)
            var directions = [DirectionTape?](repeating: nil, count: D)
            directions.withUnsafeMutableBufferPointer { slots in
                let slotsBase = slots.baseAddress!
                // Each direction writes only its own slot and its own H columns of `output`.
                forEachDirection { direction in
                    slotsBase[direction] = self.forwardDirection(
                        layer: layer, direction: direction, input: layerInput, inputSize: inSize,
                        layout: layout, initialHidden: initialHidden, initialCell: initialCell, output: output,
                        record: recordTape)
                }
            }
            let done = directions.map { $0! }
            for (direction, tape) in done.enumerated() {
                let index = layer * D + direction
                finalHidden.storage.withUnsafeMutableBufferPointer {
                    layout.unsortState(tape.hState.pointer, index: index, hidden: H, into: $0.baseAddress!)
                }
                if let cState = tape.cState {
                    finalCell!.storage.withUnsafeMutableBufferPointer {
                        layout.unsortState(cState.pointer, index: index, hidden: H, into: $0.baseAddress!)
                    }
                }
            }
            tapes.append(LayerTape(input: layerInput, inputSize: inSize, dropoutMask: mask, directions: done))
            layerInput = output
        }
        let output = layout.unpack(layerInput.pointer, features: D * H)
        let tape = RecurrentTape(layout: layout, layers: tapes, recorded: recordTape)
        return RecurrentResult(output: output, finalHidden: finalHidden, finalCell: finalCell, tape: tape)
    }

    /// One direction of one layer over all steps; writes its `H` columns of `output` `[N, D*H]`.
    private func forwardDirection(
        layer: Int, direction: Int, input: FloatBuffer, inputSize inSize: Int, layout: PackedLayout,
        initialHidden: Tensor?, initialCell: Tensor?, output: FloatBuffer, record: Bool
    ) -> DirectionTape {
        let w = weights[layer][direction]
        let H = hiddenSize, G = cell.gateCount, GH = G * H, D = directionCount
        let rows = layout.rowCount, batch = layout.batch
        let index = layer * D + direction
        let gates = FloatBuffer(count: rows * GH, pool: pool)
        let hPrev = record ? FloatBuffer(count: rows * H, pool: pool) : nil
        let hState = FloatBuffer(count: batch * H, zeroed: true, pool: pool)
        if let h0 = initialHidden {
            h0.storage.withUnsafeBufferPointer { layout.sortState($0.baseAddress!, index: index, hidden: H, into: hState.pointer) }
        }
        var cState: FloatBuffer?, cPrev: FloatBuffer?, cNew: FloatBuffer?, hn: FloatBuffer?
        if cell == .lstm {
            let c = FloatBuffer(count: batch * H, zeroed: true, pool: pool)
            if let c0 = initialCell {
                c0.storage.withUnsafeBufferPointer { layout.sortState($0.baseAddress!, index: index, hidden: H, into: c.pointer) }
            }
            cState = c
            if record {
                cPrev = FloatBuffer(count: rows * H, pool: pool)
                cNew = FloatBuffer(count: rows * H, pool: pool)
            }
        }
        if cell == .gru && record { hn = FloatBuffer(count: rows * H, pool: pool) }
        if cell == .lstm && FusedLSTMWeights.isEnabled {
            forwardFusedLSTM(
                weights: w, direction: direction, input: input, inputSize: inSize, layout: layout,
                hState: hState, cState: cState!, gates: gates, hPrev: hPrev, cPrev: cPrev, cNew: cNew,
                output: output, record: record)
            return DirectionTape(gates: gates, hPrev: hPrev, hState: hState, cState: cState,
                                 cPrev: cPrev, cNew: cNew, hn: nil)
        }

        w.weightIH.value.storage.withUnsafeBufferPointer { wih in
        w.weightHH.value.storage.withUnsafeBufferPointer { whh in
        w.biasIH.value.storage.withUnsafeBufferPointer { bih in
        w.biasHH.value.storage.withUnsafeBufferPointer { bhh in
            // Input projection of every step at once: gates[N, GH] = X[N, in] · W_ihᵀ.
            forEachRowRange(rows) { range in
                BLAS.gemm(transposeB: true, m: range.count, n: GH, k: inSize,
                          a: input.pointer + range.lowerBound * inSize, lda: inSize, b: wih.baseAddress!, ldb: inSize,
                          beta: 0, c: gates.pointer + range.lowerBound * GH, ldc: GH)
            }
            let outBase = output.pointer + direction * H
            let ldo = D * H
            // The time loop, split by rows: sequences never interact, so each part runs every
            // step for its own rows without synchronisation.
            let parts = layout.rowParts(BLAS.threadCount)
            let product = StepProduct(weights: whh.baseAddress!, K: H, N: GH, transposed: true, pool: pool)
            switch cell {
            case .lstm, .rnnTanh, .rnnReLU:
                // Both biases fold into one vector the kernel adds while activating.
                var bias = [Float](repeating: 0, count: GH)
                for j in 0..<GH { bias[j] = bih[j] + bhh[j] }
                bias.withUnsafeBufferPointer { b in
                    runParts(parts.count) { part in
                        let r0 = parts[part].lowerBound, r1 = parts[part].upperBound
                        let h = hState.pointer + r0 * H
                        for s in 0..<layout.steps {
                            let t = direction == 0 ? s : layout.steps - 1 - s
                            let n = min(layout.batchSizes[t], r1) - r0
                            if n <= 0 { continue }
                            let off = layout.offsets[t] + r0
                            let g = gates.pointer + off * GH
                            // gates[t] += h_prev · W_hhᵀ over the running rows.
                            product.run(m: n, a: h, lda: H, c: g, ldc: GH, accumulate: true)
                            if cell == .lstm {
                                jk_lstm_forward(Int32(n), Int32(H), g, b.baseAddress!, cState!.pointer + r0 * H,
                                                cPrev.map { $0.pointer + off * H }, cNew.map { $0.pointer + off * H },
                                                h, hPrev.map { $0.pointer + off * H }, outBase + off * ldo, Int32(ldo))
                            } else {
                                jk_rnn_forward(Int32(n), Int32(H), cell == .rnnReLU ? 1 : 0, g, b.baseAddress!,
                                               h, hPrev.map { $0.pointer + off * H }, outBase + off * ldo, Int32(ldo))
                            }
                        }
                    }
                }
            case .gru:
                // W_hh h_prev stays separate: the n gate scales its part by r.
                let hhs = parts.map { FloatBuffer(count: $0.count * GH, pool: pool) }
                runParts(parts.count) { part in
                    let r0 = parts[part].lowerBound, r1 = parts[part].upperBound
                    let h = hState.pointer + r0 * H, hh = hhs[part].pointer
                    for s in 0..<layout.steps {
                        let t = direction == 0 ? s : layout.steps - 1 - s
                        let n = min(layout.batchSizes[t], r1) - r0
                        if n <= 0 { continue }
                        let off = layout.offsets[t] + r0
                        product.run(m: n, a: h, lda: H, c: hh, ldc: GH, accumulate: false)
                        jk_gru_forward(Int32(n), Int32(H), gates.pointer + off * GH, hh,
                                       bih.baseAddress!, bhh.baseAddress!, h, hn.map { $0.pointer + off * H },
                                       hPrev.map { $0.pointer + off * H }, outBase + off * ldo, Int32(ldo))
                    }
                }
            }
        }}}}
        return DirectionTape(gates: gates, hPrev: hPrev, hState: hState, cState: cState,
                             cPrev: cPrev, cNew: cNew, hn: hn)
    }
}
