import XCTest
import JikjiModels
import JikjiRecurrent

final class LanguageModelTests: XCTestCase {
    func makeModel(tied: Bool, cell: RecurrentCell = .lstm) throws -> LanguageModel {
        var g = SeededGenerator(seed: 11)
        return try LanguageModel(.init(vocabularySize: 19, embeddingSize: 6, cell: cell, hiddenSize: 6, layers: 2,
                                       tieWeights: tied), generator: &g)
    }

    /// Analytic gradients of the window loss equal central differences, tied and untied.
    func testGradientsMatchFiniteDifferences() throws {
        for tied in [false, true] {
            let model = try makeModel(tied: tied, cell: tied ? .gru : .lstm)
            let (B, T) = (2, 5)
            let ids = (0..<(B * T)).map { Int32(1 + ($0 * 7) % 18) }
            var targets = (0..<(B * T)).map { Int32(1 + ($0 * 5 + 3) % 18) }
            targets[9] = 0  // a padding target, ignored
            func loss() throws -> Float {
                var g = SeededGenerator(seed: 0)
                return try model.step(ids: ids, targets: targets, batch: B, steps: T, training: false, generator: &g).loss
            }
            model.zeroGradients()
            var g = SeededGenerator(seed: 0)
            let result = try model.step(ids: ids, targets: targets, batch: B, steps: T, training: true, generator: &g)
            XCTAssertEqual(result.count, 9)
            try assertGradientsMatchCentralDifferences(model.namedParameters, divisions: 6, label: "tied \(tied) ", loss: loss)
            XCTAssertEqual(model.namedParameters.contains { $0.name == "fc.weight" }, !tied)
        }
    }

