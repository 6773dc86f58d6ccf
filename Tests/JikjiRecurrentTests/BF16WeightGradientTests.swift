import CJikjiKernels
import JikjiRecurrent
import XCTest

/// `jk_bf16_weight_gradients`, the recurrent layers' bf16 weight-gradient pass (dG transposed
/// and rounded once for `dW_ih`, `dW_hh` and the bias sums), against the unfused bf16 path it
/// replaces: two transposed-A `BLAS.gemm` products in bf16 and `jk_column_sums`. The same
/// rounded inputs go through the same tile products, so the results must be equal to the bit,
/// and the layer-level bf16-vs-fp32 tolerance of ``BF16ProductTests`` still covers the layers.
final class BF16WeightGradientTests: XCTestCase {
    override func tearDown() {
        MatrixProducts.precision = .fp32
        super.tearDown()
    }

    func testOnePassEqualsTwoProductsAndColumnSums() {
        guard MatrixProducts.kernel == .amxTiles else {
            // No bf16 kernel: the pass must say it did not run and write nothing.
            var c: [Float] = [1], sums: [Float] = [2]
            let a: [Float] = [3], b: [Float] = [4]
            XCTAssertEqual(jk_bf16_weight_gradients(1, 1, a, 1, 1, b, 1, &c, 1, 0, nil, 0, nil, 0, &sums), -1)
            XCTAssertEqual(c, [1])
            XCTAssertEqual(sums, [2])
            return
        }
        var generator = SeededGenerator(seed: 23)
        // (gate units M, rows K, input N1, hidden N2), off the kernel's 16/32 blocks included;
        // lda wider than M as for a range of a layer's gate columns.
        let shapes: [(m: Int, k: Int, n1: Int, n2: Int)] = [(1, 1, 1, 1), (37, 45, 19, 50), (64, 96, 40, 16), (200, 130, 128, 48)]
        for shape in shapes {
            for withHidden in [true, false] {
                let lda = shape.m + 7
                let dG = (0..<(shape.k * lda)).map { _ in generator.nextFloat(in: -1, 1) }
                let x = (0..<(shape.k * shape.n1)).map { _ in generator.nextFloat(in: -1, 1) }
                let h = (0..<(shape.k * shape.n2)).map { _ in generator.nextFloat(in: -1, 1) }
                let c1Start = (0..<(shape.m * shape.n1)).map { _ in generator.nextFloat(in: -1, 1) }
                let c2Start = (0..<(shape.m * shape.n2)).map { _ in generator.nextFloat(in: -1, 1) }
                let sumsStart = (0..<shape.m).map { _ in generator.nextFloat(in: -1, 1) }

                // The unfused bf16 path.
                MatrixProducts.precision = .bf16
                var c1 = c1Start, c2 = c2Start, sums = sumsStart
                BLAS.gemm(transposeA: true, m: shape.m, n: shape.n1, k: shape.k, a: dG, lda: lda, b: x, ldb: shape.n1,
                          beta: 1, c: &c1, ldc: shape.n1)
                if withHidden {
                    BLAS.gemm(transposeA: true, m: shape.m, n: shape.n2, k: shape.k, a: dG, lda: lda, b: h, ldb: shape.n2,
                              beta: 1, c: &c2, ldc: shape.n2)
                }
                jk_column_sums(Int32(shape.k), Int32(shape.m), dG, Int32(lda), &sums)
                MatrixProducts.precision = .fp32

                var d1 = c1Start, d2 = c2Start, fusedSums = sumsStart
                let status = h.withUnsafeBufferPointer { hp in
                    d2.withUnsafeMutableBufferPointer { d2p in
                        jk_bf16_weight_gradients(
                            Int32(shape.m), Int32(shape.k), dG, Int32(lda), Int32(shape.n1), x, Int32(shape.n1), &d1,
                            Int32(shape.n1), Int32(shape.n2), withHidden ? hp.baseAddress : nil, Int32(shape.n2),
                            withHidden ? d2p.baseAddress : nil, Int32(shape.n2), &fusedSums)
                    }
                }
                let label = "\(shape) hidden \(withHidden)"
                XCTAssertEqual(status, 0, label)
                XCTAssertEqual(d1, c1, "\(label): dW_ih")
                XCTAssertEqual(d2, c2, "\(label): dW_hh (untouched without B2)")
                XCTAssertEqual(fusedSums, sums, "\(label): bias sums")
                // bf16 really ran: the product differs from fp32's.
                var fp32 = c1Start
                BLAS.gemm(transposeA: true, m: shape.m, n: shape.n1, k: shape.k, a: dG, lda: lda, b: x, ldb: shape.n1,
                          beta: 1, c: &fp32, ldc: shape.n1)
                if shape.k >= 5 { XCTAssertNotEqual(d1, fp32, "\(label): no bf16 rounding seen") }
            }
        }
    }
}
