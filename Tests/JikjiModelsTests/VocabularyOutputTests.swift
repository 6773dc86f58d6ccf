import XCTest
import JikjiModels
import JikjiRecurrent

/// The chunked output layer must equal Linear followed by cross-entropy, whatever the chunking.
final class VocabularyOutputTests: XCTestCase {
    func testChunkedLossAndGradientsEqualLinearThenCrossEntropy() throws {
        var g = SeededGenerator(seed: 3)
        let (N, H, V) = (11, 6, 17)
        let linear = Linear(inputSize: H, outputSize: V, generator: &g)
        var hidden = Tensor(shape: [N, H])
        for i in 0..<hidden.count { hidden.storage[i] = g.nextFloat(in: -2, 2) }
        let targets: [Int32] = [3, 0, -100, 16, 5, 5, 9, -100, 1, 2, 15]

        // Reference: the nn building blocks.
        let logits = linear.forward(hidden)
        let reference = try Loss.crossEntropy(logits: logits, targets: targets.map(Int.init))
        let referenceHidden = linear.backward(input: hidden, outputGradient: reference.gradient)
        let referenceWeight = linear.weight.gradient.storage, referenceBias = linear.bias!.gradient.storage

        for chunk in [1, 4, 11, 64] {
            linear.weight.zeroGradient(); linear.bias!.zeroGradient()
            var output = VocabularyOutput(weight: linear.weight, bias: linear.bias)
            output.chunkRows = chunk
            let result = try output.crossEntropy(hidden: hidden, targets: targets, accumulateGradients: true)
            XCTAssertEqual(result.count, 9)
            XCTAssertEqual(result.loss, reference.value, accuracy: 1e-5, "chunk \(chunk)")
            for (a, e) in zip(result.hiddenGradient!.storage, referenceHidden.storage) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            for (a, e) in zip(linear.weight.gradient.storage, referenceWeight) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            for (a, e) in zip(linear.bias!.gradient.storage, referenceBias) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        }
        XCTAssertThrowsError(try VocabularyOutput(weight: linear.weight, bias: nil)
            .crossEntropy(hidden: hidden, targets: [Int32](repeating: 17, count: N), accumulateGradients: false))
    }

    /// Large enough for the row-parallel softmax (≥ 32 rows a chunk), the 16-lane loops with a
    /// remainder (V = 2 053) and the column-split bias gradient, with ignored rows inside chunks.
    func testTheThreadedSoftmaxPathEqualsLinearThenCrossEntropy() throws {
        var g = SeededGenerator(seed: 8)
        let (N, H, V) = (75, 16, 2053)
        let linear = Linear(inputSize: H, outputSize: V, generator: &g)
        var hidden = Tensor(shape: [N, H])
        for i in 0..<hidden.count { hidden.storage[i] = g.nextFloat(in: -3, 3) }
        let targets: [Int32] = (0..<N).map { $0 % 9 == 4 ? -100 : Int32(($0 * 611) % V) }
        let reference = try Loss.crossEntropy(logits: linear.forward(hidden), targets: targets.map(Int.init))
        let referenceHidden = linear.backward(input: hidden, outputGradient: reference.gradient)
        let referenceWeight = linear.weight.gradient.storage, referenceBias = linear.bias!.gradient.storage
        for chunk in [40, 256] {
            linear.weight.zeroGradient(); linear.bias!.zeroGradient()
            var output = VocabularyOutput(weight: linear.weight, bias: linear.bias)
            output.chunkRows = chunk
            let result = try output.crossEntropy(hidden: hidden, targets: targets, accumulateGradients: true)
            XCTAssertEqual(result.loss, reference.value, accuracy: 1e-5, "chunk \(chunk)")
            let evaluation = try output.crossEntropy(hidden: hidden, targets: targets, accumulateGradients: false)
            XCTAssertEqual(evaluation.loss, reference.value, accuracy: 1e-5)
            for (a, e) in zip(result.hiddenGradient!.storage, referenceHidden.storage) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            for (a, e) in zip(linear.weight.gradient.storage, referenceWeight) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            for (a, e) in zip(linear.bias!.gradient.storage, referenceBias) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        }
    }

    /// Decoding-step logits equal Linear's for one to four rows (one matrix-vector product per
    /// row) and for more (one matrix product), with and without a bias.
    func testLogitsEqualLinearForFewAndManyRows() {
        var g = SeededGenerator(seed: 21)
        let (H, V) = (24, 301)
        let linear = Linear(inputSize: H, outputSize: V, generator: &g)
        for N in [1, 3, 4, 5, 9] {
            var hidden = Tensor(shape: [N, H])
            for i in 0..<hidden.count { hidden.storage[i] = g.nextFloat(in: -2, 2) }
            let reference = linear.forward(hidden)
            let withBias = VocabularyOutput(weight: linear.weight, bias: linear.bias).logits(hidden: hidden)
            XCTAssertEqual(withBias.shape, [N, V])
            for (a, e) in zip(withBias.storage, reference.storage) { XCTAssertEqual(a, e, accuracy: 1e-5, "\(N) rows") }
            let withoutBias = VocabularyOutput(weight: linear.weight, bias: nil).logits(hidden: hidden)
            for (i, (a, e)) in zip(withoutBias.storage, reference.storage).enumerated() {
                XCTAssertEqual(a, e - linear.bias!.value.storage[i % V], accuracy: 1e-5, "\(N) rows without bias")
            }
        }
    }
}
