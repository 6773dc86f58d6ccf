import CJikjiKernels
import Dispatch

/// The cell a ``RecurrentLayer`` repeats over time, with PyTorch's equations and gate order.
public enum RecurrentCell: String, Sendable, Codable, CaseIterable {
    /// `torch.nn.RNN(nonlinearity="tanh")`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnTanh = "rnn"
    /// `torch.nn.RNN(nonlinearity="relu")`: `h' = relu(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnReLU = "rnn_relu"
    /// `torch.nn.LSTM`: gates i, f, g, o; `c' = f*c + i*g`, `h' = o*tanh(c')`.
    case lstm
    /// `torch.nn.GRU`: gates r, z, n; `n = tanh(W_in x + b_in + r*(W_hn h + b_hn))`,
    /// `h' = (1-z)*n + z*h`.
    case gru

    /// Gates per hidden unit: the row blocks of `weight_ih` / `weight_hh` (G in `[G*H, in]`).
    public var gateCount: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// True for LSTM, the only cell with a cell state `c`.
    public var hasCellState: Bool { self == .lstm }
}

/// A problem with the tensors handed to a recurrent layer.
public enum RecurrentError: Error, CustomStringConvertible, Equatable {
    /// A tensor's shape differs from what the layer needs.
    case shape(name: String, expected: String, actual: [Int])
    /// A sequence length is outside `1...T` or the length count differs from the batch.
    case lengths(String)
    /// The layer was configured with impossible sizes.
    case configuration(String)
    /// `backward` was called without the forward pass having recorded a tape.
    case notRecorded

    public var description: String {
        switch self {
        case let .shape(name, expected, actual):
            return "recurrent layer: '\(name)' has shape \(actual), expected \(expected)"
        case let .lengths(why): return "recurrent layer: bad sequence lengths: \(why)"
        case let .configuration(why): return "recurrent layer: bad configuration: \(why)"
        case .notRecorded: return "recurrent layer: backward needs the tape of a forward pass"
        }
    }
}

/// How the two directions of a bidirectional ``RecurrentLayer`` are scheduled.
public enum DirectionSchedule: Sendable {
    /// Side by side on two threads, one BLAS thread each, when BLAS has two or more threads;
    /// one after the other otherwise.
    case automatic
    /// One after the other, each using every BLAS thread.
    case sequential
    /// Side by side on two threads, one BLAS thread each.
    case parallel
}

/// The four parameters of one layer and direction, PyTorch layouts:
/// `weightIH` `[G*H, in]`, `weightHH` `[G*H, H]`, `biasIH` and `biasHH` `[G*H]`.
public struct RecurrentWeights {
    /// `weight_ih_l{k}[_reverse]`, `[G*H, in]`: input-to-gates, gate blocks in PyTorch order.
    public let weightIH: Parameter
    /// `weight_hh_l{k}[_reverse]`, `[G*H, H]`: hidden-to-gates.
    public let weightHH: Parameter
    /// `bias_ih_l{k}[_reverse]`, `[G*H]`.
    public let biasIH: Parameter
    /// `bias_hh_l{k}[_reverse]`, `[G*H]` (for GRU the n block is scaled by r with `W_hn h`).
    public let biasHH: Parameter
}

