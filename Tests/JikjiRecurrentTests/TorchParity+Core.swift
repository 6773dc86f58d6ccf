import JikjiRecurrent
import JikjiTestSupport

/// Helpers shared by the parity checks: fixture tensors as Jikji tensors, comparisons.
extension TorchFixture {
    /// The fixture tensor `key` as a Jikji tensor of the same shape.
    func jikjiTensor(_ key: String) throws -> JikjiRecurrent.Tensor {
        let t = try tensor(key)
        return JikjiRecurrent.Tensor(shape: t.shape, values: t.floats)
    }

    /// A Double setting of `config`.
    func double(_ key: String) throws -> Double {
        guard let v = config[key] as? Double else { throw FixtureError.missingConfig(name, key) }
        return v
    }
}

/// Collects mismatches between Jikji's values and a fixture's.
struct MismatchList {
    var problems: [String] = []

    /// Compares `actual` with fixture tensor `key` (values and shape).
    mutating func compare(_ actual: JikjiRecurrent.Tensor, _ fixture: TorchFixture, _ key: String) throws {
        let expected = try fixture.tensor(key)
        if actual.count != expected.values.count {
            problems.append("\(key): shape \(actual.shape), expected \(expected.shape)")
            return
        }
        if let report = closenessReport(actual.storage, expected.floats, label: key) { problems.append(report) }
    }

    /// Compares a scalar with the one-element fixture tensor `key`.
    mutating func compare(_ actual: Float, _ fixture: TorchFixture, _ key: String) throws {
        try compare(JikjiRecurrent.Tensor(shape: [1], values: [actual]), fixture, key)
    }
}

extension TorchParity {
    static func checkLuongAttention(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
    static func checkOptimizer(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }

    /// bce_with_logits: loss and d loss / d logits.
    static func checkBCEWithLogits(_ fixture: TorchFixture) throws -> [String] {
        let result = try Loss.binaryCrossEntropyWithLogits(
            logits: try fixture.jikjiTensor("logits"), labels: try fixture.jikjiTensor("labels"))
        var list = MismatchList()
        try list.compare(result.value, fixture, "loss")
        try list.compare(result.gradient, fixture, "grad.logits")
        return list.problems
    }

    /// cross_entropy_label_smoothing: loss and d loss / d logits with ε from the config.
    static func checkCrossEntropyLabelSmoothing(_ fixture: TorchFixture) throws -> [String] {
        let result = try Loss.crossEntropy(
            logits: try fixture.jikjiTensor("logits"), targets: try fixture.tensor("targets").ints,
            labelSmoothing: Float(try fixture.double("label_smoothing")))
        var list = MismatchList()
        try list.compare(result.value, fixture, "loss")
        try list.compare(result.gradient, fixture, "grad.logits")
        return list.problems
    }

    /// embedding_linear_cross_entropy: Embedding(padding) → Linear → cross-entropy(ignore index).
    static func checkEmbeddingLinearCrossEntropy(_ fixture: TorchFixture) throws -> [String] {
        let ids = try fixture.tensor("ids")
        let embedding = try Embedding(weight: try fixture.jikjiTensor("embedding.weight"),
                                      paddingIndex: try fixture.int("padding_idx"))
        let linear = try Linear(weight: try fixture.jikjiTensor("linear.weight"),
                                bias: try fixture.jikjiTensor("linear.bias"))
        let embedded = try embedding.forward(ids: ids.ints, shape: ids.shape)
        let logits = linear.forward(embedded)
        let loss = try Loss.crossEntropy(logits: logits, targets: try fixture.tensor("targets").ints,
                                         ignoreIndex: try fixture.int("ignore_index"))
        let dEmbedded = linear.backward(input: embedded, outputGradient: loss.gradient)
        embedding.backward(ids: ids.ints, outputGradient: dEmbedded)
        var list = MismatchList()
        try list.compare(logits, fixture, "logits")
        try list.compare(loss.value, fixture, "loss")
        try list.compare(embedding.weight.gradient, fixture, "grad.embedding.weight")
        try list.compare(linear.weight.gradient, fixture, "grad.linear.weight")
        try list.compare(linear.bias!.gradient, fixture, "grad.linear.bias")
        return list.problems
    }

    static func checkClipGradNorm(_ fixture: TorchFixture) throws -> [String] { ["not implemented yet"] }
}
