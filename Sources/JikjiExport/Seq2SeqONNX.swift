import JikjiModels
import JikjiRecurrent

/// A ``Seq2Seq`` as two ONNX graphs, so greedy decoding and beam search can run outside Jikji.
///
/// The encoder graph: `ids` (int64 `[batch, steps]`, post-padded) and `lengths` (int64 `[batch]`)
/// in; `encoder_outputs` (`[batch, steps, encoder width]`), `source_mask` (bool `[batch, steps]`,
/// true on valid steps) and the decoder's initial `hidden` (and `cell` for an LSTM decoder,
/// `[decoder layers, batch, H]`) out, through the bridge of the job (projection, sum of
/// directions, or the states as they are; decoder layer l starts from encoder layer min(l, L−1)).
///
/// The decoder-step graph: the previous `token` (int64 `[batch]`; the start id first), `hidden`,
/// `cell`, with input feeding the previous step's `attentional` as `feed` (zeros first), and
/// `encoder_outputs` and `source_mask` in; `logits` and `log_probabilities` (`[batch, vocabulary]`),
/// `hidden_out`, `cell_out` and `attentional` (the attentional hidden state `tanh(W_c [h_t; c_t])`,
/// the decoder state itself without attention) out.
public enum Seq2SeqONNX {
    /// The encoder graph of `configuration` with the weights of `stateDict` (PyTorch names).
    /// - Throws: ``ExportError/missingWeight(_:)`` when `stateDict` lacks one.
    public static func encoder(_ configuration: Seq2Seq.Configuration, stateDict: [String: Tensor]) throws -> ONNXModel {
        let c = configuration, weights = ExportWeights(stateDict)
        let De = c.encoder.bidirectional ? 2 : 1, He = c.encoder.hiddenSize, Hd = c.decoder.hiddenSize
        var m = ONNXModel(name: "jikji_seq2seq_encoder")
        m.input("ids", .int64, [.named("batch"), .named("steps")], doc: "source ids, post-padded")
        m.input("lengths", .int64, [.named("batch")], doc: "valid ids per row, 1...steps")
        let table = try weights.tensor("src_embedding.weight")
        m.constant("src_embedding.weight", dims: table.shape, floats: table.storage)
        let embedded = m.op("Gather", ["src_embedding.weight", "ids"], [("axis", .int(0))])
        let lengths32 = m.op("Cast", ["lengths"], [("to", .int(ONNXModel.ElementType.int32.rawValue))])
        let stack = try ONNXRecurrent.stack(&m, input: m.op("Transpose", [embedded], [("perm", .ints([1, 0, 2]))]), lengths: lengths32,
                                            weights: stateDict, prefix: "encoder.", cell: c.encoder.cell, inputSize: c.embeddingSize,
                                            hidden: He, layers: c.encoder.layers, bidirectional: c.encoder.bidirectional)
        _ = m.op("Transpose", [stack.output], [("perm", .ints([1, 0, 2]))], output: "encoder_outputs")

        let steps = m.op("Gather", [m.op("Shape", ["ids"]), m.constant(dims: [], ints: [1])], [("axis", .int(0))])
        let range = m.op("Range", [m.constant(dims: [], ints: [0]), steps, m.constant(dims: [], ints: [1])])
        _ = m.op("Less", [m.op("Unsqueeze", [range, m.constant(dims: [1], ints: [0])]),
                          m.op("Unsqueeze", ["lengths", m.constant(dims: [1], ints: [1])])], output: "source_mask")

        // The bridge, per decoder layer, from `[D, batch, He]` states laid side by side as `[batch, D·He]`.
        let sideBySide = m.constant(dims: [2], ints: [0, Int64(De * He)])
        func bridged(_ layerStates: [String], linear: String?) throws -> String {
            let rows = try (0..<c.decoder.layers).map { l -> String in
                let states = layerStates[min(l, c.encoder.layers - 1)]
                let x = m.op("Reshape", [m.op("Transpose", [states], [("perm", .ints([1, 0, 2]))]), sideBySide])
                let y: String
                if let linear {
                    y = weights.linear(&m, x, name: "\(linear).l\(l)", weight: try weights.tensor("\(linear).weight"),
                                       bias: try weights.tensor("\(linear).bias"))
                } else if c.bridge == .sum && De == 2 {
                    let halves = m.node("Split", [x, m.constant(dims: [2], ints: [Int64(He), Int64(He)])], outputCount: 2,
                                        [("axis", .int(1))])
                    y = m.op("Add", halves)
                } else {
                    y = x
                }
                return m.op("Unsqueeze", [y, m.constant(dims: [1], ints: [0])])
            }
            return rows.count == 1 ? rows[0] : m.op("Concat", rows, [("axis", .int(0))])
        }
        let projects = c.bridge == .project && encoderWidth(c) != Hd
        _ = m.op("Identity", [try bridged(stack.layerHidden, linear: projects ? "bridge_h" : nil)], output: "hidden")
        let decoderLSTM = c.decoder.cell.hasCellState
        if decoderLSTM {
            if c.encoder.cell.hasCellState {
                _ = m.op("Identity", [try bridged(stack.layerCell, linear: projects ? "bridge_c" : nil)], output: "cell")
            } else {
                // An encoder without cell states starts the LSTM decoder's cells at zero, as Jikji does.
                _ = m.op("Mul", ["hidden", m.constant("zero", dims: [], floats: [0])], output: "cell")
            }
        }
        m.output("encoder_outputs", .float, [.named("batch"), .named("steps"), .fixed(encoderWidth(c))], doc: "top encoder layer per step")
        m.output("source_mask", .bool, [.named("batch"), .named("steps")], doc: "true on the valid steps of each row")
        m.output("hidden", .float, [.fixed(c.decoder.layers), .named("batch"), .fixed(Hd)], doc: "the decoder's initial state")
        if decoderLSTM { m.output("cell", .float, [.fixed(c.decoder.layers), .named("batch"), .fixed(Hd)], doc: "the decoder's initial cell state") }
        return m
    }

