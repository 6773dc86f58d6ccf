import CJikjiKernels

/// Backpropagation through time.
extension RecurrentLayer {
    /// Backpropagation through time for one forward pass.
    ///
    /// Accumulates every parameter's gradient (`Parameter.gradient += dL/dθ`) and returns
    /// the gradients of the input and the initial states. Every gradient argument may be nil
    /// (meaning zero). Gradients given for padded steps of `outputGradient` are ignored, as
    /// those outputs are constant zeros.
    /// - Parameters:
    ///   - tape: ``RecurrentResult/tape`` of the forward pass (the weights must be unchanged since).
    ///   - outputGradient: `[B, T, D*H]` dL/d output.
    ///   - finalHiddenGradient: `[L*D, B, H]` dL/d h_n.
    ///   - finalCellGradient: `[L*D, B, H]` dL/d c_n (LSTM only).
    /// - Returns: dL/d input `[B, T, E]` (zero at padded steps), dL/d h0 and dL/d c0 `[L*D, B, H]`.
    public func backward(
        _ tape: RecurrentTape, outputGradient: Tensor?, finalHiddenGradient: Tensor? = nil,
        finalCellGradient: Tensor? = nil
    ) throws -> RecurrentGradients {
        let layout = tape.layout
        let D = directionCount, H = hiddenSize, G = cell.gateCount, GH = G * H
        let rows = layout.rowCount, batch = layout.batch
        guard tape.recorded, tape.layers.count == layerCount else { throw RecurrentError.notRecorded }
        let stateShape = [layerCount * D, batch, H]
        if let g = outputGradient, g.shape != [batch, layout.steps, D * H] {
            throw RecurrentError.shape(name: "outputGradient", expected: "\([batch, layout.steps, D * H])", actual: g.shape)
        }
        if let g = finalHiddenGradient, g.shape != stateShape {
            throw RecurrentError.shape(name: "finalHiddenGradient", expected: "\(stateShape)", actual: g.shape)
        }
        if let g = finalCellGradient {
            guard cell.hasCellState else {
                throw RecurrentError.configuration("finalCellGradient given to a \(cell) layer, which has no cell state")
            }
            if g.shape != stateShape {
                throw RecurrentError.shape(name: "finalCellGradient", expected: "\(stateShape)", actual: g.shape)
            }
        }
        var upstream: FloatBuffer?
        if let g = outputGradient {
            let packed = FloatBuffer(count: rows * D * H, pool: pool)
            g.storage.withUnsafeBufferPointer { layout.pack($0.baseAddress!, features: D * H, into: packed.pointer) }
            upstream = packed
        }
        var initialHiddenGradient = Tensor(shape: stateShape)
        var initialCellGradient = cell.hasCellState ? Tensor(shape: stateShape) : nil
        var inputGradient = Tensor(shape: [batch, layout.steps, inputSize])

        for layer in stride(from: layerCount - 1, through: 0, by: -1) {
            let layerTape = tape.layers[layer]
            let inSize = layerTape.inputSize
            var dGates = [FloatBuffer?](repeating: nil, count: D)
            var dHidden = [FloatBuffer?](repeating: nil, count: D)
            var dCell = [FloatBuffer?](repeating: nil, count: D)
            let dY = upstream
            var results = [(FloatBuffer, FloatBuffer, FloatBuffer?)?](repeating: nil, count: D)
            results.withUnsafeMutableBufferPointer { slots in
                let base = slots.baseAddress!
                forEachDirection { direction in
                    base[direction] = self.backwardDirection(
                        layer: layer, direction: direction, tape: layerTape, layout: layout,
                        upstream: dY, finalHidden: finalHiddenGradient, finalCell: finalCellGradient)
                }
            }
            for d in 0..<D { (dGates[d], dHidden[d], dCell[d]) = results[d]! }
            for d in 0..<D {
                let index = layer * D + d
                initialHiddenGradient.storage.withUnsafeMutableBufferPointer {
                    layout.unsortState(dHidden[d]!.pointer, index: index, hidden: H, into: $0.baseAddress!)
                }
                if let dc = dCell[d] {
                    initialCellGradient!.storage.withUnsafeMutableBufferPointer {
                        layout.unsortState(dc.pointer, index: index, hidden: H, into: $0.baseAddress!)
                    }
                }
            }
            // dX[N, in] = Σ_d dG_d[N, GH] · W_ih_d[GH, in]  (dG here is the input-side gradient).
            let dX = FloatBuffer(count: rows * inSize, pool: pool)
            let dGatesReady = dGates.map { $0! }
            forEachRowRange(rows) { range in
                for d in 0..<D {
                    self.weights[layer][d].weightIH.value.storage.withUnsafeBufferPointer { wih in
                        BLAS.gemm(m: range.count, n: inSize, k: GH, a: dGatesReady[d].pointer + range.lowerBound * GH,
                                  lda: GH, b: wih.baseAddress!, ldb: inSize, beta: d == 0 ? 0 : 1,
                                  c: dX.pointer + range.lowerBound * inSize, ldc: inSize)
                    }
                }
            }
            if let mask = layerTape.dropoutMask {
                jk_multiply(rows * inSize, dX.pointer, mask.pointer, dX.pointer)
            }
            if layer == 0 {
                inputGradient = layout.unpack(dX.pointer, features: inSize)
            }
            upstream = dX
        }
        return RecurrentGradients(input: inputGradient, initialHidden: initialHiddenGradient,
                                  initialCell: initialCellGradient)
    }

