import XCTest
import JikjiModels
import JikjiRecurrent
import JikjiTestSupport

/// Concat (ULMFiT) and self-attention pooling: against PyTorch (fixtures written by
/// scripts/make-classifier-pooling-fixtures.py), against central differences, and against the
/// final/max/mean poolings they are made of.
final class ClassifierPoolingTests: XCTestCase {
    func fixture(_ name: String) throws -> TorchFixture {
        try TorchFixture(contentsOf: ProjectPaths.root.appendingPathComponent("Tests/JikjiModelsTests/Fixtures/\(name).json"))
    }

    func testConcatPoolingMatchesPyTorch() throws {
        try checkAgainstPyTorch(try fixture("classifier_concat"))
    }

    func testAttentionPoolingMatchesPyTorch() throws {
        try checkAgainstPyTorch(try fixture("classifier_attention"))
    }

    func checkAgainstPyTorch(_ fixture: TorchFixture) throws {
        let ids = try fixture.tensor("ids")
        let (batch, steps) = (ids.shape[0], ids.shape[1])
        let config = SequenceClassifier.Configuration(
            vocabularySize: try fixture.int("vocab"), embeddingSize: try fixture.int("embedding"),
            cell: try XCTUnwrap(RecurrentCell(rawValue: fixture.config["cell"] as? String ?? "?")), hiddenSize: try fixture.int("hidden"),
            layers: try fixture.int("layers"), bidirectional: true,
            pooling: try XCTUnwrap(SequenceClassifier.Pooling(rawValue: fixture.config["pooling"] as? String ?? "?")),
            classes: try fixture.int("classes"),
            loss: try XCTUnwrap(SequenceClassifier.Objective(rawValue: fixture.config["loss"] as? String ?? "?")),
            paddingIndex: 0, attentionSize: fixture.config["attention_size"] as? Int)
        var generator = SeededGenerator(seed: 1)
        let model = try SequenceClassifier(config, generator: &generator)
        XCTAssertEqual(Set(model.namedParameters.map(\.name)), Set(fixture.tensors.keys.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) }),
                       "the same state_dict names as the PyTorch module")
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

    /// A small batch with ragged lengths; padded ids are `pad` (they must not matter).
    func batch(pad: (Int, Int) -> Int32) -> (ids: [Int32], batch: Int, steps: Int, lengths: [Int]) {
        let (batch, steps) = (3, 6)
        let lengths = [6, 2, 4]
        var ids = [Int32](repeating: 0, count: batch * steps)
        for b in 0..<batch {
            for t in 0..<steps { ids[b * steps + t] = t < lengths[b] ? Int32(1 + (b * 7 + t * 3) % 12) : pad(b, t) }
        }
        return (ids, batch, steps, lengths)
    }

    func testConcatAndAttentionGradientsMatchFiniteDifferences() throws {
        for (pooling, cell, bidirectional) in [(SequenceClassifier.Pooling.concat, RecurrentCell.gru, true), (.concat, .lstm, false),
                                               (.attention, .lstm, true), (.attention, .gru, false)] {
            var generator = SeededGenerator(seed: 5)
            let config = SequenceClassifier.Configuration(vocabularySize: 13, embeddingSize: 5, cell: cell, hiddenSize: 4,
                                                          layers: 2, bidirectional: bidirectional, pooling: pooling, classes: 3,
                                                          attentionSize: pooling == .attention ? 3 : nil)
            let model = try SequenceClassifier(config, generator: &generator)
            let input = batch { b, t in Int32(1 + (b + t) % 12) }
            let labels = [2, 0, 1]
            func lossValue() throws -> Float {
                var g = SeededGenerator(seed: 0)
                let (logits, _) = try model.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths,
                                                    training: false, generator: &g)
                return try model.loss(logits: logits, labels: labels).value
            }
            var g = SeededGenerator(seed: 0)
            let (logits, tape) = try model.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths,
                                                   training: false, generator: &g)
            try model.backward(tape, logitsGradient: try model.loss(logits: logits, labels: labels).gradient)
            try assertGradientsMatchCentralDifferences(model.namedParameters, divisions: 7,
                                                   label: "\(pooling) \(cell) bidirectional \(bidirectional) ", loss: lossValue)
        }
    }

    func testPaddedStepsNeverContribute() throws {
        for pooling in [SequenceClassifier.Pooling.concat, .attention] {
            var generator = SeededGenerator(seed: 8)
            let model = try SequenceClassifier(.init(vocabularySize: 13, embeddingSize: 4, cell: .lstm, hiddenSize: 3, layers: 1,
                                                     bidirectional: true, pooling: pooling, classes: 2), generator: &generator)
            let zeros = batch { _, _ in 0 }, others = batch { b, t in Int32(1 + (b * 5 + t) % 12) }
            var g = SeededGenerator(seed: 0)
            let a = try model.forward(ids: zeros.ids, batch: zeros.batch, steps: zeros.steps, lengths: zeros.lengths, training: false, generator: &g).logits
            let b = try model.forward(ids: others.ids, batch: others.batch, steps: others.steps, lengths: others.lengths, training: false, generator: &g).logits
            XCTAssertEqual(a.storage, b.storage, "\(pooling): padded ids changed the logits")
            // Row 1 alone, unpadded, gives the same logit as inside the padded batch.
            let row = Array(zeros.ids[zeros.steps..<(zeros.steps + 2)])
            let alone = try model.forward(ids: row, batch: 1, steps: 2, lengths: [2], training: false, generator: &g).logits
            XCTAssertEqual(alone.storage[0], a.storage[1], accuracy: 1e-6, "\(pooling)")
        }
    }

    /// Concat's logits are those of final, max and mean heads over the same encoder with the
    /// output weight's three blocks, summed.
    func testConcatIsFinalMaxAndMeanSideBySide() throws {
        func model(_ pooling: SequenceClassifier.Pooling) throws -> SequenceClassifier {
            var generator = SeededGenerator(seed: 21)  // the same embedding and encoder draws
            return try SequenceClassifier(.init(vocabularySize: 13, embeddingSize: 4, cell: .gru, hiddenSize: 3, layers: 2,
                                                bidirectional: true, pooling: pooling, classes: 3), generator: &generator)
        }
        let concat = try model(.concat), parts = try [model(.final), model(.max), model(.mean)]
        for part in parts {
            for ((name, p), (_, q)) in zip(concat.namedParameters, part.namedParameters) where !name.hasPrefix("fc.") {
                XCTAssertEqual(p.value, q.value, name)
            }
        }
        let width = 6, outputs = 3
        for (k, part) in parts.enumerated() {
            for o in 0..<outputs {
                for j in 0..<width { part.output.weight.value.storage[o * width + j] = concat.output.weight.value.storage[o * 3 * width + k * width + j] }
                part.output.bias!.value.storage[o] = k == 0 ? concat.output.bias!.value.storage[o] : 0
            }
        }
        let input = batch { _, _ in 0 }
        var g = SeededGenerator(seed: 0)
        let whole = try concat.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths, training: false, generator: &g).logits
        var sum = [Float](repeating: 0, count: whole.count)
        for part in parts {
            let logits = try part.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths, training: false, generator: &g).logits
            for i in sum.indices { sum[i] += logits.storage[i] }
        }
        XCTAssertEqual(concat.output.weight.value.shape, [3, 18])
        for i in sum.indices { XCTAssertEqual(whole.storage[i], sum[i], accuracy: 1e-5) }
    }

    /// With a zero context vector every valid step scores the same: attention pooling is the mean.
    func testAttentionWithZeroContextIsTheMean() throws {
        var generator = SeededGenerator(seed: 30)
        let attention = try SequenceClassifier(.init(vocabularySize: 13, embeddingSize: 4, cell: .lstm, hiddenSize: 3,
                                                     bidirectional: true, pooling: .attention, classes: 2, attentionSize: 5), generator: &generator)
        XCTAssertEqual(attention.namedParameters.map(\.name).filter { $0.hasPrefix("attention.") },
                       ["attention.weight", "attention.bias", "attention.context"])
        XCTAssertEqual(attention.attention?.scorer.weight.value.shape, [5, 6])
        generator = SeededGenerator(seed: 30)
        let mean = try SequenceClassifier(.init(vocabularySize: 13, embeddingSize: 4, cell: .lstm, hiddenSize: 3,
                                                bidirectional: true, pooling: .mean, classes: 2), generator: &generator)
        for (name, p) in attention.namedParameters {
            if name == "attention.context" { p.value = Tensor(shape: p.value.shape) }
            if let q = mean.namedParameters.first(where: { $0.name == name }) { q.parameter.value = p.value }
        }
        let input = batch { _, _ in 0 }
        var g = SeededGenerator(seed: 0)
        let a = try attention.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths, training: false, generator: &g).logits
        let m = try mean.forward(ids: input.ids, batch: input.batch, steps: input.steps, lengths: input.lengths, training: false, generator: &g).logits
        for i in 0..<a.count { XCTAssertEqual(a.storage[i], m.storage[i], accuracy: 1e-6) }
    }
}
