import JikjiRecurrent
import XCTest

/// A seed fixes every number: the same calls on two layers built from the same seed give
/// bit-identical outputs and gradients, also with two threads (bidirectional layers run their
/// directions side by side) and after batches of other shapes have gone through the layer.
final class DeterminismTests: XCTestCase {
    /// Runs `rounds` forward+backward passes over batches of varying shapes on a fresh layer and
    /// returns every output, final state and gradient, in order.
    private func trace(cell: RecurrentCell, bidirectional: Bool, threads: Int,
                       schedule: DirectionSchedule = .automatic) throws -> [Float] {
        let saved = BLAS.threadCount
        BLAS.setThreads(threads)
        defer { BLAS.setThreads(saved) }
        var g = SeededGenerator(seed: 2024)
        let layer = try RecurrentLayer(cell: cell, inputSize: 24, hiddenSize: 40, layerCount: 2,
                                       bidirectional: bidirectional, dropout: 0.2, generator: &g)
        layer.directionSchedule = schedule
        let D = layer.directionCount
        var values: [Float] = []
        for round in 0..<12 {
            let batch = 8 + (round * 5) % 23, steps = 3 + (round * 7) % 17
            var input = Tensor(shape: [batch, steps, 24]), dy = Tensor(shape: [batch, steps, D * 40])
            for i in 0..<input.count { input.storage[i] = g.nextFloat(in: -1, 1) }
            for i in 0..<dy.count { dy.storage[i] = g.nextFloat(in: -1, 1) }
            let lengths = (0..<batch).map { _ in 1 + Int(g.next() % UInt64(steps)) }
            layer.zeroGradients()
            let r = try layer.forward(input, lengths: lengths, training: true, generator: &g)
            let grads = try layer.backward(r.tape, outputGradient: dy, finalHiddenGradient: r.finalHidden)
            values += r.output.storage + r.finalHidden.storage + grads.input.storage + grads.initialHidden.storage
            values += layer.namedParameters.flatMap { $0.parameter.gradient.storage }
            let inferred = try layer.forward(input, lengths: lengths, recordTape: false)
            values += inferred.output.storage
        }
        return values
    }

    private func assertIdentical(_ a: [Float], _ b: [Float], _ message: String) {
        XCTAssertEqual(a.count, b.count, message)
        let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(differing, 0, "\(message): \(differing) of \(a.count) values differ")
    }

    func testTwoThreadRunsAreBitIdentical() throws {
        for cell in [RecurrentCell.lstm, .gru, .rnnTanh] {
            for bidirectional in [false, true] {
                let first = try trace(cell: cell, bidirectional: bidirectional, threads: 2)
                for attempt in 0..<3 {
                    let again = try trace(cell: cell, bidirectional: bidirectional, threads: 2)
                    assertIdentical(first, again, "\(cell) bidirectional \(bidirectional), attempt \(attempt)")
                }
            }
        }
    }
}
