import XCTest
import JikjiModels
import JikjiRecurrent
import JikjiTestSupport

/// The classifier against PyTorch's `classifier_bi{lstm,gru}.json`: same weights in, same
/// logits, loss and every parameter gradient out.
final class ClassifierParityTests: XCTestCase {
    func testBidirectionalLSTMClassifierMatchesPyTorch() throws {
        try check("classifier_bilstm")
    }

    func testBidirectionalGRUClassifierMatchesPyTorch() throws {
        try check("classifier_bigru")
    }

    /// `model.loss: cross_entropy` with two classes: `fc.weight [2, H]` as PyTorch's `nn.Linear(H, 2)`
    /// with `F.cross_entropy` (fixture made by scripts/make-classifier-ce-fixture.py with PyTorch).
    func testTwoClassCrossEntropyClassifierMatchesPyTorch() throws {
        let url = ProjectPaths.root.appendingPathComponent("Tests/JikjiModelsTests/Fixtures/classifier_bilstm_ce.json")
        try check(TorchFixture(contentsOf: url), loss: .crossEntropy)
    }

    /// The default two-class head is one logit (BCE): `fc.weight [1, H]`.
    func testTwoClassDefaultIsOneBinaryLogit() throws {
        var generator = SeededGenerator(seed: 1)
        let bce = try SequenceClassifier(.init(vocabularySize: 9, embeddingSize: 3, cell: .gru, hiddenSize: 4, classes: 2),
                                         generator: &generator)
        XCTAssertEqual(bce.output.weight.value.shape, [1, 8])
        let ce = try SequenceClassifier(.init(vocabularySize: 9, embeddingSize: 3, cell: .gru, hiddenSize: 4, classes: 2,
                                              loss: .crossEntropy), generator: &generator)
        XCTAssertEqual(ce.output.weight.value.shape, [2, 8])
        XCTAssertThrowsError(try SequenceClassifier(.init(vocabularySize: 9, embeddingSize: 3, cell: .gru, hiddenSize: 4,
                                                          classes: 3, loss: .binaryCrossEntropy), generator: &generator))
    }

    func check(_ name: String) throws {
        try check(TorchFixture(contentsOf: try ProjectPaths.reference("torch/\(name).json")), loss: .binaryCrossEntropy)
    }

    func check(_ fixture: TorchFixture, loss objective: SequenceClassifier.Objective) throws {
        let ids = try fixture.tensor("ids")
        let (batch, steps) = (ids.shape[0], ids.shape[1])
        let config = SequenceClassifier.Configuration(
            vocabularySize: try fixture.int("vocab"), embeddingSize: try fixture.int("embedding"),
            cell: try XCTUnwrap(RecurrentCell(rawValue: fixture.config["cell"] as? String ?? "?")), hiddenSize: try fixture.int("hidden"),
            layers: 1, bidirectional: true, pooling: .final, classes: 2, loss: objective, paddingIndex: 0)
        var generator = SeededGenerator(seed: 1)
        let model = try SequenceClassifier(config, generator: &generator)
        for (name, parameter) in model.namedParameters {
            let t = try fixture.tensor(name)
            XCTAssertEqual(parameter.value.shape, t.shape, name)
            parameter.value = Tensor(shape: t.shape, values: t.floats)
        }
        let (logits, tape) = try model.forward(ids: ids.int32s, batch: batch, steps: steps, lengths: try fixture.tensor("lengths").ints,
                                               training: false, generator: &generator)
        var problems: [String] = []
        if let p = closenessReport(logits.storage, try fixture.tensor("logits").floats, label: "logits") { problems.append(p) }
        let loss = try model.loss(logits: logits, labels: try fixture.tensor("labels").ints)
        if let p = closenessReport([loss.value], try fixture.tensor("loss").floats, label: "loss") { problems.append(p) }
        try model.backward(tape, logitsGradient: loss.gradient)
        for (name, parameter) in model.namedParameters {
            if let p = closenessReport(parameter.gradient.storage, try fixture.tensor("grad." + name).floats, label: "grad." + name) {
                problems.append(p)
            }
        }
        XCTAssertEqual(problems, [])
    }

    func testMeanAndMaxPoolingGradientsMatchFiniteDifferences() throws {
        for pooling in [SequenceClassifier.Pooling.mean, .max] {
            var generator = SeededGenerator(seed: 5)
            let config = SequenceClassifier.Configuration(vocabularySize: 13, embeddingSize: 5, cell: .gru, hiddenSize: 4,
                                                          layers: 2, bidirectional: true, pooling: pooling, classes: 3)
            let model = try SequenceClassifier(config, generator: &generator)
            let (batch, steps) = (3, 6)
            let lengths = [6, 2, 4]
            var ids = [Int32](repeating: 0, count: batch * steps)
            for b in 0..<batch { for t in 0..<lengths[b] { ids[b * steps + t] = Int32(1 + (b * 7 + t * 3) % 12) } }
            let labels = [2, 0, 1]
            func lossValue() throws -> Float {
                var g = SeededGenerator(seed: 0)
                let (logits, _) = try model.forward(ids: ids, batch: batch, steps: steps, lengths: lengths, training: false, generator: &g)
                return try model.loss(logits: logits, labels: labels).value
            }
            var g = SeededGenerator(seed: 0)
            let (logits, tape) = try model.forward(ids: ids, batch: batch, steps: steps, lengths: lengths, training: false, generator: &g)
            try model.backward(tape, logitsGradient: try model.loss(logits: logits, labels: labels).gradient)
            // Probe a few weights of every parameter with central differences in Float64-ish steps.
            for (name, parameter) in model.namedParameters {
                for index in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 5)) {
                    let saved = parameter.value.storage[index]
                    let h: Float = 1e-2
                    parameter.value.storage[index] = saved + h
                    let up = try lossValue()
                    parameter.value.storage[index] = saved - h
                    let down = try lossValue()
                    parameter.value.storage[index] = saved
                    let numeric = (up - down) / (2 * h)
                    let analytic = parameter.gradient.storage[index]
                    XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(pooling) \(name)[\(index)]")
                }
            }
        }
    }
}
