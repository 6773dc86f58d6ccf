import JikjiModels
import JikjiRecurrent

/// A ``SequenceClassifier`` as an ONNX graph: `ids` (int64 `[batch, steps]`, post-padded) and
/// `lengths` (int64 `[batch]`, each in 1...steps) in; `logits` (`[batch, 1]` for a one-logit
/// binary head, `[batch, classes]` otherwise) and `probabilities` (`[batch, classes]`: sigmoid as
/// (1 − p, p), or softmax) out. Embedding (`Gather`), the recurrent layers (ONNX's own operators,
/// packed by `sequence_lens`), the pooling of the job (final states, or the mean or maximum over
/// valid steps), the output layer (`Gemm`). Batch and length are dynamic.
public enum ClassifierONNX {
    /// The graph of `classifier` with the weights of `stateDict` (PyTorch names: `embedding.weight`,
    /// `rnn.*`, `fc.*`).
    /// - Throws: ``ExportError/missingWeight(_:)`` when `stateDict` lacks one;
    ///   ``ExportError/unsupported(_:)`` for concat and attention pooling, which have no graph yet.
    public static func model(_ configuration: SequenceClassifier.Configuration, stateDict: [String: Tensor]) throws -> ONNXModel {
        if configuration.pooling == .concat || configuration.pooling == .attention {
            throw ExportError.unsupported("model.pooling: \(configuration.pooling.rawValue) has no ONNX export yet (final, mean and max have); "
                                          + (configuration.pooling == .concat ? "export it with --format pytorch" : "the run cannot be exported"))
        }
        func weight(_ name: String) throws -> Tensor {
            guard let t = stateDict[name] else { throw ExportError.missingWeight(name) }
            return t
        }
        let c = configuration
        let D = c.bidirectional ? 2 : 1, width = c.encoderWidth
        var m = ONNXModel(name: "jikji_classifier")
        m.input("ids", .int64, [.named("batch"), .named("steps")], doc: "token ids, post-padded")
        m.input("lengths", .int64, [.named("batch")], doc: "valid ids per row, 1...steps")

        let embedding = try weight("embedding.weight")
        m.constant("embedding.weight", dims: embedding.shape, floats: embedding.storage)
        let lengths32 = m.op("Cast", ["lengths"], [("to", .int(ONNXModel.ElementType.int32.rawValue))])
        let embedded = m.op("Gather", ["embedding.weight", "ids"], [("axis", .int(0))])
        var x = m.op("Transpose", [embedded], [("perm", .ints([1, 0, 2]))])          // [steps, batch, E]
        let flatShape = m.constant(dims: [3], ints: [0, 0, -1])
        var finalStates = ""
        for layer in 0..<c.layers {
            let (y, yh, _) = try ONNXRecurrent.layer(&m, input: x, lengths: lengths32, weights: stateDict, prefix: "rnn.", layer: layer,
                                                  cell: c.cell, inputSize: layer == 0 ? c.embeddingSize : width,
                                                  hidden: c.hiddenSize, bidirectional: c.bidirectional)
            // [steps, D, batch, H] → [steps, batch, D·H]: forward then reverse features, as PyTorch concatenates them.
            x = m.op("Reshape", [m.op("Transpose", [y], [("perm", .ints([0, 2, 1, 3]))]), flatShape])
            finalStates = yh
        }
        let pooled: String
        switch c.pooling {
        case .final:
            let batchFirst = m.op("Transpose", [finalStates], [("perm", .ints([1, 0, 2]))])   // [batch, D, H]
            pooled = m.op("Reshape", [batchFirst, m.constant(dims: [2], ints: [0, Int64(D * c.hiddenSize)])])
        case .mean, .max:
            let sequence = m.op("Transpose", [x], [("perm", .ints([1, 0, 2]))])             // [batch, steps, D·H]
            let steps = m.op("Gather", [m.op("Shape", ["ids"]), m.constant(dims: [], ints: [1])], [("axis", .int(0))])
            let range = m.op("Range", [m.constant(dims: [], ints: [0]), steps, m.constant(dims: [], ints: [1])])
            let valid = m.op("Less", [m.op("Unsqueeze", [range, m.constant(dims: [1], ints: [0])]),
                                      m.op("Unsqueeze", ["lengths", m.constant(dims: [1], ints: [1])])])   // [batch, steps]
            let valid3 = m.op("Unsqueeze", [valid, m.constant(dims: [1], ints: [2])])                       // [batch, steps, 1]
            if c.pooling == .mean {
                let mask = m.op("Cast", [valid3], [("to", .int(ONNXModel.ElementType.float.rawValue))])
                let sum = m.op("ReduceSum", [m.op("Mul", [sequence, mask]), m.constant(dims: [1], ints: [1])], [("keepdims", .int(0))])
                let count = m.op("Cast", [m.op("Unsqueeze", ["lengths", m.constant(dims: [1], ints: [1])])],
                                 [("to", .int(ONNXModel.ElementType.float.rawValue))])
                pooled = m.op("Div", [sum, count])
            } else {
                let lowest = m.constant("lowest", dims: [], floats: [-Float.greatestFiniteMagnitude])
                pooled = m.op("ReduceMax", [m.op("Where", [valid3, sequence, lowest])], [("axes", .ints([1])), ("keepdims", .int(0))])
            }
        case .concat, .attention:
            throw ExportError.unsupported("model.pooling: \(c.pooling.rawValue) has no ONNX export yet")
        }
        let fcWeight = try weight("fc.weight"), fcBias = try weight("fc.bias")
        m.constant("fc.weight", dims: fcWeight.shape, floats: fcWeight.storage)
        m.constant("fc.bias", dims: fcBias.shape, floats: fcBias.storage)
        _ = m.op("Gemm", [pooled, "fc.weight", "fc.bias"], [("transB", .int(1))], output: "logits")
        if c.outputSize == 1 {
            let p = m.op("Sigmoid", ["logits"])
            let q = m.op("Sub", [m.constant("one", dims: [], floats: [1]), p])
            _ = m.op("Concat", [q, p], [("axis", .int(1))], output: "probabilities")
        } else {
            _ = m.op("Softmax", ["logits"], [("axis", .int(1))], output: "probabilities")
        }
        m.output("logits", .float, [.named("batch"), .fixed(c.outputSize)],
                 doc: c.outputSize == 1 ? "one logit: class 1 from 0 up" : "one logit per class")
        m.output("probabilities", .float, [.named("batch"), .fixed(c.classes)], doc: "every class's probability")
        return m
    }
}
