import XCTest
@testable import JikjiModels
import JikjiRecurrent

/// AWD-LSTM regularisation: weight, locked and embedding dropout, AR/TAR, a different last layer.
final class AWDRegularisationTests: XCTestCase {
    let (B, T, V) = (3, 5, 17)
    var ids: [Int32] { (0..<(B * T)).map { Int32(1 + ($0 * 7) % (V - 1)) } }
    var targets: [Int32] { (0..<(B * T)).map { Int32(1 + ($0 * 5 + 3) % (V - 1)) } }

    func model(_ regularisation: Regularisation?, layers: Int = 2, hidden: Int = 8, last: Int? = nil,
               tied: Bool = false, seed: UInt64 = 3) throws -> LanguageModel {
        var g = SeededGenerator(seed: seed)
        return try LanguageModel(.init(vocabularySize: V, embeddingSize: tied ? (last ?? hidden) : 6, cell: .lstm,
                                       hiddenSize: hidden, layers: layers, tieWeights: tied, lastHiddenSize: last,
                                       regularisation: regularisation), generator: &g)
    }

    func pass(_ model: LanguageModel, training: Bool, seed: UInt64 = 9) throws -> (LanguageModel.ForwardPass, BatchLoss) {
        var g = SeededGenerator(seed: seed)
        var pass = try model.forward(ids: ids, batch: B, steps: T, lengths: nil, state: nil, training: training, generator: &g)
        let loss = try model.loss(&pass, targets: targets)
        return (pass, loss)
    }

    /// One mask per sequence: every step of a sequence keeps the same features, sequences differ,
    /// kept values are scaled by 1/(1-p), and evaluation is the identity.
    func testLockedDropoutMaskIsSharedAcrossStepsAndDiffersBetweenSequences() throws {
        let dropout = try LockedDropout(probability: 0.5)
        let x = Tensor(shape: [4, 6, 40], repeating: 1)
        var g = SeededGenerator(seed: 1)
        let (y, mask) = dropout.forward(x, training: true, generator: &g)
        XCTAssertEqual(mask?.shape, [4, 40])
        func row(_ b: Int, _ t: Int) -> [Float] { Array(y.storage[((b * 6 + t) * 40)..<((b * 6 + t + 1) * 40)]) }
        for b in 0..<4 {
            for t in 1..<6 { XCTAssertEqual(row(b, t), row(b, 0), "sequence \(b) step \(t)") }
            XCTAssertTrue(row(b, 0).allSatisfy { $0 == 0 || $0 == 2 })
            XCTAssertTrue(row(b, 0).contains(0) && row(b, 0).contains(2))
        }
        XCTAssertNotEqual(row(0, 0), row(1, 0))
        XCTAssertNotEqual(row(2, 0), row(3, 0))
        let gradient = dropout.backward(outputGradient: Tensor(shape: [4, 6, 40], repeating: 3), mask: mask)
        XCTAssertEqual(gradient.storage, y.storage.map { $0 * 3 })
        XCTAssertEqual(dropout.forward(x, training: false, generator: &g).output.storage, x.storage)
    }

