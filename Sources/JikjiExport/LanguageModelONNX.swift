import JikjiModels
import JikjiRecurrent

/// A ``LanguageModel`` as an ONNX graph that runs generation one call at a time, its state carried
/// by the caller: `ids` (int64 `[batch, steps]`: a prompt, then one token per call), `hidden`
/// (`[layers, batch, H]`, zeros to start) and, for LSTM, `cell` in; `log_probabilities`
/// (`[batch, steps, vocabulary]`, every id's log-probability after each step, in id order),
/// `hidden_out` and `cell_out` out. The full softmax is the output layer followed by `LogSoftmax`
/// (tied weights read the embedding table); the adaptive softmax is computed exactly over the
/// whole vocabulary (head log-softmax, each tail cluster's log-softmax plus its head entry, mapped
/// from frequency ranks back to ids through the checkpoint's `frequency_order`), as Jikji's
/// generation reads it. Batch and steps are dynamic.
public enum LanguageModelONNX {
    /// The graph of `languageModel` with the weights of `stateDict` (PyTorch names).
    /// - Throws: ``ExportError/missingWeight(_:)`` when `stateDict` lacks one, ``ExportError/unsupported(_:)``
    ///   for a `frequency_order` that is not a permutation of the vocabulary.
    public static func model(_ configuration: LanguageModel.Configuration, stateDict: [String: Tensor]) throws -> ONNXModel {
        let c = configuration
        let weights = ExportWeights(stateDict)
        var m = ONNXModel(name: "jikji_language_model")
        let lstm = c.cell.hasCellState
        m.input("ids", .int64, [.named("batch"), .named("steps")], doc: "token ids: the prompt, then one id per call")
        m.input("hidden", .float, [.fixed(c.layers), .named("batch"), .fixed(c.hiddenSize)], doc: "state in; zeros to start")
        if lstm { m.input("cell", .float, [.fixed(c.layers), .named("batch"), .fixed(c.hiddenSize)], doc: "LSTM cell state in; zeros to start") }

        let embedding = try weights.tensor("embedding.weight")
        m.constant("embedding.weight", dims: embedding.shape, floats: embedding.storage)
        let embedded = m.op("Gather", ["embedding.weight", "ids"], [("axis", .int(0))])             // [batch, steps, E]
        let timeMajor = m.op("Transpose", [embedded], [("perm", .ints([1, 0, 2]))])
        let stack = try ONNXRecurrent.stack(&m, input: timeMajor, lengths: nil, initialHidden: "hidden", initialCell: lstm ? "cell" : nil,
                                            weights: stateDict, prefix: "rnn.", cell: c.cell, inputSize: c.embeddingSize,
                                            hidden: c.hiddenSize, layers: c.layers, bidirectional: false)
        let top = m.op("Transpose", [stack.output], [("perm", .ints([1, 0, 2]))])                   // [batch, steps, H]
        if let adaptive = c.adaptiveOutput {
            try adaptiveLogProbabilities(&m, top, adaptive: adaptive, vocabularySize: c.vocabularySize, weights: weights)
        } else {
            // Tied weights: the output layer is the embedding table (no fc.weight of its own).
            let table = c.tieWeights ? embedding : try weights.tensor("fc.weight")
            let logits = weights.linear(&m, top, name: "fc", weight: table, bias: try weights.tensor("fc.bias"))
            _ = m.op("LogSoftmax", [logits], [("axis", .int(-1))], output: "log_probabilities")
        }
        _ = m.op("Identity", [stack.finalHidden], output: "hidden_out")
        if let finalCell = stack.finalCell { _ = m.op("Identity", [finalCell], output: "cell_out") }
        m.output("log_probabilities", .float, [.named("batch"), .named("steps"), .fixed(c.vocabularySize)],
                 doc: "log p(next id) after each step, every id of the vocabulary")
        m.output("hidden_out", .float, [.fixed(c.layers), .named("batch"), .fixed(c.hiddenSize)], doc: "state after the last step")
        if lstm { m.output("cell_out", .float, [.fixed(c.layers), .named("batch"), .fixed(c.hiddenSize)], doc: "LSTM cell state after the last step") }
        return m
    }

