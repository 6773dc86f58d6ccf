import XCTest
import JikjiRecurrent

/// Finite-difference checks of ``RecurrentLayer/backward(_:outputGradient:finalHiddenGradient:finalCellGradient:)``.
///
/// Sizes are pairwise different (input 5, hidden 3, batch 4, steps 6) so a transposed or
/// mis-strided product cannot pass by accident; lengths are unsorted and include 1 and T.
final class RecurrentGradientTests: XCTestCase {
    struct Setup {
        let layer: RecurrentLayer
        let input: Tensor
        let lengths: [Int]?
        let h0: Tensor
        let c0: Tensor?
        let dOutput: Tensor
        let dHidden: Tensor
        let dCell: Tensor?
        let training: Bool
    }

    static func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator, scale: Float = 1) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.storage[i] = generator.nextFloat(in: -scale, scale) }
        return t
    }

    func makeSetup(cell: RecurrentCell, layers: Int, bidirectional: Bool, lengths: [Int]?,
                   dropout: Float = 0, seed: UInt64) throws -> Setup {
        var g = SeededGenerator(seed: seed)
        let batch = 4, steps = 6, inputSize = 5, hidden = 3
        let layer = try RecurrentLayer(cell: cell, inputSize: inputSize, hiddenSize: hidden, layerCount: layers,
                                       bidirectional: bidirectional, dropout: dropout, generator: &g)
        // Larger weights than the default init make the gates leave their linear range.
        for (_, p) in layer.namedParameters { p.value = Self.randomTensor(p.value.shape, &g, scale: 0.8) }
        let states = [layers * layer.directionCount, batch, hidden]
        return Setup(
            layer: layer, input: Self.randomTensor([batch, steps, inputSize], &g), lengths: lengths,
            h0: Self.randomTensor(states, &g, scale: 0.5),
            c0: cell.hasCellState ? Self.randomTensor(states, &g, scale: 0.5) : nil,
            dOutput: Self.randomTensor([batch, steps, layer.directionCount * hidden], &g),
            dHidden: Self.randomTensor(states, &g),
            dCell: cell.hasCellState ? Self.randomTensor(states, &g) : nil,
            training: dropout > 0)
    }

    /// `sum(output * dOutput) + sum(h_n * dHidden) + sum(c_n * dCell)` in Double; padded
    /// outputs are zero, so their weights do not count.
    func loss(_ s: Setup, input: Tensor? = nil, h0: Tensor? = nil, c0: Tensor? = nil) throws -> Double {
        var g = SeededGenerator(seed: 99) // the same dropout masks on every evaluation
        let r = try s.layer.forward(input ?? s.input, lengths: s.lengths, initialHidden: h0 ?? s.h0,
                                    initialCell: c0 ?? s.c0, training: s.training, generator: &g)
        func dot(_ a: Tensor, _ b: Tensor) -> Double {
            zip(a.storage, b.storage).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var total = dot(r.output, s.dOutput) + dot(r.finalHidden, s.dHidden)
        if let c = r.finalCell, let dc = s.dCell { total += dot(c, dc) }
        return total
    }

    /// Compares every analytic gradient with a central difference.
    /// `eps` is the finite-difference step; ReLU needs a small one so that no pre-activation
    /// crosses its kink at 0 between the two evaluations.
    func check(_ s: Setup, eps: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line) throws {
        s.layer.zeroGradients()
        var g = SeededGenerator(seed: 99)
        let r = try s.layer.forward(s.input, lengths: s.lengths, initialHidden: s.h0, initialCell: s.c0,
                                    training: s.training, generator: &g)
        let grads = try s.layer.backward(r.tape, outputGradient: s.dOutput, finalHiddenGradient: s.dHidden,
                                         finalCellGradient: s.dCell)
        var worst = 0.0, checked = 0
        func compare(_ analytic: Float, _ plus: Double, _ minus: Double, _ what: String) {
            let numeric = (plus - minus) / (2 * Double(eps))
            let error = abs(numeric - Double(analytic)) / max(1, abs(numeric))
            worst = max(worst, error)
            checked += 1
            XCTAssertLessThan(error, 2e-3, "\(what): analytic \(analytic), numeric \(numeric)", file: file, line: line)
        }
        for (name, p) in s.layer.namedParameters {
            for i in 0..<p.value.count {
                let saved = p.value.storage[i]
                p.value.storage[i] = saved + eps
                let plus = try loss(s)
                p.value.storage[i] = saved - eps
                let minus = try loss(s)
                p.value.storage[i] = saved
                compare(p.gradient.storage[i], plus, minus, "\(name)[\(i)]")
            }
        }
        func perturb(_ t: Tensor, _ i: Int, _ delta: Float) -> Tensor {
            var copy = t
            copy.storage[i] += delta
            return copy
        }
        for i in 0..<s.input.count {
            compare(grads.input.storage[i], try loss(s, input: perturb(s.input, i, eps)),
                    try loss(s, input: perturb(s.input, i, -eps)), "input[\(i)]")
        }
        for i in 0..<s.h0.count {
            compare(grads.initialHidden.storage[i], try loss(s, h0: perturb(s.h0, i, eps)),
                    try loss(s, h0: perturb(s.h0, i, -eps)), "h0[\(i)]")
        }
        if let c0 = s.c0 {
            let dc0 = try XCTUnwrap(grads.initialCell)
            for i in 0..<c0.count {
                compare(dc0.storage[i], try loss(s, c0: perturb(c0, i, eps)),
                        try loss(s, c0: perturb(c0, i, -eps)), "c0[\(i)]")
            }
        }
        XCTAssertGreaterThan(checked, 150, file: file, line: line)
    }

    func testLSTMTwoLayerBidirectionalPacked() throws {
        try check(makeSetup(cell: .lstm, layers: 2, bidirectional: true, lengths: [4, 6, 1, 5], seed: 1))
    }

    func testGRUTwoLayerBidirectionalPacked() throws {
        try check(makeSetup(cell: .gru, layers: 2, bidirectional: true, lengths: [2, 6, 6, 3], seed: 2))
    }

    func testTanhRNNTwoLayerBidirectionalPacked() throws {
        try check(makeSetup(cell: .rnnTanh, layers: 2, bidirectional: true, lengths: [5, 1, 6, 2], seed: 3))
    }

    func testReLURNNUnidirectionalFullLength() throws {
        try check(makeSetup(cell: .rnnReLU, layers: 2, bidirectional: false, lengths: nil, seed: 4),
                  eps: 1e-3)
    }

    func testLSTMWithDropoutBetweenLayers() throws {
        try check(makeSetup(cell: .lstm, layers: 3, bidirectional: false, lengths: [6, 3, 4, 2],
                            dropout: 0.4, seed: 5))
    }
}