    /// The decoder-step graph of `configuration` with the weights of `stateDict` (PyTorch names).
    /// - Throws: ``ExportError/missingWeight(_:)`` when `stateDict` lacks one.
    public static func decoderStep(_ configuration: Seq2Seq.Configuration, stateDict: [String: Tensor]) throws -> ONNXModel {
        let c = configuration, weights = ExportWeights(stateDict)
        let Hd = c.decoder.hiddenSize, We = encoderWidth(c), lstm = c.decoder.cell.hasCellState
        let state: [ONNXModel.Dimension] = [.fixed(c.decoder.layers), .named("batch"), .fixed(Hd)]
        var m = ONNXModel(name: "jikji_seq2seq_decoder_step")
        m.input("token", .int64, [.named("batch")], doc: "the previous output id (the start id at the first step)")
        m.input("hidden", .float, state, doc: "decoder state (the encoder graph's hidden first)")
        if lstm { m.input("cell", .float, state, doc: "decoder cell state (the encoder graph's cell first)") }
        if c.inputFeeding { m.input("feed", .float, [.named("batch"), .fixed(Hd)], doc: "the previous step's attentional output; zeros first") }
        if c.attention != .none {
            m.input("encoder_outputs", .float, [.named("batch"), .named("source_steps"), .fixed(We)], doc: "the encoder graph's encoder_outputs")
            m.input("source_mask", .bool, [.named("batch"), .named("source_steps")], doc: "the encoder graph's source_mask")
        }
        let table = try weights.tensor("tgt_embedding.weight")
        m.constant("tgt_embedding.weight", dims: table.shape, floats: table.storage)
        var x = m.op("Gather", ["tgt_embedding.weight", "token"], [("axis", .int(0))])             // [batch, E]
        if c.inputFeeding { x = m.op("Concat", [x, "feed"], [("axis", .int(1))]) }
        let axis0 = m.constant(dims: [1], ints: [0])
        let stack = try ONNXRecurrent.stack(&m, input: m.op("Unsqueeze", [x, axis0]), lengths: nil, initialHidden: "hidden",
                                            initialCell: lstm ? "cell" : nil, weights: stateDict, prefix: "decoder.",
                                            cell: c.decoder.cell, inputSize: c.embeddingSize + (c.inputFeeding ? Hd : 0),
                                            hidden: Hd, layers: c.decoder.layers, bidirectional: false)
        let h = m.op("Squeeze", [stack.output, axis0])                                              // [batch, Hd]
        var attentional = h
        if let score = c.attention.score { attentional = try attend(&m, h, decoderSize: Hd, score: score, weights: weights) }
        _ = m.op("Identity", [attentional], output: "attentional")
        let logits = weights.linear(&m, "attentional", name: "out", weight: try weights.tensor("out.weight"), bias: try weights.tensor("out.bias"))
        _ = m.op("Identity", [logits], output: "logits")
        _ = m.op("LogSoftmax", ["logits"], [("axis", .int(1))], output: "log_probabilities")
        _ = m.op("Identity", [stack.finalHidden], output: "hidden_out")
        if let finalCell = stack.finalCell { _ = m.op("Identity", [finalCell], output: "cell_out") }
        m.output("logits", .float, [.named("batch"), .fixed(c.vocabularySize)], doc: "the output layer's values")
        m.output("log_probabilities", .float, [.named("batch"), .fixed(c.vocabularySize)], doc: "log p(next id)")
        m.output("hidden_out", .float, state, doc: "decoder state after this step")
        if lstm { m.output("cell_out", .float, state, doc: "decoder cell state after this step") }
        m.output("attentional", .float, [.named("batch"), .fixed(Hd)], doc: "the attentional state: the next step's feed")
        return m
    }

