import CJikjiKernels

/// The LSTM forward time loop on the fused step kernel.
extension RecurrentLayer {
    /// The LSTM time loop of one direction with the fused step kernel (``FusedLSTMWeights``):
    /// no separate input projection, and the gates never leave the registers unless `record`.
    /// `hState` and `cState` `[B, H]` hold h0 and c0 (sorted) and receive the final states.
    func forwardFusedLSTM(
        weights w: RecurrentWeights, direction: Int, input: FloatBuffer, inputSize inSize: Int,
        layout: PackedLayout, hState: FloatBuffer, cState: FloatBuffer, gates: FloatBuffer,
        hPrev: FloatBuffer?, cPrev: FloatBuffer?, cNew: FloatBuffer?, output: FloatBuffer, record: Bool
    ) {
        let H = hiddenSize, GH = 4 * H, D = directionCount, batch = layout.batch, steps = layout.steps
        let fused = w.biasIH.value.storage.withUnsafeBufferPointer { bih in
            w.biasHH.value.storage.withUnsafeBufferPointer { bhh in
                FusedLSTMWeights(biasIH: bih.baseAddress!, biasHH: bhh.baseAddress!, inputSize: inSize,
                                 hiddenSize: H, pool: pool)
            }
        }
        // h alternates between two [B, H] buffers: every step reads all of h_{t-1} while it
        // writes h_t. Rows that have not started yet (reverse direction) must find h0 in both.
        let hBuffers = FloatBuffer(count: 2 * batch * H, pool: pool)
        hBuffers.pointer.update(from: hState.pointer, count: batch * H)
        (hBuffers.pointer + batch * H).update(from: hState.pointer, count: batch * H)
        let ldo = D * H
        let outBase = output.pointer + direction * H
        let threads = BLAS.threadCount
        let byUnits = threads > 1 && RecurrentKernels.splitLSTMStepsByUnits && fused.panelCount > 1
        // Either hidden-unit panels split between threads (all rows each), or rows (all panels each).
        let unitParts: [Range<Int>], rowParts: [Range<Int>]
        if byUnits {
            let count = min(threads, fused.panelCount)
            unitParts = (0..<count).map { ($0 * fused.panelCount / count)..<(($0 + 1) * fused.panelCount / count) }
            rowParts = [0..<batch]
        } else {
            unitParts = [0..<fused.panelCount]
            rowParts = layout.rowParts(threads)
        }
        let partCount = max(unitParts.count, rowParts.count)
        let barrier = UnsafeMutablePointer<jk_spin_barrier>.allocate(capacity: 1)
        barrier.initialize(to: jk_spin_barrier(arrived: 0, phase: 0, sleepers: 0))
        defer { barrier.deallocate() }
        w.weightIH.value.storage.withUnsafeBufferPointer { wih in
        w.weightHH.value.storage.withUnsafeBufferPointer { whh in
            let wih = wih.baseAddress!, whh = whh.baseAddress!
            if !byUnits { fused.pack(weightIH: wih, weightHH: whh, panels: 0..<fused.panelCount) }
            runParts(partCount) { part in
                let panels = unitParts[byUnits ? part : 0]
                let r0 = rowParts[byUnits ? 0 : part].lowerBound, r1 = rowParts[byUnits ? 0 : part].upperBound
                if byUnits { fused.pack(weightIH: wih, weightHH: whh, panels: panels) }
                var args = jk_lstm_step_args()
                args.E = Int32(inSize)
                args.H = Int32(H)
                args.panelBegin = Int32(panels.lowerBound)
                args.panelEnd = Int32(panels.upperBound)
                args.packed = UnsafePointer(fused.packed)
                args.bias = UnsafePointer(fused.bias.pointer)
                args.ldx = Int32(inSize)
                args.ldh = Int32(H)
                args.cState = cState.pointer + r0 * H
                args.ldc = Int32(H)
                args.ldhNext = Int32(H)
                args.ldo = Int32(ldo)
                for s in 0..<steps {
                    let t = direction == 0 ? s : steps - 1 - s
                    let n = min(layout.batchSizes[t], r1) - r0
                    if n <= 0 { continue }
                    let off = layout.offsets[t] + r0
                    args.rows = Int32(n)
                    args.x = UnsafePointer(input.pointer + off * inSize)
                    args.hPrev = UnsafePointer(hBuffers.pointer + (s % 2) * batch * H + r0 * H)
                    args.hNext = hBuffers.pointer + ((s + 1) % 2) * batch * H + r0 * H
                    args.output = outBase + off * ldo
                    if record {
                        args.gatesOut = gates.pointer + off * GH
                        args.cPrevOut = cPrev!.pointer + off * H
                        args.cNewOut = cNew!.pointer + off * H
                        args.hPrevOut = hPrev!.pointer + off * H
                    }
                    jk_lstm_step(&args)
                    // The next step reads every unit of h_t.
                    if byUnits { jk_spin_barrier_wait(barrier, Int32(unitParts.count)) }
                }
            }
        }}
        // Each row's last h: the forward direction ends row i after its own length, the
        // reverse direction ends every row at the last step of the loop.
        var length = [Int](repeating: 0, count: batch)
        for size in layout.batchSizes { for i in 0..<size { length[i] += 1 } }
        for i in 0..<batch {
            let last = (direction == 0 ? length[i] : steps) % 2
            (hState.pointer + i * H).update(from: hBuffers.pointer + last * batch * H + i * H, count: H)
        }
    }
}
