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
}
