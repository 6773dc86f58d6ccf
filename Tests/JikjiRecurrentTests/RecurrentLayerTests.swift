import XCTest
import JikjiRecurrent

/// Behaviour of ``RecurrentLayer`` beyond the PyTorch fixtures: packed-sequence semantics,
/// dropout, threading invariance, parameter names and input validation.
final class RecurrentLayerTests: XCTestCase {
    func randomTensor(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.storage[i] = g.nextFloat(in: -1, 1) }
        return t
    }

    /// A sequence inside a padded batch gives the same output and final state as the same
    /// sequence run alone at its own length: padding never leaks into the state, in either direction.
    func testPaddedSequenceEqualsSequenceRunAlone() throws {
        for cell in RecurrentCell.allCases {
            var g = SeededGenerator(seed: 7)
            let layer = try RecurrentLayer(cell: cell, inputSize: 5, hiddenSize: 3, layerCount: 2,
                                           bidirectional: true, generator: &g)
            let steps = 6, lengths = [6, 2, 4]
            let input = randomTensor([3, steps, 5], &g)
            let batched = try layer.forward(input, lengths: lengths)
            for (b, length) in lengths.enumerated() {
                var alone = Tensor(shape: [1, length, 5])
                for t in 0..<length { for e in 0..<5 { alone[0, t, e] = input[b, t, e] } }
                let single = try layer.forward(alone)
                for t in 0..<steps {
                    for f in 0..<6 {
                        let expected: Float = t < length ? single.output[0, t, f] : 0
                        XCTAssertEqual(batched.output[b, t, f], expected, accuracy: 1e-5, "\(cell) b\(b) t\(t) f\(f)")
                    }
                }
                for s in 0..<4 {
                    for h in 0..<3 {
                        XCTAssertEqual(batched.finalHidden[s, b, h], single.finalHidden[s, 0, h], accuracy: 1e-5,
                                       "\(cell) h_n slot \(s) b\(b)")
                        if let c = batched.finalCell, let c1 = single.finalCell {
                            XCTAssertEqual(c[s, b, h], c1[s, 0, h], accuracy: 1e-5, "\(cell) c_n slot \(s) b\(b)")
                        }
                    }
                }
            }
        }
    }

    func testPaddedStepsGetNoInputGradient() throws {
        var g = SeededGenerator(seed: 8)
        let layer = try RecurrentLayer(cell: .gru, inputSize: 4, hiddenSize: 3, bidirectional: true, generator: &g)
        let input = randomTensor([2, 5, 4], &g)
        let r = try layer.forward(input, lengths: [5, 2])
        let grads = try layer.backward(r.tape, outputGradient: Tensor(shape: [2, 5, 6], repeating: 1))
        for t in 2..<5 { for e in 0..<4 { XCTAssertEqual(grads.input[1, t, e], 0) } }
        XCTAssertNotEqual(grads.input[1, 1, 0], 0)
    }

    func testInferenceWithoutTapeGivesTheSameOutputsAndRefusesBackward() throws {
        for cell in RecurrentCell.allCases {
            var g = SeededGenerator(seed: 13)
            let layer = try RecurrentLayer(cell: cell, inputSize: 4, hiddenSize: 5, layerCount: 2,
                                           bidirectional: true, generator: &g)
            let input = randomTensor([3, 4, 4], &g)
            let recorded = try layer.forward(input, lengths: [4, 2, 3])
            let inference = try layer.forward(input, lengths: [4, 2, 3], recordTape: false)
            XCTAssertEqual(recorded.output, inference.output, "\(cell)")
            XCTAssertEqual(recorded.finalHidden, inference.finalHidden, "\(cell)")
            XCTAssertEqual(recorded.finalCell, inference.finalCell, "\(cell)")
            XCTAssertThrowsError(try layer.backward(inference.tape, outputGradient: nil)) { error in
                XCTAssertEqual(error as? RecurrentError, .notRecorded)
            }
        }
    }

    func testDirectionsInParallelGiveTheSameNumbers() throws {
        var g = SeededGenerator(seed: 9)
        let layer = try RecurrentLayer(cell: .lstm, inputSize: 7, hiddenSize: 6, layerCount: 2,
                                       bidirectional: true, generator: &g)
        let input = randomTensor([3, 4, 7], &g)
        let dy = randomTensor([3, 4, 12], &g)
        var results: [(Tensor, Tensor, [Tensor])] = []
        for schedule in [DirectionSchedule.sequential, .parallel] {
            layer.directionSchedule = schedule
            layer.zeroGradients()
            let r = try layer.forward(input, lengths: [4, 1, 3])
            let grads = try layer.backward(r.tape, outputGradient: dy)
            results.append((r.output, grads.input, layer.namedParameters.map { $0.parameter.gradient }))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
        XCTAssertEqual(results[0].2, results[1].2)
    }

    func testDropoutOnlyInTrainingAndReproducibleForASeed() throws {
        var g = SeededGenerator(seed: 10)
        let layer = try RecurrentLayer(cell: .rnnTanh, inputSize: 4, hiddenSize: 8, layerCount: 2,
                                       dropout: 0.5, generator: &g)
        let input = randomTensor([2, 3, 4], &g)
        let eval = try layer.forward(input)
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3), g3 = SeededGenerator(seed: 4)
        let a = try layer.forward(input, training: true, generator: &g1)
        let b = try layer.forward(input, training: true, generator: &g2)
        let c = try layer.forward(input, training: true, generator: &g3)
        XCTAssertEqual(a.output, b.output)
        XCTAssertNotEqual(a.output, eval.output)
        XCTAssertNotEqual(a.output, c.output)
        var noTraining = SeededGenerator(seed: 3)
        XCTAssertEqual(try layer.forward(input, training: false, generator: &noTraining).output, eval.output)
    }

    func testPyTorchParameterNamesAndLayouts() throws {
        var g = SeededGenerator(seed: 11)
        let layer = try RecurrentLayer(cell: .gru, inputSize: 5, hiddenSize: 3, layerCount: 2,
                                       bidirectional: true, generator: &g)
        let named = layer.namedParameters
        XCTAssertEqual(named.map(\.name), [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ])
        XCTAssertEqual(named[0].parameter.value.shape, [9, 5])
        XCTAssertEqual(named[1].parameter.value.shape, [9, 3])
        XCTAssertEqual(named[8].parameter.value.shape, [9, 6])
        let bound = 1 / Float(3).squareRoot()
        for (_, p) in named { XCTAssertTrue(p.value.storage.allSatisfy { abs($0) <= bound }) }
    }

    func testBadInputsThrowReadableErrors() throws {
        var g = SeededGenerator(seed: 12)
        let layer = try RecurrentLayer(cell: .lstm, inputSize: 4, hiddenSize: 3, generator: &g)
        XCTAssertThrowsError(try layer.forward(Tensor(shape: [2, 3, 5]))) { error in
            XCTAssertEqual(error as? RecurrentError,
                           .shape(name: "input", expected: "[B, T, 4] with B, T > 0", actual: [2, 3, 5]))
        }
        XCTAssertThrowsError(try layer.forward(Tensor(shape: [2, 3, 4]), lengths: [3, 0])) { error in
            XCTAssertTrue("\(error)".contains("length 0 of sequence 1 is outside 1...3"), "\(error)")
        }
        XCTAssertThrowsError(try layer.forward(Tensor(shape: [2, 3, 4]), lengths: [3]))
        XCTAssertThrowsError(try layer.forward(Tensor(shape: [2, 3, 4]), initialHidden: Tensor(shape: [1, 3, 3])))
        let gru = try RecurrentLayer(cell: .gru, inputSize: 4, hiddenSize: 3, generator: &g)
        XCTAssertThrowsError(try gru.forward(Tensor(shape: [2, 3, 4]), initialCell: Tensor(shape: [1, 2, 3])))
        XCTAssertThrowsError(try RecurrentLayer(cell: .gru, inputSize: 4, hiddenSize: 0, generator: &g))
        XCTAssertThrowsError(try RecurrentLayer(cell: .gru, inputSize: 4, hiddenSize: 3, dropout: 1, generator: &g))
    }
}