/// A multi-layer, optionally bidirectional RNN / LSTM / GRU over batch-first sequences,
/// equal to `torch.nn.RNN` / `LSTM` / `GRU(batch_first=True)` including packed sequences.
///
/// Shapes (B batch, T steps, E = ``inputSize``, H = ``hiddenSize``, L = ``layerCount``,
/// D = 2 if ``bidirectional`` else 1):
/// - input `[B, T, E]`, optional per-sequence `lengths` (each in `1...T`);
/// - initial states `h0` / `c0` `[L*D, B, H]` (zeros when omitted), index `layer*D + direction`;
/// - output `[B, T, D*H]` (forward direction in the first H features), zero at padded steps;
/// - final states `h_n` / `c_n` `[L*D, B, H]`: each sequence's state at its own last step
///   (for the reverse direction: after running from its last step back to step 0).
///
/// Usage: `let r = try layer.forward(x, lengths: lens)`, then after computing the loss
/// gradients `let g = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: dhn)`.
/// `backward` accumulates parameter gradients into each `Parameter.gradient` (call
/// `zeroGradients()` between steps) and returns the gradients of the input and initial states.
///
/// Speed and threading: each layer and direction computes the input projection of all steps
/// with one gemm, then one gemm per step for the recurrent product over the running rows
/// (sequences are kept sorted by length, PyTorch's packing), followed by one fused
/// vectorized kernel per step. Backward accumulates the weight gradients of all steps with
/// one gemm each.
///
/// Threading: the thread budget is the BLAS thread count (``BLAS/setThreads(_:)``). The big
/// products (input projection, weight gradients) use BLAS with every thread. The time loop
/// is split instead of its small per-step products: by default (``DirectionSchedule/automatic``)
/// a bidirectional layer with two or more threads runs its two directions side by side, and
/// otherwise the sequences (rows) are split into one part per thread, balanced by valid steps,
/// each part running every step on its own rows (sequences never interact, so no
/// synchronisation is needed). Inside those parts BLAS is held to one thread and restored
/// afterwards. Results agree across thread counts to float rounding (OpenBLAS may sum a small
/// product in another order; see `RecurrentThreadingTests`), and runs with the same thread count
/// are bit-for-bit repeatable (`DeterminismTests`).
public final class RecurrentLayer: ParameterContainer {
    /// The repeated cell (RNN tanh/ReLU, LSTM, GRU).
    public let cell: RecurrentCell
    /// E: features of each input step.
    public let inputSize: Int
    /// H: features of each hidden state.
    public let hiddenSize: Int
    /// L: stacked layers; layer `l > 0` reads the `D*H` outputs of layer `l-1`.
    public let layerCount: Int
    /// Whether each layer also runs a reverse direction (PyTorch's `_reverse` parameters).
    public let bidirectional: Bool
    /// Dropout probability on the outputs of every layer but the last, in training only.
    public let dropout: Float
    /// How the two directions of a bidirectional layer share the CPU.
    public var directionSchedule = DirectionSchedule.automatic
    /// `weights[layer][direction]`.
    public let weights: [[RecurrentWeights]]
    /// Work buffers recycled between calls (tapes hand theirs back when released).
    let pool = BufferPool()

    /// Runs `body(direction)` for each direction, in parallel when the schedule says so.
    /// `body` must write only state owned by its direction.
    private func forEachDirection(_ body: (Int) -> Void) {
        let threads = BLAS.threadCount
        let parallel = directionCount == 2
            && (directionSchedule == .parallel || (directionSchedule == .automatic && threads >= 2))
        guard parallel else {
            for direction in 0..<directionCount { body(direction) }
            return
        }
        if threads != 1 { BLAS.setThreads(1) }
        DispatchQueue.concurrentPerform(iterations: 2, execute: body)
        if threads != 1 { BLAS.setThreads(threads) }
    }

    /// Runs `body(part)` for `part in 0..<count`, on `count` threads when `count > 1`, with
    /// BLAS limited to one thread meanwhile (each part's products are single-threaded).
    private func runParts(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let threads = BLAS.threadCount
        BLAS.setThreads(1)
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
        BLAS.setThreads(threads)
    }

    /// Runs `body(range)` over `count` rows (of a product's result) split into one contiguous
    /// range per BLAS thread, each on its own thread with single-threaded BLAS.
    ///
    /// Why not let OpenBLAS split the product: after a threaded call its worker threads keep
    /// spinning (calling sched_yield) for a while, and on a machine with as many cores as
    /// threads they then take time slices from the time loop's own threads that follow.
    /// Splitting the large products here keeps OpenBLAS's workers asleep for the whole pass.
    private func forEachRowRange(_ count: Int, _ body: (Range<Int>) -> Void) {
        // Ranges in multiples of 16 rows keep the kernels' row blocks whole.
        let parts = max(1, min(BLAS.threadCount, count / 16))
        guard parts > 1 else {
            body(0..<count)
            return
        }
        // Each range holds ceil(count / parts) rows rounded up to 16, so the ranges cover every
        // row (rounding count / parts down instead left the last rows of, say, 97 unwritten).
        let chunk = ((count + parts - 1) / parts + 15) / 16 * 16
        let ranges = (0..<parts).map { min($0 * chunk, count)..<min(($0 + 1) * chunk, count) }.filter { !$0.isEmpty }
        runParts(ranges.count) { body(ranges[$0]) }
    }

    /// D: 2 when bidirectional, else 1.
    public var directionCount: Int { bidirectional ? 2 : 1 }

