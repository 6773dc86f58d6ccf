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
        if actual.shape != expected.shape {
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
    /// luong_attention_*: one decoder step; weights, context, attentional hidden and the gradients
    /// of `sum(h̃ ⊙ grad_attentional_hidden)`.
    static func checkLuongAttention(_ fixture: TorchFixture) throws -> [String] {
        guard let name = fixture.config["score"] as? String, let score = LuongAttention.Score(rawValue: name) else {
            throw FixtureError.missingConfig(fixture.name, "score")
        }
        let attention = try LuongAttention(
            score: score, combineWeight: try fixture.jikjiTensor("W_c.weight"),
            scoreWeight: fixture.tensors["W_a.weight"] == nil ? nil : try fixture.jikjiTensor("W_a.weight"),
            scoreVector: fixture.tensors["v.weight"] == nil ? nil : try fixture.jikjiTensor("v.weight"))
        let state = LuongAttentionState()
        let hidden = try attention.forward(
            encoderOutputs: try fixture.jikjiTensor("encoder_outputs"),
            sourceLengths: try fixture.tensor("source_lengths").ints,
            decoderStates: try fixture.jikjiTensor("decoder_hidden"), state: state)
        let grads = attention.backward(attentionalGradient: try fixture.jikjiTensor("grad_attentional_hidden"), state: state)
        var list = MismatchList()
        try list.compare(state.attentionWeights, fixture, "weights")
        try list.compare(state.contexts, fixture, "context")
        try list.compare(hidden, fixture, "attentional_hidden")
        try list.compare(grads.encoderOutputs, fixture, "grad.encoder_outputs")
        try list.compare(grads.decoderStates, fixture, "grad.decoder_hidden")
        for (name, parameter) in attention.namedParameters {
            try list.compare(parameter.gradient, fixture, "grad." + name)
        }
        return list.problems
    }
    /// optimizer_*: the parameter after each step with the fixture's gradients `grad0, grad1, …`.
    static func checkOptimizer(_ fixture: TorchFixture) throws -> [String] {
        let parameter = Parameter(try fixture.jikjiTensor("param0"))
        let named = [(name: "param", parameter: parameter)]
        let lr = Float(try fixture.double("lr"))
        let weightDecay = Float(try fixture.double("weight_decay"))
        var optimizer: any Optimizer
        if fixture.name.hasPrefix("optimizer_sgd") {
            guard (fixture.config["nesterov"] as? Bool) != nil else { throw FixtureError.missingConfig(fixture.name, "nesterov") }
            optimizer = SGD(parameters: named, learningRate: lr, momentum: Float(try fixture.double("momentum")),
                            dampening: Float(try fixture.double("dampening")), weightDecay: weightDecay,
                            nesterov: fixture.config["nesterov"] as? Bool ?? false)
        } else if fixture.name.hasPrefix("optimizer_adam") {
            guard let betas = fixture.config["betas"] as? [Double], betas.count == 2,
                  let decoupled = fixture.config["decoupled_weight_decay"] as? Bool else {
                throw FixtureError.missingConfig(fixture.name, "betas / decoupled_weight_decay")
            }
            optimizer = Adam(parameters: named, learningRate: lr, betas: (Float(betas[0]), Float(betas[1])),
                             epsilon: Float(try fixture.double("eps")), weightDecay: weightDecay,
                             decoupledWeightDecay: decoupled)
        } else {
            return ["no optimizer for fixture '\(fixture.name)'"]
        }
        var list = MismatchList()
        var step = 0
        while fixture.tensors["grad\(step)"] != nil {
            parameter.gradient = try fixture.jikjiTensor("grad\(step)")
            optimizer.step()
            try list.compare(parameter.value, fixture, "param\(step + 1)")
            step += 1
        }
        if step == 0 { list.problems.append("fixture has no grad0") }
        return list.problems
    }

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

    /// clip_grad_norm: the total norm before clipping and every clipped gradient `grad<k>` → `clipped<k>`.
    static func checkClipGradNorm(_ fixture: TorchFixture) throws -> [String] {
        var parameters: [Parameter] = []
        var k = 1
        while fixture.tensors["grad\(k)"] != nil {
            let gradient = try fixture.jikjiTensor("grad\(k)")
            let parameter = Parameter(JikjiRecurrent.Tensor(shape: gradient.shape))
            parameter.gradient = gradient
            parameters.append(parameter)
            k += 1
        }
        let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: Float(try fixture.double("max_norm")))
        var list = MismatchList()
        try list.compare(norm, fixture, "total_norm")
        for (index, parameter) in parameters.enumerated() {
            try list.compare(parameter.gradient, fixture, "clipped\(index + 1)")
        }
        return list.problems
    }
}
