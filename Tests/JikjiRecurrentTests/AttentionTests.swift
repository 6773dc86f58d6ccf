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
}
