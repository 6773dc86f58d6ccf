import XCTest
import JikjiRecurrent

/// bf16 products (``MatrixProducts/precision`` `.bf16`): the kernel choice, the products
/// themselves, and every layer's bf16 forward and backward against its fp32 path.
///
/// Tolerances. bf16 keeps 8 significant bits: rounding to nearest even moves a value by at most
/// u = 2^-8 of itself (2^-9 on average), so a product of two rounded inputs is within about 2u of
/// the exact product. (1) Against the exact sum of the *rounded* inputs, only fp32 accumulation
/// errs: |error| ≤ (K + 2)·2^-24·Σ|a_k b_k| (the standard bound for a sum of K terms), which
/// checks that the kernel multiplies the right elements and accumulates in fp32. (2) Against
/// fp32, each element may be off by 2u·Σ|a_k b_k| in the worst case; over a whole matrix of
/// random-sign terms the errors average out to a relative RMS near u/√3·√2 ≈ 2^-8.3. A layer
/// chains products over its steps and its backward chains them again: tests allow a relative RMS
/// of 2^-5 per tensor (4–8 times what they measure, far below the ~1 of a wrong product) and
/// require at least 2^-16 where a bf16 kernel runs (bf16 really ran: fp32 paths differ by 2^-20 or less).
/// Without a bf16 kernel, bf16 falls back to fp32, said by ``MatrixProducts/description``, and
/// the results must equal the fp32 ones exactly.
final class BF16ProductTests: XCTestCase {
    override func tearDown() {
        MatrixProducts.precision = .fp32
        BLAS.setThreads(1)
        super.tearDown()
    }

    /// Whether this CPU reports what the AMX kernel needs (and Linux enables the tile state).
    private var cpuHasBF16Tiles: Bool {
        CPUFeatures.current.extensions.isSuperset(of: [.amxTile, .amxBF16, .avx512bf16, .avx512f, .avx512bw])
    }

    private var bf16Runs: Bool { MatrixProducts.kernel == .amxTiles }

    func testKernelIsChosenForThisCPUAndSaid() {
        // CI runs on a CPU with AMX: there a missing kernel is a failure, not a quiet fp32 run.
        XCTAssertEqual(MatrixProducts.kernel, cpuHasBF16Tiles ? .amxTiles : MatrixProducts.Kernel.none,
                       "CPU extensions: \(CPUFeatures.current.extensions.names)")
        XCTAssertEqual(MatrixProducts.precision, .fp32, "fp32 is the default")
        XCTAssertEqual(MatrixProducts.description, "fp32 products")
        MatrixProducts.precision = .bf16
        if bf16Runs {
            XCTAssertEqual(MatrixProducts.effectivePrecision, .bf16)
            XCTAssertTrue(MatrixProducts.description.hasPrefix("bf16 products: AMX tiles"), MatrixProducts.description)
        } else {
            XCTAssertEqual(MatrixProducts.effectivePrecision, .fp32)
            XCTAssertEqual(MatrixProducts.description, "this CPU has no AMX/AVX512-BF16: running fp32")
        }
    }

