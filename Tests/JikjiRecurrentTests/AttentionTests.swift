import XCTest
import JikjiRecurrent

final class AttentionTests: XCTestCase {
    /// B = 2, S = 5, T = 3 decoder steps; sizes differ where the score allows
    /// (general: Hd 3, Hs 4, Ho 6; concat: Hd 3, Hs 4, A 7; dot: Hd = Hs = 4, Ho 2).
    private func makeAttention(_ score: LuongAttention.Score, _ generator: inout SeededGenerator) throws -> LuongAttention {
        switch score {
        case .dot:
            return try LuongAttention(score: .dot, decoderSize: 4, encoderSize: 4, outputSize: 2, generator: &generator)
        case .general:
            return try LuongAttention(score: .general, decoderSize: 3, encoderSize: 4, outputSize: 6, generator: &generator)
        case .concat:
            return try LuongAttention(score: .concat, decoderSize: 3, encoderSize: 4, attentionSize: 7, generator: &generator)
        }
    }

    func testGradientsMatchFiniteDifferencesForEveryScore() throws {
        for score in LuongAttention.Score.allCases {
            var generator = SeededGenerator(seed: 31)
            let attention = try makeAttention(score, &generator)
            let lengths = [5, 2]
            var encoder = GradientCheck.random([2, 5, attention.encoderSize], &generator)
            var decoder = GradientCheck.random([2, 3, attention.decoderSize], &generator)
            let upstream = GradientCheck.random([2, 3, attention.outputSize], &generator)
            let state = LuongAttentionState()
            func loss(_ enc: Tensor, _ dec: Tensor) throws -> Double {
                let out = try attention.forward(encoderOutputs: enc, sourceLengths: lengths, decoderStates: dec,
                                                state: LuongAttentionState())
                return GradientCheck.weightedSum(out, upstream)
            }
            _ = try attention.forward(encoderOutputs: encoder, sourceLengths: lengths, decoderStates: decoder, state: state)
            let grads = attention.backward(attentionalGradient: upstream, state: state)
            let (encShape, decShape) = (encoder.shape, decoder.shape)
            var problems = try GradientCheck.compare("\(score) d encoder", values: &encoder.storage,
                                                     analytic: grads.encoderOutputs.storage) {
                try loss(Tensor(shape: encShape, values: $0), decoder)
            }
            problems += try GradientCheck.compare("\(score) d decoder", values: &decoder.storage,
                                                  analytic: grads.decoderStates.storage) {
                try loss(encoder, Tensor(shape: decShape, values: $0))
            }
            for (name, parameter) in attention.namedParameters {
                var values = parameter.value.storage
                problems += try GradientCheck.compare("\(score) \(name)", values: &values,
                                                      analytic: parameter.gradient.storage) { v in
                    parameter.value.storage = v
                    return try loss(encoder, decoder)
                }
                parameter.value.storage = values // the last call left one element perturbed
            }
            XCTAssertEqual(problems, [])
            // Masked steps of the short sequence get no weight and no gradient.
            let weights = state.attentionWeights
            XCTAssertEqual(weights.shape, [2, 3, 5])
            for t in 0..<3 {
                for s in 2..<5 { XCTAssertEqual(weights[1, t, s], 0) }
                let rowSum = (0..<5).reduce(Float(0)) { $0 + weights[1, t, $1] }
                XCTAssertEqual(rowSum, 1, accuracy: 1e-6)
            }
            for s in 2..<5 {
                for h in 0..<attention.encoderSize { XCTAssertEqual(grads.encoderOutputs[1, s, h], 0, "\(score)") }
            }
        }
    }

    func testAllStepsAtOnceEqualStepByStep() throws {
        var generator = SeededGenerator(seed: 4)
        let attention = try makeAttention(.general, &generator)
        let encoder = GradientCheck.random([2, 5, 4], &generator)
        let decoder = GradientCheck.random([2, 3, 3], &generator)
        let lengths = [3, 5]
        let all = try attention.forward(encoderOutputs: encoder, sourceLengths: lengths, decoderStates: decoder,
                                        state: LuongAttentionState())
        // The same workspace serves every single-step call (and grows as needed).
        let state = LuongAttentionState()
        for t in 0..<3 {
            var step = Tensor(shape: [2, 3])
            for b in 0..<2 { for h in 0..<3 { step[b, h] = decoder[b, t, h] } }
            let one = try attention.forward(encoderOutputs: encoder, sourceLengths: lengths, decoderStates: step, state: state)
            XCTAssertEqual(one.shape, [2, 6])
            for b in 0..<2 {
                for h in 0..<6 { XCTAssertEqual(one[b, h], all[b, t, h], accuracy: 1e-6) }
            }
            XCTAssertEqual(state.contexts.shape, [2, 4])
        }
    }

    func testPaddedEncoderStepsDoNotChangeTheResult() throws {
        var generator = SeededGenerator(seed: 12)
        let attention = try makeAttention(.concat, &generator)
        var encoder = GradientCheck.random([2, 5, 4], &generator)
        let decoder = GradientCheck.random([2, 3, 3], &generator)
        let first = try attention.forward(encoderOutputs: encoder, sourceLengths: [5, 2], decoderStates: decoder,
                                          state: LuongAttentionState())
        for s in 2..<5 { for h in 0..<4 { encoder[1, s, h] = 100 } }
        let second = try attention.forward(encoderOutputs: encoder, sourceLengths: [5, 2], decoderStates: decoder,
                                           state: LuongAttentionState())
        XCTAssertEqual(Array(first.storage[18...]), Array(second.storage[18...]))
    }