    /// Luong attention of decoder state `h` (`[batch, Hd]`) over `encoder_outputs` masked by
    /// `source_mask`: scores, softmax over valid steps, context, `tanh(W_c [h; context])`.
    static func attend(_ m: inout ONNXModel, _ h: String, decoderSize hd: Int, score: LuongAttention.Score,
                       weights: ExportWeights) throws -> String {
        let memory = "encoder_outputs"                                                              // [batch, S, We]
        let last = m.constant(dims: [1], ints: [2]), middle = m.constant(dims: [1], ints: [1])
        let scores: String                                                                          // [batch, S]
        switch score {
        case .dot:
            scores = m.op("Squeeze", [m.op("MatMul", [memory, m.op("Unsqueeze", [h, last])]), last])
        case .general:
            let query = weights.linear(&m, h, name: "W_a", weight: try weights.tensor("W_a.weight"), bias: nil)   // [batch, We]
            scores = m.op("Squeeze", [m.op("MatMul", [memory, m.op("Unsqueeze", [query, last])]), last])
        case .concat:
            // W_a [h_t; h_s] = W_a[:, :Hd] h_t + W_a[:, Hd:] h_s.
            let wa = try weights.tensor("W_a.weight")
            let A = wa.shape[0], width = wa.shape[1]
            let (forState, forSource) = split(wa, rows: A, width: width, at: hd)
            let fromState = m.op("Unsqueeze", [weights.linear(&m, h, name: "W_a.state", weight: forState, bias: nil), middle])
            let fromSource = weights.linear(&m, memory, name: "W_a.source", weight: forSource, bias: nil)          // [batch, S, A]
            let hiddenScores = m.op("Tanh", [m.op("Add", [fromSource, fromState])])
            let v = try weights.tensor("v.weight")
            scores = m.op("Squeeze", [weights.linear(&m, hiddenScores, name: "v", weight: v, bias: nil), last])
        }
        let lowest = m.constant("attention.lowest", dims: [], floats: [-Float.greatestFiniteMagnitude])
        let attentionWeights = m.op("Softmax", [m.op("Where", ["source_mask", scores, lowest])], [("axis", .int(1))])
        let context = m.op("Squeeze", [m.op("MatMul", [m.op("Unsqueeze", [attentionWeights, middle]), memory]), middle])   // [batch, We]
        let combined = m.op("Concat", [h, context], [("axis", .int(1))])
        return m.op("Tanh", [weights.linear(&m, combined, name: "W_c", weight: try weights.tensor("W_c.weight"), bias: nil)])
    }

    /// The encoder's output width: its hidden size times its directions.
    static func encoderWidth(_ c: Seq2Seq.Configuration) -> Int { c.encoder.hiddenSize * (c.encoder.bidirectional ? 2 : 1) }

    /// `matrix` (`[rows, width]`) split by columns at `at`: `[rows, at]` and `[rows, width − at]`.
    static func split(_ matrix: Tensor, rows: Int, width: Int, at: Int) -> (Tensor, Tensor) {
        var left: [Float] = [], right: [Float] = []
        for r in 0..<rows {
            left += matrix.storage[(r * width)..<(r * width + at)]
            right += matrix.storage[(r * width + at)..<((r + 1) * width)]
        }
        return (Tensor(shape: [rows, at], values: left), Tensor(shape: [rows, width - at], values: right))
    }
}
