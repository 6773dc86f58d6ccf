import Foundation
import XCTest
import JikjiRecurrent

/// Central finite differences of a scalar function of `values`, compared with an analytic
/// gradient. Float32 forward passes limit precision, so the step is 1e-2 and the tolerance
/// 2e-2 relative or 2e-3 absolute — tight enough to catch a transposed or missing term.
enum GradientCheck {
    /// Returns mismatch descriptions (empty when every element agrees).
    static func compare(
        _ label: String, values: inout [Float], analytic: [Float], step: Float = 1e-2,
        loss: (_ values: [Float]) throws -> Double
    ) rethrows -> [String] {
        precondition(values.count == analytic.count, "\(label): \(values.count) values, \(analytic.count) gradients")
        var problems: [String] = []
        for i in values.indices {
            let saved = values[i]
            values[i] = saved + step
            let up = try loss(values)
            values[i] = saved - step
            let down = try loss(values)
            values[i] = saved
            let numeric = (up - down) / Double(2 * step)
            let difference = abs(numeric - Double(analytic[i]))
            if difference > 2e-3 && difference > 2e-2 * abs(numeric) {
                problems.append("\(label)[\(i)]: analytic \(analytic[i]), numeric \(numeric)")
            }
        }
        return problems
    }

    /// `Σ output ⊙ weights` in Double: a loss whose output gradient is `weights`.
    static func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
        var sum = 0.0
        for i in 0..<output.count { sum += Double(output.storage[i]) * Double(weights.storage[i]) }
        return sum
    }

    /// A tensor of normal values from a seeded generator.
    static func random(_ shape: [Int], _ generator: inout SeededGenerator, scale: Float = 1) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.storage[i] = generator.nextNormal() * scale }
        return t
    }
}