    /// A layer initialised like PyTorch: every parameter uniform in `[-1/sqrt(H), 1/sqrt(H)]`,
    /// drawn from `generator` in ``namedParameters`` order.
    public init(
        cell: RecurrentCell, inputSize: Int, hiddenSize: Int, layerCount: Int = 1,
        bidirectional: Bool = false, dropout: Float = 0, generator: inout SeededGenerator
    ) throws {
        guard inputSize > 0, hiddenSize > 0, layerCount > 0 else {
            throw RecurrentError.configuration(
                "inputSize \(inputSize), hiddenSize \(hiddenSize) and layerCount \(layerCount) must be positive")
        }
        guard dropout >= 0, dropout < 1 else {
            throw RecurrentError.configuration("dropout \(dropout) must be in [0, 1)")
        }
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.bidirectional = bidirectional
        self.dropout = dropout
        let bound = 1 / Float(hiddenSize).squareRoot()
        let rows = cell.gateCount * hiddenSize
        func uniform(_ shape: [Int]) -> Parameter {
            var t = Tensor(shape: shape)
            for i in 0..<t.count { t.storage[i] = generator.nextFloat(in: -bound, bound) }
            return Parameter(t)
        }
        var all: [[RecurrentWeights]] = []
        for layer in 0..<layerCount {
            let layerInput = layer == 0 ? inputSize : (bidirectional ? 2 : 1) * hiddenSize
            var directions: [RecurrentWeights] = []
            for _ in 0..<(bidirectional ? 2 : 1) {
                directions.append(RecurrentWeights(
                    weightIH: uniform([rows, layerInput]), weightHH: uniform([rows, hiddenSize]),
                    biasIH: uniform([rows]), biasHH: uniform([rows])))
            }
            all.append(directions)
        }
        weights = all
    }

    /// PyTorch state_dict names: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
    /// then the `_reverse` set, then layer 1, …
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        for (layer, directions) in weights.enumerated() {
            for (direction, w) in directions.enumerated() {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                result.append(("weight_ih" + suffix, w.weightIH))
                result.append(("weight_hh" + suffix, w.weightHH))
                result.append(("bias_ih" + suffix, w.biasIH))
                result.append(("bias_hh" + suffix, w.biasHH))
            }
        }
        return result
    }

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

    /// The LSTM time loop of one direction with the fused step kernel (``FusedLSTMWeights``):
    /// no separate input projection, and the gates never leave the registers unless `record`.
    /// `hState` and `cState` `[B, H]` hold h0 and c0 (sorted) and receive the final states.
    private func forwardFusedLSTM(
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
        // Weight gradients of all steps at once, split by gate rows between the threads.
        w.weightIH.gradient.storage.withUnsafeMutableBufferPointer { gih in
        w.weightHH.gradient.storage.withUnsafeMutableBufferPointer { ghh in
        w.biasIH.gradient.storage.withUnsafeMutableBufferPointer { gbih in
        w.biasHH.gradient.storage.withUnsafeMutableBufferPointer { gbhh in
            let gih = gih.baseAddress!, ghh = ghh.baseAddress!, gbih = gbih.baseAddress!, gbhh = gbhh.baseAddress!
            forEachRowRange(GH) { range in
                let r0 = range.lowerBound, m = range.count
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
}

/// What a ``RecurrentLayer`` forward pass returns.
public struct RecurrentResult {
    /// `[B, T, D*H]`; zero at padded steps.
    public let output: Tensor
    /// h_n `[L*D, B, H]`.
    public let finalHidden: Tensor
    /// c_n `[L*D, B, H]` for LSTM, nil otherwise.
    public let finalCell: Tensor?
    /// Everything backward needs; pass it to ``RecurrentLayer/backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
    public let tape: RecurrentTape
}

/// Gradients returned by ``RecurrentLayer/backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
public struct RecurrentGradients {
    /// dL/d input `[B, T, E]`.
    public let input: Tensor
    /// dL/d h0 `[L*D, B, H]`.
    public let initialHidden: Tensor
    /// dL/d c0 `[L*D, B, H]` for LSTM, nil otherwise.
    public let initialCell: Tensor?
}

/// The activations a forward pass keeps for backward (opaque; packed, sorted by length).
public struct RecurrentTape: @unchecked Sendable {
    let layout: PackedLayout
    let layers: [LayerTape]
    /// False when the forward pass ran with `recordTape: false` (inference).
    let recorded: Bool
}

struct LayerTape {
    /// The layer's packed input `[N, in]` (after dropout).
    let input: FloatBuffer
    let inputSize: Int
    /// Scaled keep mask `[N, in]` applied to this layer's input, when dropout ran.
    let dropoutMask: FloatBuffer?
    let directions: [DirectionTape]
}

struct DirectionTape {
    /// Activated gates `[N, G*H]` (for RNN: h itself); pre-activations when not recorded.
    let gates: FloatBuffer
    /// h_prev of every step `[N, H]` (nil when not recorded, as the other per-step buffers).
    let hPrev: FloatBuffer?
    /// The state after the last step, sorted `[B, H]`.
    let hState: FloatBuffer
    let cState: FloatBuffer?
    /// LSTM: c_prev and c of every step `[N, H]`.
    let cPrev: FloatBuffer?
    let cNew: FloatBuffer?
    /// GRU: W_hn h_prev + b_hn of every step `[N, H]`.
    let hn: FloatBuffer?
}