    func testBadInputsAreRejectedWithTheirSizes() throws {
        var generator = SeededGenerator(seed: 1)
        let attention = try makeAttention(.general, &generator)
        let state = LuongAttentionState()
        XCTAssertThrowsError(try attention.forward(encoderOutputs: Tensor(shape: [2, 5, 4]), sourceLengths: [5, 0],
                                                   decoderStates: Tensor(shape: [2, 3]), state: state)) {
            XCTAssertTrue("\($0)".contains("source length 0 of sequence 1"), "\($0)")
        }
        XCTAssertThrowsError(try attention.forward(encoderOutputs: Tensor(shape: [2, 5, 3]), sourceLengths: [5, 5],
                                                   decoderStates: Tensor(shape: [2, 3]), state: state))
        XCTAssertThrowsError(try LuongAttention(score: .dot, decoderSize: 3, encoderSize: 4, generator: &generator))
    }

    func testWeightsFromACheckpointGiveTheSameLayer() throws {
        var generator = SeededGenerator(seed: 2)
        let original = try makeAttention(.concat, &generator)
        let copy = try LuongAttention(score: .concat, combineWeight: original.combineWeight.value,
                                      scoreWeight: original.scoreWeight!.value, scoreVector: original.scoreVector!.value,
                                      decoderSize: 3)
        XCTAssertEqual([copy.decoderSize, copy.encoderSize, copy.outputSize], [3, 4, 3])
        let encoder = GradientCheck.random([1, 4, 4], &generator), decoder = GradientCheck.random([1, 2, 3], &generator)
        let a = try original.forward(encoderOutputs: encoder, sourceLengths: [3], decoderStates: decoder, state: LuongAttentionState())
        let b = try copy.forward(encoderOutputs: encoder, sourceLengths: [3], decoderStates: decoder, state: LuongAttentionState())
        XCTAssertEqual(a, b)
        XCTAssertEqual(copy.namedParameters.map(\.name), ["W_a.weight", "v.weight", "W_c.weight"])
    }

    func testStepByStepForwardAndBackwardEqualTheBatchedPass() throws {
        for score in LuongAttention.Score.allCases {
            var generator = SeededGenerator(seed: 40)
            let batched = try makeAttention(score, &generator)
            let stepwise = try LuongAttention(
                score: score, combineWeight: batched.combineWeight.value, scoreWeight: batched.scoreWeight?.value,
                scoreVector: batched.scoreVector?.value, decoderSize: batched.decoderSize)
            let (b, s, t, hd, ho) = (2, 5, 3, batched.decoderSize, batched.outputSize)
            let encoder = GradientCheck.random([b, s, batched.encoderSize], &generator)
            let decoder = GradientCheck.random([b, t, hd], &generator)
            let upstream = GradientCheck.random([b, t, ho], &generator)
            let lengths = [4, 2]

            let full = LuongAttentionState()
            let all = try batched.forward(encoderOutputs: encoder, sourceLengths: lengths, decoderStates: decoder, state: full)
            let grads = batched.backward(attentionalGradient: upstream, state: full)

            let state = LuongAttentionState()
            try stepwise.beginSteps(encoderOutputs: encoder, sourceLengths: lengths, steps: t, state: state)
            XCTAssertThrowsError(try stepwise.backwardStep(0, attentionalGradient: Tensor(shape: [b, ho]), state: state))
            for j in 0..<t {
                var h = Tensor(shape: [b, hd])
                for i in 0..<b { for c in 0..<hd { h[i, c] = decoder[i, j, c] } }
                let out = try stepwise.forwardStep(j, decoderState: h, state: state)
                for i in 0..<b { for c in 0..<ho { XCTAssertEqual(out[i, c], all[i, j, c], accuracy: 1e-6, "\(score)") } }
            }
            XCTAssertEqual(state.attentionWeights.shape, [b, t, s])
            for j in (0..<t).reversed() {
                var g = Tensor(shape: [b, ho])
                for i in 0..<b { for c in 0..<ho { g[i, c] = upstream[i, j, c] } }
                let dh = try stepwise.backwardStep(j, attentionalGradient: g, state: state)
                for i in 0..<b {
                    for c in 0..<hd { XCTAssertEqual(dh[i, c], grads.decoderStates[i, j, c], accuracy: 1e-5, "\(score) step \(j)") }
                }
            }
            let encoderGradient = state.encoderGradient
            for k in 0..<encoderGradient.count {
                XCTAssertEqual(encoderGradient.storage[k], grads.encoderOutputs.storage[k], accuracy: 1e-5, "\(score)")
            }
            for ((name, p), (_, q)) in zip(stepwise.namedParameters, batched.namedParameters) {
                for k in 0..<p.gradient.count {
                    XCTAssertEqual(p.gradient.storage[k], q.gradient.storage[k], accuracy: 1e-5, "\(score) \(name)")
                }
            }
        }
    }
}
