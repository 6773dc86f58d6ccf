import JikjiRecurrent
import JikjiTestSupport

extension TorchParity {
    /// rnn_*, lstm_*, gru_* fixtures: a recurrent layer's outputs and gradients.
    ///
    /// Loads the fixture's weights into a ``RecurrentLayer`` of the fixture's configuration,
    /// runs forward with its h0 (and c0) and lengths, then backward with its `grad_output`,
    /// `grad_h_n` (and `grad_c_n`), and compares outputs, final states and every gradient.
    static func checkRecurrentLayer(_ fixture: TorchFixture) throws -> [String] {
        let layer = try makeRecurrentLayer(fixture, prefix: "")
        let input = try fixture.tensor("input")
        let lengths = fixture.config["lengths"] as? [Int]
        let h0 = try fixtureTensor(fixture, "h0")
        let c0 = layer.cell.hasCellState ? try fixtureTensor(fixture, "c0") : nil
        let result = try layer.forward(
            Tensor(shape: input.shape, values: input.floats), lengths: lengths, initialHidden: h0, initialCell: c0)
        var problems: [String] = []
        func compare(_ actual: Tensor?, _ key: String) throws {
            let expected = try fixture.tensor(key)
            guard let actual else { problems.append("\(key): not produced"); return }
            if actual.shape != expected.shape {
                problems.append("\(key): shape \(actual.shape), expected \(expected.shape)")
                return
            }
            if let report = closenessReport(actual.storage, expected.floats, label: key) { problems.append(report) }
        }
        try compare(result.output, "output")
        try compare(result.finalHidden, "h_n")
        if layer.cell.hasCellState { try compare(result.finalCell, "c_n") }

        let gradients = try layer.backward(
            result.tape,
            outputGradient: try fixtureTensor(fixture, "grad_output"),
            finalHiddenGradient: try fixtureTensor(fixture, "grad_h_n"),
            finalCellGradient: layer.cell.hasCellState ? try fixtureTensor(fixture, "grad_c_n") : nil)
        try compare(gradients.input, "grad.input")
        try compare(gradients.initialHidden, "grad.h0")
        if layer.cell.hasCellState { try compare(gradients.initialCell, "grad.c0") }
        for (name, parameter) in layer.namedParameters {
            try compare(parameter.gradient, "grad." + name)
        }
        return problems
    }

    /// classifier_bi*: embedding (padding id 0) → bidirectional RNN/LSTM/GRU over packed
    /// sequences → concat(final forward h, final backward h) → Linear(2H, 1) → BCE with logits.
    /// Checks the logits, the loss and the gradient of every parameter.
    static func checkClassifier(_ fixture: TorchFixture) throws -> [String] {
        let ids = try fixture.tensor("ids")
        let batch = ids.shape[0], steps = ids.shape[1]
        let lengths = try fixture.tensor("lengths").ints
        let labels = try fixtureTensor(fixture, "labels")
        let embedding = try Embedding(weight: try fixtureTensor(fixture, "embedding.weight"), paddingIndex: 0)
        let fc = try Linear(weight: try fixtureTensor(fixture, "fc.weight"), bias: try fixtureTensor(fixture, "fc.bias"))
        guard let cellName = fixture.config["cell"] as? String else {
            throw FixtureError.missingConfig(fixture.name, "cell")
        }
        let cell: RecurrentCell = cellName == "lstm" ? .lstm : cellName == "gru" ? .gru : .rnnTanh
        var generator = SeededGenerator(seed: 1)
        let rnn = try RecurrentLayer(cell: cell, inputSize: try fixture.int("embedding"),
                                     hiddenSize: try fixture.int("hidden"), bidirectional: true,
                                     generator: &generator)
        for (name, parameter) in rnn.namedParameters {
            parameter.value = try fixtureTensor(fixture, "rnn." + name)
        }
        let H = rnn.hiddenSize

        // Forward.
        let embedded = try embedding.forward(ids: ids.ints, shape: [batch, steps])
        let encoded = try rnn.forward(embedded, lengths: lengths)
        var features = Tensor(shape: [batch, 2 * H])
        for b in 0..<batch {
            for d in 0..<2 {
                for j in 0..<H { features[b, d * H + j] = encoded.finalHidden[d, b, j] }
            }
        }
        let logits = fc.forward(features).reshaped([batch])
        let loss = try Loss.binaryCrossEntropyWithLogits(logits: logits, labels: labels)

        // Backward.
        let dFeatures = fc.backward(input: features, outputGradient: loss.gradient.reshaped([batch, 1]))
        var dHidden = Tensor(shape: [2, batch, H])
        for b in 0..<batch {
            for d in 0..<2 {
                for j in 0..<H { dHidden[d, b, j] = dFeatures[b, d * H + j] }
            }
        }
        let gradients = try rnn.backward(encoded.tape, outputGradient: nil, finalHiddenGradient: dHidden)
        embedding.backward(ids: ids.ints, outputGradient: gradients.input)

        var problems: [String] = []
        func compare(_ actual: [Float], _ key: String) throws {
            if let report = closenessReport(actual, try fixture.tensor(key).floats, label: key) { problems.append(report) }
        }
        try compare(logits.storage, "logits")
        try compare([loss.value], "loss")
        let all = embedding.namedParameters(prefix: "embedding") + rnn.namedParameters(prefix: "rnn")
            + fc.namedParameters(prefix: "fc")
        for (name, parameter) in all {
            try compare(parameter.gradient.storage, "grad." + name)
        }
        return problems
    }

    /// A fixture tensor as a Jikji tensor.
    static func fixtureTensor(_ fixture: TorchFixture, _ key: String) throws -> Tensor {
        let t = try fixture.tensor(key)
        return Tensor(shape: t.shape, values: t.floats)
    }

    /// A recurrent layer configured from a fixture's `config` (layer fixtures) whose weights
    /// are the fixture's tensors named `prefix + weight_ih_l0` and so on.
    static func makeRecurrentLayer(
        _ fixture: TorchFixture, prefix: String, cellKey: String = "kind", inputKey: String = "input_size",
        hiddenKey: String = "hidden_size"
    ) throws -> RecurrentLayer {
        guard let kind = fixture.config[cellKey] as? String else { throw FixtureError.missingConfig(fixture.name, cellKey) }
        let cell: RecurrentCell
        switch kind {
        case "lstm": cell = .lstm
        case "gru": cell = .gru
        case "rnn": cell = (fixture.config["nonlinearity"] as? String) == "relu" ? .rnnReLU : .rnnTanh
        default: throw FixtureError.malformed(fixture.name, "unknown recurrent kind '\(kind)'")
        }
        var generator = SeededGenerator(seed: 1)
        let layer = try RecurrentLayer(
            cell: cell, inputSize: try fixture.int(inputKey), hiddenSize: try fixture.int(hiddenKey),
            layerCount: (fixture.config["num_layers"] as? Int) ?? 1,
            bidirectional: (fixture.config["bidirectional"] as? Bool) ?? false,
            generator: &generator)
        for (name, parameter) in layer.namedParameters {
            let value = try fixtureTensor(fixture, prefix + name)
            guard value.shape == parameter.value.shape else {
                throw FixtureError.malformed(fixture.name, "\(prefix + name) has shape \(value.shape), layer expects \(parameter.value.shape)")
            }
            parameter.value = value
        }
        return layer
    }
}
