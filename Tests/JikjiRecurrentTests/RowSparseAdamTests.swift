import XCTest
import JikjiRecurrent

final class RowSparseAdamTests: XCTestCase {
    /// With every row touched at every step, sparse Adam equals dense Adam; untouched rows and
    /// their moments stay exactly as they were.
    func testMatchesDenseAdamOnTouchedRowsAndLeavesOthersAlone() throws {
        var g = SeededGenerator(seed: 2)
        var initial = Tensor(shape: [5, 3])
        for i in 0..<initial.count { initial.storage[i] = g.nextFloat(in: -1, 1) }
        let dense = Parameter(initial), sparse = Parameter(initial), partial = Parameter(initial)
        var adam = Adam(parameters: [("w", dense)], learningRate: 0.05)
        var rowAdam = RowSparseAdam(parameters: [("w", sparse)], learningRate: 0.05)
        var partialAdam = RowSparseAdam(parameters: [("w", partial)], learningRate: 0.05)
        for _ in 0..<4 {
            var grad = Tensor(shape: [5, 3])
            for i in 0..<grad.count { grad.storage[i] = g.nextFloat(in: -1, 1) }
            dense.gradient = grad; sparse.gradient = grad
            adam.step(); dense.zeroGradient()
            rowAdam.step(rows: [[0, 1, 2, 3, 4]])
            var rows13 = Tensor(shape: [5, 3])
            for r in [1, 3] { for c in 0..<3 { rows13.storage[r * 3 + c] = grad.storage[r * 3 + c] } }
            partial.gradient = rows13
            partialAdam.step(rows: [[1, 3]])
        }
        for (a, b) in zip(dense.value.storage, sparse.value.storage) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(sparse.gradient.storage, [Float](repeating: 0, count: 15), "touched rows' gradients are cleared")
        for r in [0, 2, 4] { for c in 0..<3 { XCTAssertEqual(partial.value.storage[r * 3 + c], initial.storage[r * 3 + c]) } }
        for r in [1, 3] { for c in 0..<3 { XCTAssertNotEqual(partial.value.storage[r * 3 + c], initial.storage[r * 3 + c]) } }
        var restored = RowSparseAdam(parameters: [("w", Parameter(initial))], learningRate: 0.05)
        try restored.loadState(partialAdam.stateTensors())
        XCTAssertEqual(restored.stepCount, 4)
    }
}