    /// Padded document rows (with `lengths`, `[PAD]` targets after each row's end) give the loss
    /// and the gradients of the same rows run one at a time without padding.
    func testPaddedRowsTrainLikeTheSameRowsUnpadded() throws {
        for tied in [false, true] {
            let model = try makeModel(tied: tied)
            let rows: [[Int32]] = [[2, 5, 7, 9, 11], [2, 4, 6], [2, 8]]
            let (B, T) = (rows.count, 5)
            var ids = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: 0, count: B * T)
            for (r, row) in rows.enumerated() {
                for (j, id) in row.enumerated() {
                    ids[r * T + j] = id
                    targets[r * T + j] = j + 1 < row.count ? row[j + 1] : 3
                }
            }
            model.zeroGradients()
            var g = SeededGenerator(seed: 0)
            let padded = try model.step(ids: ids, targets: targets, batch: B, steps: T, lengths: rows.map(\.count),
                                        training: true, generator: &g)
            XCTAssertEqual(padded.count, 10)
            let paddedGradients = model.namedParameters.map { $0.parameter.gradient.storage }
            var loss: Float = 0
            var gradients = paddedGradients.map { [Float](repeating: 0, count: $0.count) }
            for row in rows {
                model.zeroGradients()
                let alone = try model.step(ids: row, targets: Array(row.dropFirst()) + [3], batch: 1, steps: row.count,
                                           training: true, generator: &g)
                let weight = Float(alone.count) / Float(padded.count)
                loss += weight * alone.loss
                for (k, p) in model.namedParameters.enumerated() {
                    for i in gradients[k].indices { gradients[k][i] += weight * p.parameter.gradient.storage[i] }
                }
            }
            XCTAssertEqual(padded.loss, loss, accuracy: 1e-5)
            for (k, name) in model.namedParameters.map(\.name).enumerated() {
                let scale = max(1e-3, gradients[k].map(abs).max() ?? 0)
                for i in gradients[k].indices {
                    XCTAssertEqual(paddedGradients[k][i], gradients[k][i], accuracy: 1e-4 * scale, "tied \(tied) \(name)[\(i)]")
                }
            }
        }
    }

    /// `initRange` redraws the embedding (and an untied output weight) uniformly in `[-r, r]`
    /// with the padding row zero, after every other draw: the other parameters are those of the
    /// default initialisation with the same seed.
    func testInitRangeDrawsTheTablesUniformlyAndLeavesTheRestAlone() throws {
        for tied in [false, true] {
            func model(_ range: Float) throws -> LanguageModel {
                var g = SeededGenerator(seed: 5)
                return try LanguageModel(.init(vocabularySize: 300, embeddingSize: 16, cell: .lstm, hiddenSize: 16,
                                               tieWeights: tied, paddingIndex: 0, initRange: range), generator: &g)
            }
            let plain = try model(0), narrow = try model(0.1)
            let tables = tied ? ["embedding.weight"] : ["embedding.weight", "fc.weight"]
            let before = Dictionary(uniqueKeysWithValues: plain.namedParameters.map { ($0.name, $0.parameter.value.storage) })
            for (name, p) in narrow.namedParameters {
                let values = p.value.storage
                if tables.contains(name) {
                    XCTAssertTrue(values.allSatisfy { abs($0) <= 0.1 }, name)
                    XCTAssertGreaterThan(values.map { abs($0) }.max() ?? 0, 0.09, "\(name) spans the range")
                    XCTAssertNotEqual(values, before[name], name)
                } else {
                    XCTAssertEqual(values, before[name], "\(name) keeps its default draw")
                }
            }
            XCTAssertTrue(narrow.embedding.weight.value.storage[0..<16].allSatisfy { $0 == 0 }, "padding row")
            // The default embedding is N(0, 1), far outside ±0.1.
            XCTAssertGreaterThan(plain.embedding.weight.value.storage.map { abs($0) }.max() ?? 0, 2)
        }
    }

    /// Truncated BPTT's forward pass: the second window started from the first window's final
    /// state predicts exactly what one pass over both windows predicts for those positions, and
    /// differently from a window started from zeros.
    func testCarriedStateContinuesTheSequenceAndChangesTheNextWindow() throws {
        for cell in [RecurrentCell.lstm, .gru] {
            let model = try makeModel(tied: true, cell: cell)
            let (B, T) = (2, 4)
            let stream = (0..<(B * (2 * T + 1))).map { Int32(1 + ($0 * 7 + 3) % 18) }
            func window(_ k: Int) -> (ids: [Int32], targets: [Int32]) {
                var ids: [Int32] = [], targets: [Int32] = []
                for r in 0..<B {
                    let base = r * (2 * T + 1) + k * T
                    ids += stream[base..<(base + T)]
                    targets += stream[(base + 1)..<(base + T + 1)]
                }
                return (ids, targets)
            }
            var g = SeededGenerator(seed: 0)
            let (ids1, targets1) = window(0), (ids2, targets2) = window(1)
            let first = try model.step(ids: ids1, targets: targets1, batch: B, steps: T, training: false, generator: &g)
            XCTAssertEqual(first.state.hidden.shape, [2, B, 6])
            XCTAssertEqual(first.state.cell != nil, cell == .lstm)
            let carried = try model.step(ids: ids2, targets: targets2, batch: B, steps: T, state: first.state, training: false, generator: &g)
            let reset = try model.step(ids: ids2, targets: targets2, batch: B, steps: T, training: false, generator: &g)
            XCTAssertGreaterThan(abs(carried.loss - reset.loss), 1e-4, cell.rawValue)
            // One pass over both windows, counting only the second window's targets ([PAD] = 0 is ignored).
            var ids: [Int32] = [], targets: [Int32] = []
            for r in 0..<B {
                let row = (r * T)..<((r + 1) * T)
                ids.append(contentsOf: ids1[row])
                ids.append(contentsOf: ids2[row])
                targets.append(contentsOf: [Int32](repeating: 0, count: T))
                targets.append(contentsOf: targets2[row])
            }
            let whole = try model.step(ids: ids, targets: targets, batch: B, steps: 2 * T, training: false, generator: &g)
            XCTAssertEqual(whole.count, carried.count)
            XCTAssertEqual(whole.loss, carried.loss, accuracy: 1e-5, cell.rawValue)
            for (a, b) in zip(whole.state.hidden.storage, carried.state.hidden.storage) { XCTAssertEqual(a, b, accuracy: 1e-5, cell.rawValue) }
        }
    }

    /// Gradients of a window that starts from a carried state (a constant) equal central differences.
    func testGradientsFromACarriedStateMatchFiniteDifferences() throws {
        for cell in [RecurrentCell.lstm, .gru] {
            let model = try makeModel(tied: true, cell: cell)
            let (B, T) = (2, 5)
            var g = SeededGenerator(seed: 0)
            let warmIDs = (0..<(B * T)).map { Int32(1 + ($0 * 5 + 1) % 18) }
            let warm = try model.step(ids: warmIDs, targets: warmIDs, batch: B, steps: T, training: false, generator: &g)
            let ids = (0..<(B * T)).map { Int32(1 + ($0 * 7) % 18) }
            let targets = (0..<(B * T)).map { Int32(1 + ($0 * 5 + 3) % 18) }
            func loss() throws -> Float {
                var g = SeededGenerator(seed: 0)
                return try model.step(ids: ids, targets: targets, batch: B, steps: T, state: warm.state, training: false, generator: &g).loss
            }
            model.zeroGradients()
            _ = try model.step(ids: ids, targets: targets, batch: B, steps: T, state: warm.state, training: true, generator: &g)
            try assertGradientsMatchCentralDifferences(model.namedParameters, divisions: 8, label: "\(cell) ", loss: loss)
        }
    }

    func testSeededGenerationIsReproducibleAndStopsAtTheStopToken() throws {
        let model = try makeModel(tied: false)
        var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99), c = SeededGenerator(seed: 100)
        let sampling = LanguageModel.Sampling(temperature: 1.5, topK: 5)
        let first = try model.generate(prompt: [3, 4], maxTokens: 30, sampling: sampling, stopIDs: [], generator: &a)
        XCTAssertEqual(first.count, 30)
        XCTAssertEqual(first, try model.generate(prompt: [3, 4], maxTokens: 30, sampling: sampling, stopIDs: [], generator: &b))
        XCTAssertNotEqual(first, try model.generate(prompt: [3, 4], maxTokens: 30, sampling: sampling, stopIDs: [], generator: &c))
        let stop = first[4]
        var d = SeededGenerator(seed: 99)
        let stopped = try model.generate(prompt: [3, 4], maxTokens: 30, sampling: sampling, stopIDs: [stop], generator: &d)
        XCTAssertEqual(stopped.last, stop)
        XCTAssertEqual(stopped, Array(first.prefix(stopped.count)))
    }

    func testTopKAndGreedyChoices() {
        var g = SeededGenerator(seed: 1)
        let logits: [Float] = [0.1, 3, 2.9, -1, 2.95]
        XCTAssertEqual(LanguageModel.choose(from: logits, sampling: .init(temperature: 0), generator: &g), 1)
        var seen = Set<Int>()
        for _ in 0..<500 { seen.insert(LanguageModel.choose(from: logits, sampling: .init(temperature: 1, topK: 2), generator: &g)) }
        XCTAssertEqual(seen, [1, 4])
    }
}