    /// Every transpose combination, C = and C +=, sizes off the kernel's 16/32 blocks, one and
    /// two threads (the two-thread path splits C's rows over one packed B).
    func testProductsRoundInputsAndAccumulateInFP32() {
        var generator = SeededGenerator(seed: 7)
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (17, 33, 5), (37, 70, 129), (64, 256, 96), (200, 48, 40)]
        for threads in [1, 2] {
            BLAS.setThreads(threads)
            for shape in shapes {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        for accumulate in [false, true] {
                            checkProduct(m: shape.m, n: shape.n, k: shape.k, transposeA: transposeA, transposeB: transposeB,
                                         accumulate: accumulate, generator: &generator,
                                         label: "\(shape) tA \(transposeA) tB \(transposeB) += \(accumulate) threads \(threads)")
                        }
                    }
                }
            }
        }
    }

    private func checkProduct(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, accumulate: Bool,
                              generator: inout SeededGenerator, label: String) {
        // Row strides wider than the rows: the products must honour them.
        let lda = (transposeA ? m : k) + 3, ldb = (transposeB ? k : n) + 2, ldc = n + 5
        let a = (0..<((transposeA ? k : m) * lda)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<((transposeB ? n : k) * ldb)).map { _ in generator.nextFloat(in: -1, 1) }
        let c0 = (0..<(m * ldc)).map { _ in generator.nextFloat(in: -1, 1) }
        func run(_ precision: MatrixPrecision) -> [Float] {
            MatrixProducts.precision = precision
            var c = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda,
                                  b: pb.baseAddress!, ldb: ldb, beta: accumulate ? 1 : 0, c: pc.baseAddress!, ldc: ldc)
                    }
                }
            }
            MatrixProducts.precision = .fp32
            return c
        }
        let fp32 = run(.fp32), bf16 = run(.bf16)
        // Columns past n of each row of C are no part of C.
        for r in 0..<m {
            for j in n..<ldc where bf16[r * ldc + j] != c0[r * ldc + j] {
                return XCTFail("\(label): wrote C[\(r), \(j)] outside C")
            }
        }
        guard bf16Runs else {
            return XCTAssertEqual(bf16, fp32, "\(label): without a bf16 kernel the products are fp32")
        }
        var worst = 0.0, worstAgainstFP32 = 0.0
        var differenceSquares = 0.0, squares = 0.0
        for r in 0..<m {
            for j in 0..<n {
                var exact = accumulate ? Double(c0[r * ldc + j]) : 0, magnitude = accumulate ? abs(exact) : 0
                for p in 0..<k {
                    let x = Double(roundedToBF16(transposeA ? a[p * lda + r] : a[r * lda + p]))
                    let y = Double(roundedToBF16(transposeB ? b[j * ldb + p] : b[p * ldb + j]))
                    exact += x * y
                    magnitude += abs(x * y)
                }
                let got = Double(bf16[r * ldc + j])
                let bound = Double(k + 2) * 0x1p-24 * magnitude + 1e-30
                worst = max(worst, abs(got - exact) / bound)
                let reference = Double(fp32[r * ldc + j])
                // Against fp32: each product of rounded inputs within (2u + u²) of the exact one,
                // plus both accumulations' rounding.
                let fp32Bound = (0x1p-7 + 0x1p-16 + Double(2 * k + 4) * 0x1p-24) * magnitude + 1e-30
                worstAgainstFP32 = max(worstAgainstFP32, abs(got - reference) / fp32Bound)
                differenceSquares += (got - reference) * (got - reference)
                squares += reference * reference
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(label): fp32 accumulation of the bf16-rounded inputs exceeds its bound")
        XCTAssertLessThanOrEqual(worstAgainstFP32, 1, "\(label): an element is further from fp32 than bf16 rounding allows")
        // Over a whole matrix the errors average out (a few elements can cancel: not for tiny C).
        let relative = (differenceSquares / max(squares, 1e-30)).squareRoot()
        if m * n >= 64 {
            XCTAssertLessThanOrEqual(relative, 0x1p-6, "\(label): bf16 vs fp32 relative RMS \(relative)")
        }
        if k >= 5 {
            XCTAssertGreaterThan(relative, 0x1p-16, "\(label): no bf16 rounding seen: relative RMS \(relative)")
        }
    }

    func testRecurrentLayersInBF16MatchTheirFP32Path() throws {
        for cell in [RecurrentCell.rnnTanh, .lstm, .gru] {
            for threads in [1, 2] {
                try checkRecurrentLayer(cell: cell, threads: threads, lengths: [9, 4, 7, 1, 9, 3])
                try checkRecurrentLayer(cell: cell, threads: threads, lengths: nil)
            }
        }
    }

    private func checkRecurrentLayer(cell: RecurrentCell, threads: Int, lengths: [Int]?) throws {
        var generator = SeededGenerator(seed: 11)
        let batch = 6, steps = 9, inputSize = 40, hidden = 48
        let layer = try RecurrentLayer(cell: cell, inputSize: inputSize, hiddenSize: hidden, layerCount: 2, bidirectional: true,
                                       generator: &generator)
        let input = randomTensor([batch, steps, inputSize], &generator)
        let outputGradient = randomTensor([batch, steps, 2 * hidden], &generator)
        let finalGradient = randomTensor([4, batch, hidden], &generator)
        BLAS.setThreads(threads)
        func run(_ precision: MatrixPrecision) throws -> [String: [Float]] {
            MatrixProducts.precision = precision
            defer { MatrixProducts.precision = .fp32 }
            layer.zeroGradients()
            let result = try layer.forward(input, lengths: lengths)
            let gradients = try layer.backward(result.tape, outputGradient: outputGradient, finalHiddenGradient: finalGradient,
                                               finalCellGradient: cell.hasCellState ? finalGradient : nil)
            var values = ["output": result.output.storage, "h_n": result.finalHidden.storage,
                          "grad.input": gradients.input.storage, "grad.h0": gradients.initialHidden.storage]
            for (name, parameter) in layer.namedParameters { values["grad." + name] = parameter.gradient.storage }
            return values
        }
        try compare(fp32: run(.fp32), bf16: run(.bf16), tolerance: 0x1p-5,
                    label: "\(cell) threads \(threads) \(lengths == nil ? "full" : "packed")")
    }

    func testLinearInBF16MatchesItsFP32Path() {
        var generator = SeededGenerator(seed: 5)
        let linear = Linear(inputSize: 72, outputSize: 45, generator: &generator)
        let input = randomTensor([70, 72], &generator)
        let outputGradient = randomTensor([70, 45], &generator)
        for threads in [1, 2] {
            BLAS.setThreads(threads)
            func run(_ precision: MatrixPrecision) -> [String: [Float]] {
                MatrixProducts.precision = precision
                defer { MatrixProducts.precision = .fp32 }
                linear.zeroGradients()
                let output = linear.forward(input)
                let inputGradient = linear.backward(input: input, outputGradient: outputGradient)
                return ["output": output.storage, "grad.input": inputGradient.storage,
                        "grad.weight": linear.weight.gradient.storage, "grad.bias": linear.bias!.gradient.storage]
            }
            compare(fp32: run(.fp32), bf16: run(.bf16), tolerance: 0x1p-5, label: "linear threads \(threads)",
                    exactWithBF16: ["grad.bias"])
        }
    }

    func testLuongAttentionInBF16MatchesItsFP32Path() throws {
        for score in [LuongAttention.Score.dot, .general, .concat] {
            var generator = SeededGenerator(seed: 9)
            let attention = try LuongAttention(score: score, decoderSize: 32, encoderSize: 32, attentionSize: 24, generator: &generator)
            let encoder = randomTensor([4, 11, 32], &generator)
            let decoder = randomTensor([4, 7, 32], &generator)
            let gradient = randomTensor([4, 7, 32], &generator)
            func run(_ precision: MatrixPrecision) throws -> [String: [Float]] {
                MatrixProducts.precision = precision
                defer { MatrixProducts.precision = .fp32 }
                attention.zeroGradients()
                let state = LuongAttentionState()
                let output = try attention.forward(encoderOutputs: encoder, sourceLengths: [11, 5, 8, 1], decoderStates: decoder,
                                                   state: state)
                let gradients = attention.backward(attentionalGradient: gradient, state: state)
                var values = ["output": output.storage, "grad.decoder": gradients.decoderStates.storage,
                              "grad.encoder": gradients.encoderOutputs.storage]
                for (name, parameter) in attention.namedParameters { values["grad." + name] = parameter.gradient.storage }
                return values
            }
            try compare(fp32: run(.fp32), bf16: run(.bf16), tolerance: 0x1p-5, label: "attention \(score)")
        }
    }

    /// Every tensor of `bf16` within `tolerance` (relative RMS) of `fp32`; where a bf16 kernel
    /// runs, also visibly different (bf16 ran), except the tensors in `exactWithBF16` (no product
    /// on their path); without one, equal.
    private func compare(fp32: [String: [Float]], bf16: [String: [Float]], tolerance: Double, label: String,
                         exactWithBF16: Set<String> = []) {
        XCTAssertEqual(Set(fp32.keys), Set(bf16.keys))
        for key in fp32.keys.sorted() {
            let expected = fp32[key]!, actual = bf16[key]!
            guard bf16Runs else {
                XCTAssertEqual(actual, expected, "\(label) \(key): without a bf16 kernel the layer runs fp32")
                continue
            }
            let relative = relativeRMS(actual, expected)
            XCTAssertLessThanOrEqual(relative, tolerance, "\(label) \(key): relative RMS \(relative)")
            if exactWithBF16.contains(key) {
                XCTAssertEqual(actual, expected, "\(label) \(key)")
            } else {
                XCTAssertGreaterThan(relative, 0x1p-16, "\(label) \(key): no bf16 rounding seen")
            }
        }
    }
}

/// `|actual - expected| / |expected|` over whole tensors.
func relativeRMS(_ actual: [Float], _ expected: [Float]) -> Double {
    precondition(actual.count == expected.count)
    var difference = 0.0, norm = 0.0
    for i in 0..<actual.count {
        let d = Double(actual[i]) - Double(expected[i])
        difference += d * d
        norm += Double(expected[i]) * Double(expected[i])
    }
    return (difference / max(norm, 1e-60)).squareRoot()
}

/// `x` rounded to the nearest bf16 (ties to even), written here from the format's definition
/// (the top 16 bits of an fp32), independently of the kernel's conversion instruction.
func roundedToBF16(_ x: Float) -> Float {
    let bits = x.bitPattern
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return Float(bitPattern: rounded & 0xFFFF_0000)
}

private func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
    var t = Tensor(shape: shape)
    for i in 0..<t.count { t.storage[i] = generator.nextFloat(in: -1, 1) }
    return t
}
