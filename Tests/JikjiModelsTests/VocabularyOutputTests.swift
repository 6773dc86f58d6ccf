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
}