/// The AVX-512 packed step products against the BLAS path, on sizes that exercise the
/// kernel's edges: hidden 37 (not a multiple of the 64-column panels or 16-unit LSTM panels) and batch 11 (6 + 5 rows), packed lengths.
final class RecurrentKernelTests: XCTestCase {
    func testPackedStepProductsMatchBLAS() throws {
        try XCTSkipUnless(RecurrentKernels.isPackedStepProductAvailable, "CPU without AVX-512: BLAS path only")
        defer { RecurrentKernels.packedStepProducts = RecurrentKernels.isPackedStepProductAvailable }
        for cell in RecurrentCell.allCases {
            var g = SeededGenerator(seed: 21)
            let layer = try RecurrentLayer(cell: cell, inputSize: 13, hiddenSize: 37, bidirectional: true, generator: &g)
            var input = Tensor(shape: [11, 5, 13]), dy = Tensor(shape: [11, 5, 74])
            for i in 0..<input.count { input.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<dy.count { dy.storage[i] = g.nextFloat(in: -1, 1) }
            let lengths = [5, 1, 3, 5, 2, 4, 5, 1, 2, 3, 4]
            var runs: [[Float]] = []
            for packed in [false, true] {
                RecurrentKernels.packedStepProducts = packed
                layer.zeroGradients()
                let r = try layer.forward(input, lengths: lengths)
                let grads = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: r.finalHidden)
                runs.append(r.output.storage + r.finalHidden.storage + grads.input.storage
                            + grads.initialHidden.storage + layer.namedParameters.flatMap { $0.parameter.gradient.storage })
            }
            XCTAssertEqual(runs[0].count, runs[1].count)
            let worst = zip(runs[0], runs[1]).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "\(cell)")
            XCTAssertTrue(runs[1].contains { $0 != 0 })
        }
    }
}