    /// BPTT through one direction of one layer. Accumulates that direction's parameter
    /// gradients and returns (input-side gate gradients `[N, GH]`, dL/dh0 sorted `[B, H]`,
    /// dL/dc0 sorted `[B, H]` for LSTM).
    private func backwardDirection(
        layer: Int, direction: Int, tape layerTape: LayerTape, layout: PackedLayout,
        upstream: FloatBuffer?, finalHidden: Tensor?, finalCell: Tensor?
    ) -> (FloatBuffer, FloatBuffer, FloatBuffer?) {
        let w = weights[layer][direction]
        let t = layerTape.directions[direction]
        let H = hiddenSize, G = cell.gateCount, GH = G * H, D = directionCount
        let rows = layout.rowCount, batch = layout.batch, inSize = layerTape.inputSize
        let index = layer * D + direction
        let dh = FloatBuffer(count: batch * H, zeroed: true, pool: pool)
        if let g = finalHidden {
            g.storage.withUnsafeBufferPointer { layout.sortState($0.baseAddress!, index: index, hidden: H, into: dh.pointer) }
        }
        var dc: FloatBuffer?
        if cell == .lstm {
            let c = FloatBuffer(count: batch * H, zeroed: true, pool: pool)
            if let g = finalCell {
                g.storage.withUnsafeBufferPointer { layout.sortState($0.baseAddress!, index: index, hidden: H, into: c.pointer) }
            }
            dc = c
        }
        let dGates = FloatBuffer(count: rows * GH, pool: pool)
        // GRU: the hidden-side gradient differs from the input-side one in the n block.
        let dGatesHH = cell == .gru ? FloatBuffer(count: rows * GH, pool: pool) : dGates
        let ldo = D * H
        let upstreamBase = upstream.map { $0.pointer + direction * H }

        w.weightHH.value.storage.withUnsafeBufferPointer { whhBuffer in
            // dh_prev = dG · W_hh at every step; rows split into independent parts as in forward.
            let product = StepProduct(weights: whhBuffer.baseAddress!, K: GH, N: H, transposed: false, pool: pool)
            let parts = layout.rowParts(BLAS.threadCount)
            runParts(parts.count) { part in
                let r0 = parts[part].lowerBound, r1 = parts[part].upperBound
                let dhRows = dh.pointer + r0 * H
                for s in 0..<layout.steps {
                    // Reverse of the forward visiting order.
                    let step = direction == 0 ? layout.steps - 1 - s : s
                    let n = min(layout.batchSizes[step], r1) - r0
                    if n <= 0 { continue }
                    let off = layout.offsets[step] + r0
                    let dOut = upstreamBase.map { $0 + off * ldo }
                    let dG = dGates.pointer + off * GH
                    switch cell {
                    case .lstm:
                        jk_lstm_backward(Int32(n), Int32(H), t.gates.pointer + off * GH, t.cPrev!.pointer + off * H,
                                         t.cNew!.pointer + off * H, dhRows, dOut, Int32(ldo), dc!.pointer + r0 * H, dG)
                        product.run(m: n, a: dG, lda: GH, c: dhRows, ldc: H, accumulate: false)
                    case .rnnTanh, .rnnReLU:
                        jk_rnn_backward(Int32(n), Int32(H), cell == .rnnReLU ? 1 : 0, t.gates.pointer + off * GH,
                                        dhRows, dOut, Int32(ldo), dG)
                        product.run(m: n, a: dG, lda: GH, c: dhRows, ldc: H, accumulate: false)
                    case .gru:
                        let dGH = dGatesHH.pointer + off * GH
                        jk_gru_backward(Int32(n), Int32(H), t.gates.pointer + off * GH, t.hn!.pointer + off * H,
                                        t.hPrev!.pointer + off * H, dhRows, dOut, Int32(ldo), dG, dGH, dhRows)
                        product.run(m: n, a: dGH, lda: GH, c: dhRows, ldc: H, accumulate: true)
                    }
                }
            }
        }
        // A frozen layer (gradual unfreezing) needs only dX and the state gradients: its weight
        // gradients would be thrown away, so their products are skipped.
        guard [w.weightIH, w.weightHH, w.biasIH, w.biasHH].contains(where: \.requiresGradient) else { return (dGates, dh, dc) }
        // Weight gradients of all steps at once, split by gate rows between the threads.
        w.weightIH.gradient.storage.withUnsafeMutableBufferPointer { gih in
        w.weightHH.gradient.storage.withUnsafeMutableBufferPointer { ghh in
        w.biasIH.gradient.storage.withUnsafeMutableBufferPointer { gbih in
        w.biasHH.gradient.storage.withUnsafeMutableBufferPointer { gbhh in
            let gih = gih.baseAddress!, ghh = ghh.baseAddress!, gbih = gbih.baseAddress!, gbhh = gbhh.baseAddress!
            forEachRowRange(GH) { range in
                let r0 = range.lowerBound, m = range.count
                if bf16WeightGradients(rows: rows, gateRange: range, inSize: inSize, dGates: dGates,
                                       dGatesHH: dGatesHH, input: layerTape.input, hPrev: t.hPrev!,
                                       gih: gih, ghh: ghh, gbih: gbih, gbhh: gbhh) {
                    return
                }
                BLAS.gemm(transposeA: true, m: m, n: inSize, k: rows, a: dGates.pointer + r0, lda: GH,
                          b: layerTape.input.pointer, ldb: inSize, beta: 1, c: gih + r0 * inSize, ldc: inSize)
                BLAS.gemm(transposeA: true, m: m, n: H, k: rows, a: dGatesHH.pointer + r0, lda: GH,
                          b: t.hPrev!.pointer, ldb: H, beta: 1, c: ghh + r0 * H, ldc: H)
                jk_column_sums(Int32(rows), Int32(m), dGates.pointer + r0, Int32(GH), gbih + r0)
                jk_column_sums(Int32(rows), Int32(m), dGatesHH.pointer + r0, Int32(GH), gbhh + r0)
            }
        }}}}
        return (dGates, dh, dc)
    }

