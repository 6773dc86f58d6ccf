import Foundation
import XCTest
import JikjiRecurrent

final class LossTests: XCTestCase {
    func testCrossEntropyGradientWithIgnoreIndexAndSmoothingMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 21)
        // 6 rows ≠ 5 classes; two ignored rows.
        var logits = GradientCheck.random([2, 3, 5], &generator, scale: 2)
        let targets = [4, -100, 0, 2, -100, 1]
        for smoothing: Float in [0, 0.2] {
            let result = try Loss.crossEntropy(logits: logits, targets: targets, labelSmoothing: smoothing)
            XCTAssertEqual(result.count, 4)
            for r in [1, 4] {
                XCTAssertEqual(Array(result.gradient.storage[(r * 5)..<(r * 5 + 5)]), [0, 0, 0, 0, 0], "ignored row \(r)")
            }
            let problems = try GradientCheck.compare("logits ε=\(smoothing)", values: &logits.storage,
                                                     analytic: result.gradient.storage, step: 1e-3) {
                Double(try Loss.crossEntropy(logits: Tensor(shape: [2, 3, 5], values: $0), targets: targets,
                                             labelSmoothing: smoothing).value)
            }
            XCTAssertEqual(problems, [])
        }
    }

    func testCrossEntropyValuesByHand() throws {
        // Uniform logits over 4 classes: -log(1/4) whatever the target or smoothing.
        let flat = try Loss.crossEntropy(logits: Tensor(shape: [1, 4]), targets: [2], labelSmoothing: 0.3)
        XCTAssertEqual(flat.value, Float(log(4.0)), accuracy: 1e-6)
        // logits [0, ln 3]: p = [1/4, 3/4]; target 1, ε = 0.5 → 0.75·(-ln 3/4) + 0.25·(-ln 1/4).
        let two = try Loss.crossEntropy(logits: Tensor(shape: [1, 2], values: [0, Float(log(3.0))]), targets: [1],
                                        labelSmoothing: 0.5)
        XCTAssertEqual(two.value, Float(0.75 * -log(0.75) + 0.25 * -log(0.25)), accuracy: 1e-6)
        XCTAssertEqual(two.gradient.storage[0], 0.25 - 0.25, accuracy: 1e-6)
        XCTAssertEqual(two.gradient.storage[1], 0.75 - 0.75, accuracy: 1e-6)
        // Large logits do not overflow.
        let large = try Loss.crossEntropy(logits: Tensor(shape: [1, 2], values: [1000, 0]), targets: [1])
        XCTAssertEqual(large.value, 1000, accuracy: 1e-3)
    }

    func testCrossEntropyWithEveryTargetIgnoredIsNaNWithZeroGradient() throws {
        let result = try Loss.crossEntropy(logits: Tensor(shape: [2, 3], repeating: 1), targets: [0, 0], ignoreIndex: 0)
        XCTAssertTrue(result.value.isNaN)
        XCTAssertEqual(result.gradient.storage, [Float](repeating: 0, count: 6))
    }

    func testCrossEntropyRejectsBadTargetsNamingTheRow() {
        XCTAssertThrowsError(try Loss.crossEntropy(logits: Tensor(shape: [2, 3]), targets: [1, 3])) { error in
            XCTAssertTrue("\(error)".contains("target 3 in row 1"), "\(error)")
        }
        XCTAssertThrowsError(try Loss.crossEntropy(logits: Tensor(shape: [2, 3]), targets: [1]))
        XCTAssertThrowsError(try Loss.crossEntropy(logits: Tensor(shape: [2, 3]), targets: [1, 1], labelSmoothing: 1.5))
    }

    func testBinaryCrossEntropyIsStableAndMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 8)
        var logits = GradientCheck.random([7], &generator, scale: 3)
        let labels = Tensor(shape: [7], values: [1, 0, 1, 1, 0, 0.3, 1])
        let result = try Loss.binaryCrossEntropyWithLogits(logits: logits, labels: labels)
        let problems = try GradientCheck.compare("logits", values: &logits.storage, analytic: result.gradient.storage, step: 1e-3) {
            Double(try Loss.binaryCrossEntropyWithLogits(logits: Tensor(shape: [7], values: $0), labels: labels).value)
        }
        XCTAssertEqual(problems, [])
        // Values against a Double reference over a wide range, 3000 elements (several blocks).
        let wide = Tensor(shape: [3000], values: (0..<3000).map { Float($0 - 1500) / 40 })
        let targets = Tensor(shape: [3000], values: (0..<3000).map { Float($0 % 3) / 2 })
        var reference = 0.0
        for i in 0..<3000 {
            let x = Double(wide.storage[i]), y = Double(targets.storage[i])
            reference += max(x, 0) - x * y + Foundation.log1p(Foundation.exp(-abs(x)))
        }
        let wideResult = try Loss.binaryCrossEntropyWithLogits(logits: wide, labels: targets)
        XCTAssertEqual(Double(wideResult.value), reference / 3000, accuracy: 1e-6 * reference / 3000)
        // A single confident correct answer: the loss is e^-x itself, not rounded to zero.
        let confident = try Loss.binaryCrossEntropyWithLogits(logits: Tensor(shape: [1], values: [20]),
                                                             labels: Tensor(shape: [1], values: [1]))
        XCTAssertEqual(Double(confident.value), Foundation.exp(-20.0), accuracy: 1e-6 * Foundation.exp(-20.0))
        // log(1 + e^-100) underflows naively; the stable form gives 100 for a confident wrong answer.
        let extreme = try Loss.binaryCrossEntropyWithLogits(logits: Tensor(shape: [2], values: [100, -100]),
                                                           labels: Tensor(shape: [2], values: [0, 0]))
        XCTAssertEqual(extreme.value, 50, accuracy: 1e-4)
        XCTAssertThrowsError(try Loss.binaryCrossEntropyWithLogits(logits: Tensor(shape: [2]), labels: Tensor(shape: [3])))
    }

    func testMeanSquaredError() throws {
        let result = try Loss.meanSquaredError(prediction: Tensor(shape: [2, 2], values: [1, 2, 3, 4]),
                                               target: Tensor(shape: [2, 2], values: [1, 0, 3, 1]))
        XCTAssertEqual(result.value, (4 + 9) / 4)
        XCTAssertEqual(result.gradient.storage, [0, 1, 0, 1.5])
    }
}
