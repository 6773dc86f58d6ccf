import XCTest
import JikjiModels
import JikjiRecurrent
import JikjiTestSupport

final class Seq2SeqTests: XCTestCase {
    /// The model against PyTorch's seq2seq_lstm_luong_general fixture (teacher forcing).
    func testMatchesPyTorchEncoderDecoderWithGeneralAttention() throws {
        let fixture = try TorchFixture(contentsOf: try ProjectPaths.reference("torch/seq2seq_lstm_luong_general.json"))
        let source = try fixture.tensor("source"), input = try fixture.tensor("target_input")
        let hidden = try fixture.int("hidden")
        let config = Seq2Seq.Configuration(
            vocabularySize: try fixture.int("vocab"), embeddingSize: try fixture.int("embedding"),
            encoder: .init(cell: .lstm, hiddenSize: hidden), decoder: .init(cell: .lstm, hiddenSize: hidden),
            attention: .general, paddingIndex: 0, startID: 1, endID: 2)
        var g = SeededGenerator(seed: 3)
        let model = try Seq2Seq(config, generator: &g)
        for (name, p) in model.namedParameters {
            let t = try fixture.tensor(name)
            XCTAssertEqual(p.value.shape, t.shape, name)
            p.value = Tensor(shape: t.shape, values: t.floats)
        }
        let result = try model.step(source: source.int32s, sourceLengths: try fixture.tensor("source_lengths").ints,
                                    decoderInput: input.int32s, decoderOutput: try fixture.tensor("target_output").ints.map(Int32.init),
                                    batch: source.shape[0], sourceSteps: source.shape[1], targetSteps: input.shape[1],
                                    training: true, generator: &g)
        var problems: [String] = []
        if let p = closenessReport([result.loss], try fixture.tensor("loss").floats, label: "loss") { problems.append(p) }
        for (name, p) in model.namedParameters {
            if let r = closenessReport(p.gradient.storage, try fixture.tensor("grad." + name).floats, label: name) { problems.append(r) }
        }
        XCTAssertEqual(problems, [])
    }

    func makeBatch() -> (source: [Int32], lengths: [Int], input: [Int32], output: [Int32], B: Int, S: Int, T: Int) {
        let (B, S, T) = (3, 5, 4)
        let lengths = [5, 2, 4]
        var source = [Int32](repeating: 0, count: B * S)
        for b in 0..<B { for s in 0..<lengths[b] { source[b * S + s] = Int32(3 + (b * 5 + s * 3) % 14) } }
        let input: [Int32] = [1, 5, 6, 7, 1, 8, 9, 0, 1, 4, 0, 0]
        let output: [Int32] = [5, 6, 7, 2, 8, 9, 2, 0, 4, 2, 0, 0]
        return (source, lengths, input, output, B, S, T)
    }

    /// Loss and parameter gradients of one training step with teacher-forcing ratio `tf`, from zeroed gradients.
    func trainingStep(_ model: Seq2Seq, teacherForcing tf: Float) throws -> (loss: Float, gradients: [[Float]]) {
        let d = makeBatch()
        model.zeroGradients()
        var r = SeededGenerator(seed: 0)
        let loss = try model.step(source: d.source, sourceLengths: d.lengths, decoderInput: d.input, decoderOutput: d.output,
                                  batch: d.B, sourceSteps: d.S, targetSteps: d.T, teacherForcing: tf, training: true, generator: &r).loss
        return (loss, model.namedParameters.map { $0.parameter.gradient.storage })
    }