    /// `log_probabilities` of an adaptive softmax over `x` (`[batch, steps, H]`), in id order.
    static func adaptiveLogProbabilities(_ m: inout ONNXModel, _ x: String, adaptive: LanguageModel.AdaptiveOutput,
                                         vocabularySize V: Int, weights: ExportWeights) throws {
        let bounds = adaptive.cutoffs + [V]
        let shortlist = adaptive.cutoffs[0]
        let headWeight = try weights.tensor("fc.head.weight")
        let headBias = adaptive.headBias ? try weights.tensor("fc.head.bias") : nil
        let head = m.op("LogSoftmax", [weights.linear(&m, x, name: "fc.head", weight: headWeight, bias: headBias)], [("axis", .int(-1))])
        func columns(_ from: Int, _ to: Int) -> String {
            m.op("Slice", [head, m.constant(dims: [1], ints: [Int64(from)]), m.constant(dims: [1], ints: [Int64(to)]),
                           m.constant(dims: [1], ints: [2])])
        }
        var byRank = [columns(0, shortlist)]
        for i in 0..<adaptive.cutoffs.count {
            let projection = try weights.tensor("fc.tail.\(i).0.weight"), output = try weights.tensor("fc.tail.\(i).1.weight")
            guard output.shape.first == bounds[i + 1] - bounds[i] else {
                throw ExportError.unsupported("fc.tail.\(i).1.weight has \(output.shape.first ?? 0) rows for a cluster of \(bounds[i + 1] - bounds[i]) ranks")
            }
            let projected = weights.linear(&m, x, name: "fc.tail.\(i).0", weight: projection, bias: nil)
            let cluster = m.op("LogSoftmax", [weights.linear(&m, projected, name: "fc.tail.\(i).1", weight: output, bias: nil)],
                               [("axis", .int(-1))])
            byRank.append(m.op("Add", [cluster, columns(shortlist + i, shortlist + i + 1)]))
        }
        let ranked = m.op("Concat", byRank, [("axis", .int(-1))])                                  // [batch, steps, V] by rank
        // Column id of the output is column rank[id] of the ranked scores.
        let order = try weights.tensor("frequency_order").storage
        var rank = [Int64](repeating: -1, count: V)
        guard order.count == V else { throw ExportError.unsupported("frequency_order holds \(order.count) ids for a vocabulary of \(V)") }
        for (r, value) in order.enumerated() {
            guard let id = Int(exactly: value), id >= 0, id < V, rank[id] < 0 else {
                throw ExportError.unsupported("frequency_order is not a permutation of the vocabulary's ids (rank \(r) holds \(value))")
            }
            rank[id] = Int64(r)
        }
        let ranks = m.constant("frequency_rank", dims: [V], ints: rank)
        _ = m.op("Gather", [ranked, ranks], [("axis", .int(2))], output: "log_probabilities")
    }
}

/// A checkpoint's weights by PyTorch name, read by the graph builders.
struct ExportWeights {
    let stateDict: [String: Tensor]

    init(_ stateDict: [String: Tensor]) { self.stateDict = stateDict }

    /// The tensor `name`.
    /// - Throws: ``ExportError/missingWeight(_:)``.
    func tensor(_ name: String) throws -> Tensor {
        guard let t = stateDict[name] else { throw ExportError.missingWeight(name) }
        return t
    }

    /// `x · weightᵀ (+ bias)` for `x` of any rank (`MatMul` broadcasts over the leading axes): the
    /// transposed weight is stored as `<name>.weight_t` (`[in, out]`), the bias as `<name>.bias`.
    func linear(_ m: inout ONNXModel, _ x: String, name: String, weight: Tensor, bias: Tensor?) -> String {
        let rows = weight.shape[0], width = weight.count / max(1, weight.shape[0])
        var transposed = [Float](repeating: 0, count: weight.count)
        for r in 0..<rows { for j in 0..<width { transposed[j * rows + r] = weight.storage[r * width + j] } }
        let w = m.constant(name + ".weight_t", dims: [width, rows], floats: transposed)
        let product = m.op("MatMul", [x, w])
        guard let bias else { return product }
        let b = m.constant(name + ".bias", dims: [bias.count], floats: bias.storage)
        return m.op("Add", [product, b])
    }
}