/// The thread count only splits work (rows of the time loop, or the two directions); the
/// numbers must not change with it.
final class RecurrentThreadingTests: XCTestCase {
    func testResultsDoNotDependOnThreadCount() throws {
        let saved = BLAS.threadCount
        defer { BLAS.setThreads(saved) }
        for (cell, bidirectional) in [(RecurrentCell.lstm, false), (.gru, true), (.rnnTanh, false), (.gru, false)] {
            var g = SeededGenerator(seed: 31)
            let layer = try RecurrentLayer(cell: cell, inputSize: 6, hiddenSize: 9, layerCount: 2,
                                           bidirectional: bidirectional, generator: &g)
            let D = layer.directionCount
            var input = Tensor(shape: [5, 7, 6]), dy = Tensor(shape: [5, 7, D * 9])
            for i in 0..<input.count { input.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<dy.count { dy.storage[i] = g.nextFloat(in: -1, 1) }
            var runs: [[Float]] = []
            for (threads, schedule) in [(1, DirectionSchedule.sequential), (2, .sequential), (3, .automatic)] {
                BLAS.setThreads(threads)
                layer.directionSchedule = schedule
                layer.zeroGradients()
                let r = try layer.forward(input, lengths: [7, 2, 5, 7, 1])
                let grads = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: r.finalHidden)
                runs.append(r.output.storage + grads.input.storage + grads.initialHidden.storage
                            + layer.namedParameters.flatMap { $0.parameter.gradient.storage })
            }
            for run in runs.dropFirst() {
                let worst = zip(runs[0], run).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "\(cell) bidirectional \(bidirectional)")
            }
        }
    }
}

/// The NSMC classifier's encoder shape (bidirectional LSTM, E = H = 128, B = 64, packed lengths):
/// two threads (directions side by side) give what one thread gives, call after call, in training
/// (forward and backward) and in inference (no tape).
final class ClassifierShapeThreadingTests: XCTestCase {
    func testBidirectionalLSTMAtTheNSMCShapeIsTheSameOnOneAndTwoThreads() throws {
        let saved = BLAS.threadCount
        defer { BLAS.setThreads(saved) }
        var g = SeededGenerator(seed: 77)
        let layer = try RecurrentLayer(cell: .lstm, inputSize: 128, hiddenSize: 128, bidirectional: true, generator: &g)
        let (B, T) = (64, 40)
        var input = Tensor(shape: [B, T, 128]), dy = Tensor(shape: [B, T, 256])
        for i in 0..<input.count { input.storage[i] = g.nextFloat(in: -1, 1) }
        for i in 0..<dy.count { dy.storage[i] = g.nextFloat(in: -1, 1) }
        let lengths = (0..<B).map { 1 + ($0 * 37) % T }
        func run(threads: Int) throws -> [Float] {
            BLAS.setThreads(threads)
            layer.zeroGradients()
            let r = try layer.forward(input, lengths: lengths)
            let grads = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: r.finalHidden)
            return r.output.storage + r.finalHidden.storage + grads.input.storage
                + layer.namedParameters.flatMap { $0.parameter.gradient.storage }
        }
        let reference = try run(threads: 1)
        for attempt in 0..<3 {
            let parallel = try run(threads: 2)
            let worst = zip(reference, parallel).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "attempt \(attempt)")
            // Inference (no tape), as evaluation and predict run it.
            let inferred = try layer.forward(input, lengths: lengths, recordTape: false)
            let worstInference = zip(reference.prefix(inferred.output.count), inferred.output.storage)
                .map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worstInference, 1e-5, "inference, attempt \(attempt)")
        }
    }
}

