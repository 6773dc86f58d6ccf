import Foundation
import XCTest
import JikjiRecurrent
import JikjiTestSupport

/// bf16 products against PyTorch's `torch.autocast("cpu", dtype=torch.bfloat16)`: the fixtures
/// of `Tests/JikjiRecurrentTests/Fixtures/autocast_*.json` (scripts/make-bf16-autocast-fixtures.py),
/// each with its tolerance (relative RMS per tensor, `config.tolerance`; the script says why).
///
/// Without a bf16 kernel the layers run fp32 (the fallback is checked to be chosen and said),
/// and the fixtures still hold: autocast's values lie within the tolerance of fp32 by
/// construction (the script refuses fixtures whose autocast values are not).
extension TorchParity {
    func testAutocastLSTMLayerFixture() throws {
        let fixture = try Self.autocastFixture("autocast_lstm_bf16")
        let problems = try Self.withBF16 { try Self.checkAutocastLSTMLayer(fixture) }
        for problem in problems { XCTFail("\(fixture.name): \(problem)") }
    }

    func testAutocastClassifierStepFixture() throws {
        let fixture = try Self.autocastFixture("autocast_classifier_bf16")
        let problems = try Self.withBF16 { try Self.checkAutocastClassifier(fixture) }
        for problem in problems { XCTFail("\(fixture.name): \(problem)") }
    }

    static func autocastFixture(_ name: String) throws -> TorchFixture {
        try TorchFixture(contentsOf: ProjectPaths.root.appendingPathComponent("Tests/JikjiRecurrentTests/Fixtures/\(name).json"))
    }

    /// Runs `body` with bf16 products asked for, checking what the machine said it runs.
    static func withBF16<T>(_ body: () throws -> T) throws -> T {
        MatrixProducts.precision = .bf16
        defer { MatrixProducts.precision = .fp32 }
        if MatrixProducts.kernel == .none {
            XCTAssertEqual(MatrixProducts.description, "this CPU has no AMX/AVX512-BF16: running fp32")
        } else {
            XCTAssertEqual(MatrixProducts.effectivePrecision, .bf16)
        }
        return try body()
    }

    /// The problems of `actual` against fixture tensor `key` at the fixture's tolerance.
    static func autocastProblems(_ fixture: TorchFixture, _ actual: [Float], _ key: String) throws -> [String] {
        guard let tolerance = fixture.config["tolerance"] as? Double else { throw FixtureError.missingConfig(fixture.name, "tolerance") }
        let expected = try fixture.tensor(key).floats
        guard actual.count == expected.count else { return ["\(key): \(actual.count) values, expected \(expected.count)"] }
        let relative = relativeRMS(actual, expected)
        return relative <= tolerance ? [] : ["\(key): relative RMS \(relative) above the fixture's \(tolerance)"]
    }

    static func checkAutocastLSTMLayer(_ fixture: TorchFixture) throws -> [String] {
        let layer = try makeRecurrentLayer(fixture, prefix: "")
        let result = try layer.forward(try fixtureTensor(fixture, "input"), initialHidden: try fixtureTensor(fixture, "h0"),
                                       initialCell: try fixtureTensor(fixture, "c0"))
        let gradients = try layer.backward(
            result.tape, outputGradient: try fixtureTensor(fixture, "grad_output"),
            finalHiddenGradient: try fixtureTensor(fixture, "grad_h_n"), finalCellGradient: try fixtureTensor(fixture, "grad_c_n"))
        var problems: [String] = []
        let produced: [(String, Tensor)] = [
            ("output", result.output), ("h_n", result.finalHidden), ("c_n", result.finalCell!), ("grad.input", gradients.input),
            ("grad.h0", gradients.initialHidden), ("grad.c0", gradients.initialCell!),
        ] + layer.namedParameters.map { ("grad." + $0.name, $0.parameter.gradient) }
        for (key, tensor) in produced { problems += try autocastProblems(fixture, tensor.storage, key) }
        return problems
    }

    /// The classifier step of ``checkClassifier(_:)`` (embedding, bidirectional LSTM over packed
    /// sequences, Linear, BCE with logits), compared at the fixture's tolerance.
    static func checkAutocastClassifier(_ fixture: TorchFixture) throws -> [String] {
        let ids = try fixture.tensor("ids")
        let batch = ids.shape[0], steps = ids.shape[1]
        let lengths = try fixture.tensor("lengths").ints
        let embedding = try Embedding(weight: try fixtureTensor(fixture, "embedding.weight"), paddingIndex: 0)
        let fc = try Linear(weight: try fixtureTensor(fixture, "fc.weight"), bias: try fixtureTensor(fixture, "fc.bias"))
        var generator = SeededGenerator(seed: 1)
        let rnn = try RecurrentLayer(cell: .lstm, inputSize: try fixture.int("embedding"), hiddenSize: try fixture.int("hidden"),
                                     bidirectional: true, generator: &generator)
        for (name, parameter) in rnn.namedParameters { parameter.value = try fixtureTensor(fixture, "rnn." + name) }
        let H = rnn.hiddenSize
        let embedded = try embedding.forward(ids: ids.ints, shape: [batch, steps])
        let encoded = try rnn.forward(embedded, lengths: lengths)
        var features = Tensor(shape: [batch, 2 * H])
        for b in 0..<batch {
            for d in 0..<2 {
                for j in 0..<H { features[b, d * H + j] = encoded.finalHidden[d, b, j] }
            }
        }
        let logits = fc.forward(features).reshaped([batch])
        let loss = try Loss.binaryCrossEntropyWithLogits(logits: logits, labels: try fixtureTensor(fixture, "labels"))
        let dFeatures = fc.backward(input: features, outputGradient: loss.gradient.reshaped([batch, 1]))
        var dHidden = Tensor(shape: [2, batch, H])
        for b in 0..<batch {
            for d in 0..<2 {
                for j in 0..<H { dHidden[d, b, j] = dFeatures[b, d * H + j] }
            }
        }
        let gradients = try rnn.backward(encoded.tape, outputGradient: nil, finalHiddenGradient: dHidden)
        embedding.backward(ids: ids.ints, outputGradient: gradients.input)
        var problems = try autocastProblems(fixture, logits.storage, "logits") + autocastProblems(fixture, [loss.value], "loss")
        let all = embedding.namedParameters(prefix: "embedding") + rnn.namedParameters(prefix: "rnn") + fc.namedParameters(prefix: "fc")
        for (name, parameter) in all { problems += try autocastProblems(fixture, parameter.gradient.storage, "grad." + name) }
        return problems
    }
}
