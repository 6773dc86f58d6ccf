import XCTest
import JikjiModels
import JikjiRecurrent

/// A language model with an adaptive softmax output: exact log-probabilities in id order through
/// the frequency permutation, gradients, and the `frequency_order` buffer.
final class AdaptiveLanguageModelTests: XCTestCase {
    static let vocabularySize = 23
    /// A frequency order that is not the id order (ranks reversed except for [PAD] last).
    static let order: [Int] = Array((1..<vocabularySize).reversed()) + [0]

    func makeModel(headBias: Bool = true) throws -> LanguageModel {
        var g = SeededGenerator(seed: 5)
        let configuration = LanguageModel.Configuration(
            vocabularySize: Self.vocabularySize, embeddingSize: 6, cell: .lstm, hiddenSize: 8, layers: 1,
            adaptiveOutput: .init(cutoffs: [4, 11], divValue: 2, headBias: headBias))
        return try LanguageModel(configuration, frequencyOrder: Self.order, generator: &g)
    }

    /// The window loss is the mean of −log p(target) read from the whole-vocabulary
    /// log-probabilities (ids mapped through the permutation), and every row of those sums to one.
    func testLossIsTheExactNegativeLogLikelihoodOverTheWholeVocabulary() throws {
        let model = try makeModel()
        let (B, T) = (2, 6)
        let ids = (0..<(B * T)).map { Int32(1 + ($0 * 7) % 22) }
        let targets = (0..<(B * T)).map { Int32(1 + ($0 * 5 + 3) % 22) }
        var g = SeededGenerator(seed: 0)
        let loss = try model.step(ids: ids, targets: targets, batch: B, steps: T, training: false, generator: &g).loss
        // The same rows one step at a time: log-probabilities of the top layer's outputs.
        let embedded = try model.embedding.forward(ids: ids.map { Int($0) }, shape: [B, T])
        let hidden = try model.encoder.forward(embedded).output
        let logProbabilities = try model.scores(hidden: hidden.reshaped([B * T, 8]))
        let V = Self.vocabularySize
        var sum = 0.0
        for n in 0..<(B * T) {
            let row = logProbabilities.storage[(n * V)..<((n + 1) * V)]
            XCTAssertEqual(row.reduce(0.0) { $0 + Double(exp($1)) }, 1, accuracy: 1e-5, "row \(n)")
            sum -= Double(row[row.startIndex + Int(targets[n])])
        }
        XCTAssertEqual(Double(loss), sum / Double(B * T), accuracy: 1e-5)
    }

    /// Analytic gradients of every trained parameter equal central differences, with a padding
    /// target left out; the buffer gets none.
    func testGradientsMatchFiniteDifferences() throws {
        for headBias in [false, true] {
            let model = try makeModel(headBias: headBias)
            let (B, T) = (2, 5)
            let ids = (0..<(B * T)).map { Int32(1 + ($0 * 7) % 22) }
            var targets = (0..<(B * T)).map { Int32(1 + ($0 * 5 + 3) % 22) }
            targets[4] = 0  // a padding target, ignored
            func loss() throws -> Float {
                var g = SeededGenerator(seed: 0)
                return try model.step(ids: ids, targets: targets, batch: B, steps: T, training: false, generator: &g).loss
            }
            model.zeroGradients()
            var g = SeededGenerator(seed: 0)
            let result = try model.step(ids: ids, targets: targets, batch: B, steps: T, training: true, generator: &g)
            XCTAssertEqual(result.count, 9)
            let trained = model.namedParameters.filter { $0.parameter.requiresGradient }
            try assertGradientsMatchCentralDifferences(trained, divisions: 6, label: "head bias \(headBias) ", loss: loss)
            let names = model.namedParameters.map(\.name)
            XCTAssertEqual(names.filter { $0.hasPrefix("fc.") || $0 == "frequency_order" },
                           (headBias ? ["fc.head.weight", "fc.head.bias"] : ["fc.head.weight"])
                           + ["fc.tail.0.0.weight", "fc.tail.0.1.weight", "fc.tail.1.0.weight", "fc.tail.1.1.weight", "frequency_order"])
            let buffer = try XCTUnwrap(model.namedParameters.first { $0.name == "frequency_order" }?.parameter)
            XCTAssertFalse(buffer.requiresGradient)
            XCTAssertEqual(buffer.value.storage, Self.order.map(Float.init))
        }
    }

    /// The head holds the most frequent ids: ids ranked by count (ties by id), and the shapes
    /// follow PyTorch's (head = shortlist + clusters, tails hidden / div^(i+1)).
    func testFrequencyOrderAndShapes() throws {
        XCTAssertEqual(FrequencyRankedOutput.frequencyOrder(counts: [0, 5, 9, 5, 1], vocabularySize: 6), [2, 1, 3, 4, 0, 5])
        let model = try makeModel()
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        XCTAssertEqual(shapes["fc.head.weight"], [6, 8])
        XCTAssertEqual(shapes["fc.tail.0.0.weight"], [4, 8])
        XCTAssertEqual(shapes["fc.tail.0.1.weight"], [7, 4])
        XCTAssertEqual(shapes["fc.tail.1.0.weight"], [2, 8])
        XCTAssertEqual(shapes["fc.tail.1.1.weight"], [12, 2])
        XCTAssertNil(shapes["fc.weight"])
    }

    /// A `frequency_order` that is not a permutation (as a hand-edited checkpoint could hold) is
    /// refused with the rank at fault, and bad cutoffs or tied weights are refused at construction.
    func testInvalidOrderCutoffsAndTyingAreRefused() throws {
        let model = try makeModel()
        let buffer = try XCTUnwrap(model.adaptiveOutput?.frequencyOrder)
        buffer.value.storage[3] = buffer.value.storage[4]
        var g = SeededGenerator(seed: 0)
        XCTAssertThrowsError(try model.step(ids: [1, 2], targets: [2, 3], batch: 1, steps: 2, training: false, generator: &g)) {
            XCTAssertTrue("\($0)".contains("not a permutation"), "\($0)")
        }
        for cutoffs in [[4, 4], [0, 5], [5, 23], [11, 4]] {
            XCTAssertThrowsError(try LanguageModel(.init(vocabularySize: 23, embeddingSize: 6, cell: .lstm, hiddenSize: 8,
                                                         adaptiveOutput: .init(cutoffs: cutoffs)), generator: &g), "\(cutoffs)")
        }
        XCTAssertThrowsError(try LanguageModel(.init(vocabularySize: 23, embeddingSize: 8, cell: .lstm, hiddenSize: 8, tieWeights: true,
                                                     adaptiveOutput: .init(cutoffs: [4])), generator: &g))
    }
}