/// The fused LSTM step kernel (AVX-512) against the per-step BLAS path, and its two ways of
/// splitting the time loop between threads (by hidden units with a barrier per step, or by
/// sequences): hidden 37 spans three 16-unit panels, the last one partial; batch 13 is two
/// row blocks of 6 and one of 1; lengths vary so rows stop early (forward) and start late
/// (reverse direction).
final class FusedLSTMStepTests: XCTestCase {
    func testFusedStepMatchesBLASPathForEveryThreadSplit() throws {
        try XCTSkipUnless(RecurrentKernels.isFusedLSTMStepAvailable, "CPU without AVX-512: BLAS path only")
        let savedThreads = BLAS.threadCount
        defer {
            BLAS.setThreads(savedThreads)
            RecurrentKernels.packedStepProducts = RecurrentKernels.isPackedStepProductAvailable
            RecurrentKernels.splitLSTMStepsByUnits = true
        }
        for bidirectional in [false, true] {
            var g = SeededGenerator(seed: 41)
            let layer = try RecurrentLayer(cell: .lstm, inputSize: 11, hiddenSize: 37, layerCount: 2,
                                           bidirectional: bidirectional, generator: &g)
            layer.directionSchedule = .sequential
            let D = layer.directionCount
            let batch = 13, steps = 6
            var input = Tensor(shape: [batch, steps, 11]), dy = Tensor(shape: [batch, steps, D * 37])
            var h0 = Tensor(shape: [2 * D, batch, 37]), c0 = Tensor(shape: [2 * D, batch, 37])
            for i in 0..<input.count { input.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<dy.count { dy.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<h0.count { h0.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<c0.count { c0.storage[i] = g.nextFloat(in: -2, 2) }
            let lengths = [6, 1, 3, 6, 2, 4, 5, 1, 2, 3, 4, 6, 5]
            // (BLAS path, threads, split by units)
            let setups: [(Bool, Int, Bool)] = [(false, 1, true), (true, 1, true), (true, 2, true), (true, 2, false)]
            var runs: [[Float]] = []
            for (fused, threads, byUnits) in setups {
                RecurrentKernels.packedStepProducts = fused
                RecurrentKernels.splitLSTMStepsByUnits = byUnits
                BLAS.setThreads(threads)
                layer.zeroGradients()
                let inference = try layer.forward(input, lengths: lengths, initialHidden: h0, initialCell: c0,
                                                  recordTape: false)
                let r = try layer.forward(input, lengths: lengths, initialHidden: h0, initialCell: c0)
                XCTAssertEqual(inference.output, r.output, "inference and training forward differ")
                XCTAssertEqual(inference.finalHidden, r.finalHidden)
                XCTAssertEqual(inference.finalCell, r.finalCell)
                let grads = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: r.finalHidden,
                                               finalCellGradient: r.finalCell)
                runs.append(r.output.storage + r.finalHidden.storage + r.finalCell!.storage + grads.input.storage
                            + grads.initialHidden.storage + grads.initialCell!.storage
                            + layer.namedParameters.flatMap { $0.parameter.gradient.storage })
            }
            XCTAssertTrue(runs[0].contains { $0 != 0 })
            for (index, run) in runs.enumerated().dropFirst() {
                XCTAssertEqual(run.count, runs[0].count)
                let worst = zip(runs[0], run).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "bidirectional \(bidirectional), setup \(setups[index])")
            }
        }
    }
}