    /// Whole words are dropped: every occurrence of a dropped id reads zeros, every other one its
    /// embedding times 1/(1-p); in a model a dropped word's embedding row gets no gradient.
    func testEmbeddingDropoutDropsWholeRows() throws {
        let dropout = try EmbeddingDropout(probability: 0.4)
        var g = SeededGenerator(seed: 5)
        let mask = try XCTUnwrap(dropout.rowMask(vocabularySize: 50, training: true, generator: &g))
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || abs($0 - 1 / 0.6) < 1e-6 })
        XCTAssertTrue(mask.contains(0) && mask.contains { $0 > 0 })
        let ids = (0..<200).map { ($0 * 13) % 50 }
        let x = Tensor(shape: [200, 3], values: (0..<600).map { Float($0 % 7) + 1 })
        let y = EmbeddingDropout.apply(mask, ids: ids, to: x)
        for (k, id) in ids.enumerated() {
            for j in 0..<3 { XCTAssertEqual(y.storage[k * 3 + j], x.storage[k * 3 + j] * mask[id], accuracy: 1e-6) }
        }
        XCTAssertNil(dropout.rowMask(vocabularySize: 50, training: false, generator: &g))

        let lm = try model(Regularisation(embeddingDropout: 0.5))
        lm.zeroGradients()
        var generator = SeededGenerator(seed: 9)
        let rows = try XCTUnwrap(lm.regularisation?.embedding.rowMask(vocabularySize: V, training: true, generator: &generator))
        let (pass, _) = try self.pass(lm, training: true)
        try lm.backwardThroughRecurrence(pass)
        let D = lm.configuration.embeddingSize
        for id in Set(self.ids.map { Int($0) }) {
            let gradient = lm.embedding.weight.gradient.storage[(id * D)..<((id + 1) * D)]
            if rows[id] == 0 { XCTAssertTrue(gradient.allSatisfy { $0 == 0 }, "dropped word \(id)") }
            else { XCTAssertTrue(gradient.contains { $0 != 0 }, "kept word \(id)") }
        }
    }

    /// A weight-dropped model gives exactly the loss of the same model with `W_hh` zeroed and scaled
    /// by hand (the masks drawn in the documented order: layer by layer, element by element);
    /// the raw weights get that model's `W_hh` gradient times the mask and are left unchanged; in
    /// evaluation the raw weights are used, deterministically.
    func testWeightDropoutEqualsHandDroppedWeightsAndReachesTheRawWeights() throws {
        let p: Float = 0.5
        let dropped = try model(Regularisation(weightDropout: p))
        let byHand = try model(Regularisation())
        let raw = dropped.namedParameters.map { ($0.name, $0.parameter.value) }
        XCTAssertEqual(raw.map(\.1.storage), byHand.namedParameters.map(\.parameter.value.storage))
        XCTAssertEqual(raw.map(\.0), byHand.namedParameters.map(\.name), "the same state_dict names with and without it")
        // Eval: the raw weights, the same as the model without weight dropout, twice.
        XCTAssertEqual(try pass(dropped, training: false).1, try pass(byHand, training: false).1)
        XCTAssertEqual(try pass(dropped, training: false).1, try pass(dropped, training: false).1)

        var g = SeededGenerator(seed: 9)
        var masks: [[Float]] = []
        for k in 0..<2 {
            let w = try XCTUnwrap(byHand.namedParameters.first { $0.name == "rnn.weight_hh_l\(k)" }).parameter
            let mask = (0..<w.value.count).map { _ in g.nextUnitFloat() < 1 - p ? 1 / (1 - p) : Float(0) }
            for i in 0..<w.value.count { w.value.storage[i] *= mask[i] }
            masks.append(mask)
        }
        dropped.zeroGradients(); byHand.zeroGradients()
        let (droppedPass, droppedLoss) = try pass(dropped, training: true)
        let (handPass, handLoss) = try pass(byHand, training: true)
        XCTAssertEqual(droppedLoss, handLoss)
        XCTAssertNotEqual(droppedLoss, try pass(dropped, training: false).1, "training drops something")
        try dropped.backwardThroughRecurrence(droppedPass)
        try byHand.backwardThroughRecurrence(handPass)
        for k in 0..<2 {
            let name = "rnn.weight_hh_l\(k)"
            let w = try XCTUnwrap(dropped.namedParameters.first { $0.name == name }).parameter
            let h = try XCTUnwrap(byHand.namedParameters.first { $0.name == name }).parameter
            XCTAssertEqual(w.value.storage, try XCTUnwrap(raw.first { $0.0 == name }).1.storage, "raw weights restored")
            XCTAssertEqual(w.gradient.storage, zip(h.gradient.storage, masks[k]).map { $0 * $1 }, name)
            XCTAssertTrue(w.gradient.storage.contains { $0 != 0 })
        }
        for (a, b) in zip(dropped.namedParameters, byHand.namedParameters) where !a.name.hasPrefix("rnn.weight_hh") {
            XCTAssertEqual(a.parameter.gradient.storage, b.parameter.gradient.storage, a.name)
        }
    }

    /// AR and TAR equal `α·mean(h²)` and `β·mean((h_t − h_{t−1})²)` of the last layer's outputs
    /// computed by hand, and the gradients are those of cross-entropy + AR + TAR (central differences).
    func testActivationPenaltiesMatchHandValuesAndTheirGradients() throws {
        let (alpha, beta): (Float, Float) = (2, 1)
        let lm = try model(Regularisation(activation: alpha, temporalActivation: beta), last: 5)
        // The last layer's output by hand: the embedding, then each layer in turn.
        var x = try lm.embedding.forward(ids: ids.map { Int($0) }, shape: [B, T])
        for layer in lm.layers { x = try layer.forward(x).output }
        let H = 5
        var ar = 0.0, tar = 0.0
        for v in x.storage { ar += Double(v * v) }
        for b in 0..<B { for t in 1..<T { for j in 0..<H {
            let d = Double(x.storage[(b * T + t) * H + j] - x.storage[(b * T + t - 1) * H + j]); tar += d * d
        } } }
        ar = Double(alpha) * ar / Double(B * T * H)
        tar = Double(beta) * tar / Double(B * (T - 1) * H)
        let (evaluation, evalLoss) = try pass(lm, training: false)
        XCTAssertEqual(evaluation.activationPenalty, 0)
        XCTAssertEqual(evaluation.temporalPenalty, 0)
        lm.zeroGradients()
        let (training, loss) = try pass(lm, training: true)
        XCTAssertEqual(loss, evalLoss, "the reported loss is the cross-entropy")
        XCTAssertEqual(Double(training.activationPenalty), ar, accuracy: 1e-6 + 1e-5 * ar)
        XCTAssertEqual(Double(training.temporalPenalty), tar, accuracy: 1e-6 + 1e-5 * tar)
        XCTAssertGreaterThan(training.activationPenalty, 0)
        try lm.backwardThroughRecurrence(training)
        try assertGradientsMatchCentralDifferences(lm.namedParameters, divisions: 5) {
            // A training pass accumulates the output layer's gradients: keep the ones under test.
            let saved = lm.namedParameters.map { $0.parameter.gradient }
            defer { for (k, p) in lm.namedParameters.enumerated() { p.parameter.gradient = saved[k] } }
            let (p, l) = try pass(lm, training: true)
            return l.value + p.activationPenalty + p.temporalPenalty
        }
    }

    /// AWD-LSTM's shape (a narrower tied last layer) has nn.LSTM's per-layer names and shapes, its
    /// loss falls in training, and a checkpoint round-trips into a fresh model of the same configuration.
    func testDifferentLastLayerTrainsAndRoundTripsItsCheckpoint() throws {
        let awd = Regularisation(weightDropout: 0.2, embeddingDropout: 0.05, inputDropout: 0.1, hiddenDropout: 0.1,
                                 outputDropout: 0.1, activation: 2, temporalActivation: 1)
        let lm = try model(awd, layers: 3, hidden: 12, last: 6, tied: true)
        let shapes = Dictionary(uniqueKeysWithValues: lm.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        XCTAssertEqual(shapes["rnn.weight_ih_l0"], [48, 6])
        XCTAssertEqual(shapes["rnn.weight_hh_l1"], [48, 12])
        XCTAssertEqual(shapes["rnn.weight_ih_l2"], [24, 12])
        XCTAssertEqual(shapes["rnn.weight_hh_l2"], [24, 6])
        XCTAssertEqual(shapes["embedding.weight"], [V, 6])
        XCTAssertNil(shapes["fc.weight"], "tied to the embedding")
        let before = try pass(lm, training: false).1.value
        var optimizer = Adam(parameters: lm.namedParameters, learningRate: 0.02)
        var g = SeededGenerator(seed: 4)
        var state: LanguageModel.State?
        for _ in 0..<40 {
            lm.zeroGradients()
            let step = try lm.step(ids: ids, targets: targets, batch: B, steps: T, state: state, training: true, generator: &g)
            state = step.state
            optimizer.step()
        }
        XCTAssertEqual(state?.hidden.shape, [3, B, 12], "the widest layer's width")
        let after = try pass(lm, training: false).1.value
        XCTAssertLessThan(after, before * 0.8)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("awd-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try lm.saveCheckpoint(to: url)
        let restored = try model(awd, layers: 3, hidden: 12, last: 6, tied: true, seed: 77)
        XCTAssertNotEqual(try pass(restored, training: false).1, try pass(lm, training: false).1)
        try restored.loadCheckpoint(from: url)
        XCTAssertEqual(try pass(restored, training: false).1, try pass(lm, training: false).1)
        var g1 = SeededGenerator(seed: 2), g2 = SeededGenerator(seed: 2)
        XCTAssertEqual(try lm.generate(prompt: [1, 2], maxTokens: 6, sampling: .init(), stopIDs: [], generator: &g1),
                       try restored.generate(prompt: [1, 2], maxTokens: 6, sampling: .init(), stopIDs: [], generator: &g2))
    }

    /// Misconfigurations are refused: the plain dropouts beside AWD's, a tied embedding of another size.
    func testConflictingSettingsAreRefused() throws {
        var g = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try LanguageModel(.init(vocabularySize: V, embeddingSize: 6, cell: .lstm, hiddenSize: 8, layers: 2,
                                                     dropout: 0.2, regularisation: Regularisation()), generator: &g))
        XCTAssertThrowsError(try LanguageModel(.init(vocabularySize: V, embeddingSize: 8, cell: .lstm, hiddenSize: 8, layers: 2,
                                                     tieWeights: true, lastHiddenSize: 6), generator: &g))
        XCTAssertThrowsError(try LanguageModel(.init(vocabularySize: V, embeddingSize: 6, cell: .lstm, hiddenSize: 8, layers: 2,
                                                     regularisation: Regularisation(weightDropout: 1)), generator: &g))
    }
}
