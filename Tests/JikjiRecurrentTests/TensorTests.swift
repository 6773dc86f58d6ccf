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

    /// After OpenBLAS's thread pool is restarted with a short idle spin, threaded products still
    /// run and agree with a product computed on one thread, and the setting is reported.
    func testShorteningTheIdleSpinKeepsThreadedProductsRight() {
        let (m, n, k) = (300, 280, 260)
        var random = SeededGenerator(seed: 4)
        let a = (0..<(m * k)).map { _ in random.nextFloat(in: -1, 1) }, b = (0..<(k * n)).map { _ in random.nextFloat(in: -1, 1) }
        func product(threads: Int) -> [Float] {
            let saved = BLAS.threadCount
            BLAS.setThreads(threads)
            defer { BLAS.setThreads(saved) }
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            return c
        }
        let reference = product(threads: 1)
        // Not applied when the user set OPENBLAS_THREAD_TIMEOUT or OpenBLAS has no pthreads pool
        // of its own; the products must be right either way.
        if BLAS.shortenIdleSpin() {
            XCTAssertEqual(BLAS.idleSpinLog2, BLAS.defaultIdleSpinLog2)
            XCTAssertTrue(BLAS.backendDescription.contains("idle workers spin 2^16 cycles"), BLAS.backendDescription)
        }
        for _ in 0..<3 {
            let threaded = product(threads: 2)
            var largest: Float = 0
            for (x, y) in zip(threaded, reference) { largest = max(largest, abs(x - y)) }
            XCTAssertLessThan(largest, 1e-4)
        }
    }
}
