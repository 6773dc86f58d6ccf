import XCTest
import JikjiRecurrent

final class TensorTests: XCTestCase {
    func testRowMajorIndexingAndStrides() {
        var t = Tensor(shape: [2, 3, 4])
        t[1, 2, 3] = 5
        XCTAssertEqual(t.storage[1 * 12 + 2 * 4 + 3], 5)
        XCTAssertEqual(t.strides, [12, 4, 1])
    }

    func testGemmWithTransposes() {
        // A [2,3], B [3,2] (given transposed as [2,3]), C = A * B.
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let bT: [Float] = [7, 9, 11, 8, 10, 12] // B = [[7,8],[9,10],[11,12]]
        var c = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { pa in
            bT.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(transposeB: true, m: 2, n: 2, k: 3,
                              a: pa.baseAddress!, lda: 3, b: pb.baseAddress!, ldb: 3,
                              c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        XCTAssertEqual(c, [58, 64, 139, 154])
    }
}