final class LayerTests: XCTestCase {
    func testLinearGradientsMatchFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 11)
        // rows 7 ≠ in 5 ≠ out 3, over a [7, 5] input given as [1, 7, 5].
        let linear = Linear(inputSize: 5, outputSize: 3, generator: &generator)
        var input = GradientCheck.random([1, 7, 5], &generator)
        let upstream = GradientCheck.random([1, 7, 3], &generator)
        let dx = linear.backward(input: input, outputGradient: upstream)
        XCTAssertEqual(dx.shape, [1, 7, 5])
        var problems = GradientCheck.compare("dx", values: &input.storage, analytic: dx.storage) {
            GradientCheck.weightedSum(linear.forward(Tensor(shape: [1, 7, 5], values: $0)), upstream)
        }
        for (name, parameter) in linear.namedParameters {
            let analytic = parameter.gradient.storage
            var values = parameter.value.storage
            problems += GradientCheck.compare(name, values: &values, analytic: analytic) { v in
                parameter.value.storage = v
                return GradientCheck.weightedSum(linear.forward(input), upstream)
            }
            parameter.value.storage = values // the last call left one element perturbed
        }
        XCTAssertEqual(problems, [])
    }

    func testLinearForwardIsAffineMap() throws {
        let linear = try Linear(weight: Tensor(shape: [2, 3], values: [1, 2, 3, -1, 0, 2]),
                                bias: Tensor(shape: [2], values: [0.5, -1]))
        let y = linear.forward(Tensor(shape: [2, 3], values: [1, 1, 1, 2, 0, -1]))
        XCTAssertEqual(y.storage, [6.5, 0, -0.5, -5])
        XCTAssertThrowsError(try Linear(weight: Tensor(shape: [2, 3]), bias: Tensor(shape: [3])))
    }

    func testEmbeddingAccumulatesRepeatedIdsAndSkipsPaddingRow() throws {
        let weight = Tensor(shape: [4, 2], values: [0, 0, 1, 2, 3, 4, 5, 6])
        let embedding = try Embedding(weight: weight, paddingIndex: 0)
        let ids = [2, 0, 2, 3]
        let out = try embedding.forward(ids: ids, shape: [2, 2])
        XCTAssertEqual(out.shape, [2, 2, 2])
        XCTAssertEqual(out.storage, [3, 4, 0, 0, 3, 4, 5, 6])
        let touched = embedding.backward(ids: ids, outputGradient: Tensor(shape: [2, 2, 2], values: [1, 2, 10, 20, 3, 4, 5, 6]))
        XCTAssertEqual(embedding.weight.gradient.storage, [0, 0, 0, 0, 4, 6, 5, 6])
        XCTAssertEqual(touched, [2, 3])
        XCTAssertThrowsError(try embedding.forward(ids: [1, 4], shape: [2])) { error in
            XCTAssertTrue("\(error)".contains("id 4 at position 1"), "\(error)")
        }
        XCTAssertThrowsError(try embedding.forward(ids: [1, -1], shape: [2]))
        XCTAssertThrowsError(try Embedding(weight: weight, paddingIndex: 4))
    }

    func testFrozenEmbeddingGetsNoGradientAndOptimizersSkipIt() throws {
        let embedding = try Embedding(weight: Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]), frozen: true)
        embedding.backward(ids: [1, 2], outputGradient: Tensor(shape: [2, 2], repeating: 1))
        XCTAssertEqual(embedding.weight.gradient.storage, [0, 0, 0, 0, 0, 0])
        embedding.weight.gradient = Tensor(shape: [3, 2], repeating: 1)
        var adam = Adam(parameters: embedding.namedParameters, learningRate: 0.1)
        adam.step()
        XCTAssertEqual(embedding.weight.value.storage, [1, 2, 3, 4, 5, 6])
    }

    func testFreshEmbeddingHasZeroPaddingRow() {
        var generator = SeededGenerator(seed: 3)
        let embedding = Embedding(vocabularySize: 6, dimension: 3, paddingIndex: 1, generator: &generator)
        XCTAssertEqual(Array(embedding.weight.value.storage[3..<6]), [0, 0, 0])
        XCTAssertNotEqual(Array(embedding.weight.value.storage[0..<3]), [0, 0, 0])
    }

    func testVectorizedActivationsAgreeWithLibm() {
        // Every length from 0 to 19 exercises the 8-lane body and the tail.
        var x: [Float] = []
        var v: Float = -30
        while v <= 30 { x.append(v); v += 0.0137 }
        x += [0, 1e-6, -1e-6, 1e-3, 88, -87, 100, -100]
        var y = [Float](repeating: 0, count: x.count)
        let cases: [(Activation, (Double) -> Double)] = [
            (.tanh, { Foundation.tanh($0) }), (.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }), (.relu, { max($0, 0) }),
        ]
        for (activation, reference) in cases {
            for n in [0, 1, 7, 8, 9, 19, x.count] {
                activation.forward(x, &y, count: n)
                for i in 0..<n {
                    let expected = reference(Double(x[i]))
                    XCTAssertLessThanOrEqual(abs(Double(y[i]) - expected), 4e-7 * max(abs(expected), 1e-30) + 1e-38,
                                             "\(activation)(\(x[i])) = \(y[i]), expected \(expected)")
                }
            }
        }
        let positives: [Float] = [1e-30, 1e-7, 0.3, 0.70710677, 0.7071068, 1, 1.0000001, 1.4142135, 2, 3.5, 1e6, 3e38]
        var logs = [Float](repeating: 0, count: positives.count)
        VectorMath.log(positives, &logs, count: positives.count)
        for (x, value) in zip(positives, logs) {
            XCTAssertEqual(Double(value), Foundation.log(Double(x)), accuracy: 2e-7 * max(1, abs(Foundation.log(Double(x)))), "log \(x)")
        }
        let squares: [Float] = [0, 1e-30, 1e-8, 0.25, 2, 3, 1e10, 3e38, .leastNormalMagnitude]
        var roots = [Float](repeating: -1, count: squares.count)
        VectorMath.squareRoot(squares, &roots, count: squares.count)
        for (x, root) in zip(squares, roots) {
            XCTAssertEqual(Double(root), Double(x).squareRoot(), accuracy: 2.5e-7 * Double(x).squareRoot(), "√\(x)")
        }
        var e = [Float](repeating: 0, count: 5)
        VectorMath.exp([0, 1, -1, 10, -20], &e, count: 5)
        for (value, expected) in zip(e, [1, M_E, 1 / M_E, Foundation.exp(10.0), Foundation.exp(-20.0)]) {
            XCTAssertEqual(Double(value), expected, accuracy: 3e-7 * expected)
        }
    }

    func testActivationBackwardMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 5)
        for activation in Activation.allCases {
            var x = GradientCheck.random([13], &generator, scale: 2)
            // Keep ReLU inputs away from its kink.
            if activation == .relu { for i in 0..<x.count where abs(x.storage[i]) < 0.05 { x.storage[i] = 0.5 } }
            let upstream = GradientCheck.random([13], &generator)
            let y = activation.forward(x)
            let dx = activation.backward(output: y, outputGradient: upstream)
            let problems = GradientCheck.compare("\(activation)", values: &x.storage, analytic: dx.storage, step: 1e-3) {
                GradientCheck.weightedSum(activation.forward(Tensor(shape: [13], values: $0)), upstream)
            }
            XCTAssertEqual(problems, [])
        }
    }

    func testDropoutScalesKeptElementsAndIsSeeded() throws {
        let dropout = try Dropout(probability: 0.25)
        let x = Tensor(shape: [100, 40], repeating: 2)
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let (y, mask) = dropout.forward(x, training: true, generator: &g1)
        let (y2, _) = dropout.forward(x, training: true, generator: &g2)
        XCTAssertEqual(y, y2, "same seed, same mask")
        let kept = y.storage.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 2 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        let dx = dropout.backward(outputGradient: Tensor(shape: [100, 40], repeating: 1), mask: mask)
        XCTAssertEqual(dx.storage.map { $0 != 0 }, y.storage.map { $0 != 0 })
        let (evaluation, none) = dropout.forward(x, training: false, generator: &g1)
        XCTAssertEqual(evaluation, x)
        XCTAssertNil(none)
        XCTAssertThrowsError(try Dropout(probability: 1))
    }
}