    /// The weight and bias gradients of gate rows `gateRange` in bf16 (``MatrixProducts/precision``
    /// bf16 on a CPU with a bf16 kernel), each gate-gradient matrix transposed and rounded once
    /// for its products and its bias sums: the products are the ones two `BLAS.gemm` calls give,
    /// in fewer passes over dG. False when it did not run (nothing written then).
    private func bf16WeightGradients(
        rows: Int, gateRange: Range<Int>, inSize: Int, dGates: FloatBuffer, dGatesHH: FloatBuffer,
        input: FloatBuffer, hPrev: FloatBuffer, gih: UnsafeMutablePointer<Float>, ghh: UnsafeMutablePointer<Float>,
        gbih: UnsafeMutablePointer<Float>, gbhh: UnsafeMutablePointer<Float>
    ) -> Bool {
        let H = hiddenSize, GH = cell.gateCount * H, r0 = gateRange.lowerBound, m = gateRange.count
        guard MatrixProducts.runsBF16, rows <= Int(Int32.max), GH <= Int(Int32.max), inSize <= Int(Int32.max) else {
            return false
        }
        guard dGatesHH === dGates else {
            // GRU: the hidden side has its own gate gradient, so one pass for each side, each
            // summing straight into its bias gradient (jk_column_sums's order, the same bits).
            guard jk_bf16_weight_gradients(
                Int32(m), Int32(rows), dGates.pointer + r0, Int32(GH), Int32(inSize), input.pointer, Int32(inSize),
                gih + r0 * inSize, Int32(inSize), 0, nil, 0, nil, 0, gbih + r0) == 0 else { return false }
            if jk_bf16_weight_gradients(
                Int32(m), Int32(rows), dGatesHH.pointer + r0, Int32(GH), Int32(H), hPrev.pointer, Int32(H),
                ghh + r0 * H, Int32(H), 0, nil, 0, nil, 0, gbhh + r0) != 0 {
                // The input side is done: the hidden side in fp32 rather than twice.
                BLAS.gemm(transposeA: true, m: m, n: H, k: rows, a: dGatesHH.pointer + r0, lda: GH,
                          b: hPrev.pointer, ldb: H, beta: 1, c: ghh + r0 * H, ldc: H)
                jk_column_sums(Int32(rows), Int32(m), dGatesHH.pointer + r0, Int32(GH), gbhh + r0)
            }
            return true
        }
        // LSTM and RNN: one gate gradient for both products and both biases, whose gradients
        // are the same sums (summed once from zero, then added to each).
        var sums = [Float](repeating: 0, count: m)
        let status = sums.withUnsafeMutableBufferPointer { s in
            jk_bf16_weight_gradients(
                Int32(m), Int32(rows), dGates.pointer + r0, Int32(GH),
                Int32(inSize), input.pointer, Int32(inSize), gih + r0 * inSize, Int32(inSize),
                Int32(H), hPrev.pointer, Int32(H), ghh + r0 * H, Int32(H), s.baseAddress!)
        }
        guard status == 0 else { return false }
        for j in 0..<m {
            gbih[r0 + j] += sums[j]
            gbhh[r0 + j] += sums[j]
        }
        return true
    }
}