    /// The one-call path (teacher forcing 1) and the stepwise path (just below 1, every fed token
    /// still the true one) agree on the loss and every gradient.
    func assertStepwiseEqualsParallel(_ model: Seq2Seq, file: StaticString = #filePath, line: UInt = #line) throws -> [[Float]] {
        let (parallelLoss, parallelGrads) = try trainingStep(model, teacherForcing: 1)
        let (stepLoss, stepGrads) = try trainingStep(model, teacherForcing: 0.999_999_9)
        XCTAssertEqual(parallelLoss, stepLoss, accuracy: 1e-5, file: file, line: line)
        for (k, (a, b)) in zip(parallelGrads, stepGrads).enumerated() {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, model.namedParameters[k].name, file: file, line: line) }
        }
        return parallelGrads
    }

    /// Step-by-step decoding with teacher forcing gives the same loss and gradients as the
    /// one-call path, which the PyTorch fixture checks.
    func testStepwiseDecodingEqualsParallelDecoding() throws {
        var g = SeededGenerator(seed: 8)
        let config = Seq2Seq.Configuration(vocabularySize: 17, embeddingSize: 4,
                                           encoder: .init(cell: .gru, hiddenSize: 3, layers: 2, bidirectional: true),
                                           decoder: .init(cell: .lstm, hiddenSize: 5, layers: 2), attention: .concat,
                                           bridge: .project, startID: 1, endID: 2)
        _ = try assertStepwiseEqualsParallel(try Seq2Seq(config, generator: &g))
    }

    /// Without attention the stepwise path feeds decoder states straight to the output layer:
    /// it still equals the one-call path (loss and every gradient).
    func testStepwiseDecodingWithoutAttentionEqualsParallelDecoding() throws {
        var g = SeededGenerator(seed: 12)
        let config = Seq2Seq.Configuration(vocabularySize: 17, embeddingSize: 4,
                                           encoder: .init(cell: .lstm, hiddenSize: 5), decoder: .init(cell: .lstm, hiddenSize: 5),
                                           attention: .none, startID: 1, endID: 2)
        let parallelGrads = try assertStepwiseEqualsParallel(try Seq2Seq(config, generator: &g))
        XCTAssertTrue(parallelGrads.contains { $0.contains { $0 != 0 } })
    }

    /// Input feeding, a bidirectional encoder and a projecting bridge: gradients equal central differences.
    func testInputFeedingGradientsMatchFiniteDifferences() throws {
        var g = SeededGenerator(seed: 21)
        let config = Seq2Seq.Configuration(vocabularySize: 17, embeddingSize: 4,
                                           encoder: .init(cell: .lstm, hiddenSize: 3, bidirectional: true),
                                           decoder: .init(cell: .gru, hiddenSize: 5), attention: .general,
                                           inputFeeding: true, bridge: .project, startID: 1, endID: 2)
        let model = try Seq2Seq(config, generator: &g)
        let d = makeBatch()
        func loss() throws -> Float {
            var r = SeededGenerator(seed: 0)
            return try model.step(source: d.source, sourceLengths: d.lengths, decoderInput: d.input, decoderOutput: d.output,
                                  batch: d.B, sourceSteps: d.S, targetSteps: d.T, training: false, generator: &r).loss
        }
        model.zeroGradients()
        var r = SeededGenerator(seed: 0)
        _ = try model.step(source: d.source, sourceLengths: d.lengths, decoderInput: d.input, decoderOutput: d.output,
                           batch: d.B, sourceSteps: d.S, targetSteps: d.T, training: true, generator: &r)
        XCTAssertTrue(model.namedParameters.contains { $0.name == "bridge_h.weight" })
        try assertGradientsMatchCentralDifferences(model.namedParameters, divisions: 4, loss: loss)
    }

    /// Beam search results do not depend on which other sources are translated with it, greedy
    /// equals beam size 1, and n-best lists come best first.
    func testBeamSearchIsIndependentOfTheBatchAndRanksHypotheses() throws {
        var g = SeededGenerator(seed: 4)
        let config = Seq2Seq.Configuration(vocabularySize: 17, embeddingSize: 4,
                                           encoder: .init(cell: .lstm, hiddenSize: 6), decoder: .init(cell: .lstm, hiddenSize: 6),
                                           attention: .dot, inputFeeding: true, startID: 1, endID: 2)
        let model = try Seq2Seq(config, generator: &g)
        let sources: [[Int32]] = [[3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13, 14]]
        let options = Seq2Seq.SearchOptions(beamSize: 4, lengthPenalty: 0.6, maxLength: 12, nBest: 3)
        let together = try model.translate(batch: sources, options: options)
        for (i, source) in sources.enumerated() {
            XCTAssertEqual(try model.translate(source, options: options), together[i])
            XCTAssertEqual(together[i].count, 3)
            XCTAssertEqual(together[i].map(\.score), together[i].map(\.score).sorted(by: >))
        }
        let reversed = try model.translate(batch: sources.reversed(), options: options)
        XCTAssertEqual(Array(reversed.reversed()), together)
        // Beam 1 is greedy: each token is the argmax given the previous ones, so its
        // log-probability is never below that of any other single-beam path it could take.
        let greedy = try model.translate([3, 4, 5, 6], options: .init(beamSize: 1, maxLength: 12))
        XCTAssertEqual(greedy.count, 1)
        XCTAssertLessThanOrEqual(greedy[0].tokens.count, 12)
    }
}
