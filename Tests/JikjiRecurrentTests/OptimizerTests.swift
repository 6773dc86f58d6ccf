import XCTest
import JikjiRecurrent

final class OptimizerTests: XCTestCase {
    func testSGDWithNesterovAndWeightDecayFollowsTheFormula() {
        let p = Parameter(Tensor(shape: [1], values: [1]))
        var sgd = SGD(parameters: [("p", p)], learningRate: 0.1, momentum: 0.5, dampening: 0.2, weightDecay: 0.1, nesterov: true)
        p.gradient = Tensor(shape: [1], values: [2])
        sgd.step()
        // d = 2 + 0.1·1 = 2.1; b = d (first step); update = d + 0.5·b = 3.15; p = 1 - 0.315.
        XCTAssertEqual(p.value.storage[0], 0.685, accuracy: 1e-6)
        sgd.step()
        // d = 2 + 0.0685 = 2.0685; b = 0.5·2.1 + 0.8·2.0685 = 2.7048; update = d + 0.5·b = 3.4209.
        XCTAssertEqual(p.value.storage[0], 0.685 - 0.34209, accuracy: 1e-6)
        XCTAssertEqual(sgd.stepCount, 2)
    }

    func testAdamFirstStepMovesEachWeightByTheLearningRate() {
        // With bias correction, Adam's first step is lr·sign(g) (up to ε).
        let p = Parameter(Tensor(shape: [3], values: [0, 0, 0]))
        var adam = Adam(parameters: [("p", p)], learningRate: 0.01)
        p.gradient = Tensor(shape: [3], values: [5, -0.001, 30])
        adam.step()
        for (value, expected) in zip(p.value.storage, [-0.01, 0.01, -0.01] as [Float]) {
            XCTAssertEqual(value, expected, accuracy: 1e-5)
        }
    }

    /// A tensor large enough to be split across threads is updated in every element, by the
    /// same rule: two steps on 2 threads equal two steps on 1 thread, bit for bit, and the first
    /// step is lr·sign(g) throughout (a slice left out would keep its old value).
    func testAdamOnALargeTensorGivesTheSameResultOnOneAndTwoThreads() {
        let count = 3 * (1 << 16) + 7
        func run(threads: Int) -> (first: [Float], second: [Float]) {
            let saved = BLAS.threadCount
            BLAS.setThreads(threads)
            defer { BLAS.setThreads(saved) }
            let p = Parameter(Tensor(shape: [count]))
            var adam = Adam(parameters: [("p", p)], learningRate: 0.01)
            let gradient = (0..<count).map { Float(($0 % 13) - 6) + 0.5 }
            p.gradient = Tensor(shape: [count], values: gradient)
            adam.step()
            let first = p.value.storage
            p.gradient = Tensor(shape: [count], values: gradient.reversed())
            adam.step()
            return (first, p.value.storage)
        }
        let one = run(threads: 1), two = run(threads: 2)
        XCTAssertEqual(two.second, one.second)
        var wrong = 0
        for (i, value) in two.first.enumerated() where abs(value - (Float((i % 13) - 6) + 0.5 > 0 ? -0.01 : 0.01)) > 1e-5 { wrong += 1 }
        XCTAssertEqual(wrong, 0)
    }

    func testAdamWDecaysWeightsWithoutGradient() {
        let p = Parameter(Tensor(shape: [1], values: [2]))
        var adamW = Adam.adamW(parameters: [("p", p)], learningRate: 0.1, weightDecay: 0.5)
        adamW.step()
        XCTAssertEqual(p.value.storage[0], 2 * (1 - 0.05), accuracy: 1e-6)
    }

    func testLoadStateRejectsMissingAndMisshapenTensors() {
        let p = Parameter(Tensor(shape: [2]))
        var adam = Adam(parameters: [("layer.weight", p)])
        XCTAssertThrowsError(try adam.loadState([:])) { XCTAssertTrue("\($0)".contains("'step'")) }
        XCTAssertThrowsError(try adam.loadState([
            "step": Tensor(shape: [1], values: [3]), "layer.weight.exp_avg": Tensor(shape: [3]),
            "layer.weight.exp_avg_sq": Tensor(shape: [2]),
        ])) { XCTAssertTrue("\($0)".contains("'layer.weight.exp_avg'") && "\($0)".contains("[3]"), "\($0)") }
        var sgd = SGD(parameters: [("w", p)], learningRate: 1, momentum: 0.9)
        XCTAssertThrowsError(try sgd.loadState(["step": Tensor(shape: [1], values: [1])])) {
            XCTAssertTrue("\($0)".contains("w.momentum_buffer"), "\($0)")
        }
    }

    func testClippingLeavesSmallGradientsAlone() {
        let a = Parameter(Tensor(shape: [2])), b = Parameter(Tensor(shape: [1]))
        a.gradient = Tensor(shape: [2], values: [0.3, 0])
        b.gradient = Tensor(shape: [1], values: [0.4])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a, b], maxNorm: 1), 0.5, accuracy: 1e-6)
        XCTAssertEqual(a.gradient.storage, [0.3, 0])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a, b], maxNorm: 0.25), 0.5, accuracy: 1e-6)
        XCTAssertEqual(a.gradient.storage[0], 0.15, accuracy: 1e-6)
        XCTAssertEqual(b.gradient.storage[0], 0.2, accuracy: 1e-6)
    }

    /// A table whose gradient is zero outside a few rows: the norm read from those rows alone is
    /// the full norm to the bit, with rows that tile the sum's blocks (width 128) and with rows
    /// that do not (width 12, read in full). A dense parameter beside it counts whole.
    func testGlobalNormOverTheNonzeroRowsEqualsTheFullNormExactly() {
        var random = SeededGenerator(seed: 5)
        for width in [128, 12] {
            let table = Parameter(Tensor(shape: [300, width])), dense = Parameter(Tensor(shape: [7, 5]))
            let rows = [0, 3, 31, 32, 33, 150, 299]
            for row in rows { for j in 0..<width { table.gradient.storage[row * width + j] = random.nextFloat(in: -3, 3) } }
            for i in 0..<dense.gradient.count { dense.gradient.storage[i] = random.nextFloat(in: -1, 1) }
            let full = GradientClipping.globalNorm([table, dense])
            let partial = GradientClipping.globalNorm([table, dense], nonzeroRows: [ObjectIdentifier(table): rows])
            XCTAssertEqual(partial, full, "width \(width)")
            XCTAssertGreaterThan(full, 1)
        }
    }

    /// Enough values for the norm to share parameters out between threads: 1 and 2 threads give
    /// the same bits, and so does a plain Double sum of each parameter's squares in order.
    func testGlobalNormIsTheSameOnOneAndTwoThreads() {
        var random = SeededGenerator(seed: 17)
        let parameters = [40_000, 300_000, 7, 120_000, 65_536, 1].map { count -> Parameter in
            let p = Parameter(Tensor(shape: [count]))
            for i in 0..<count { p.gradient.storage[i] = random.nextFloat(in: -1, 1) }
            return p
        }
        func norm(threads: Int) -> Float {
            let saved = BLAS.threadCount
            BLAS.setThreads(threads)
            defer { BLAS.setThreads(saved) }
            return GradientClipping.globalNorm(parameters)
        }
        var reference = 0.0
        for p in parameters {
            var own = 0.0, start = 0
            // The blocks of 4 096 values in 8 float lanes that sumOfSquares uses.
            while start < p.gradient.count {
                let end = min(p.gradient.count, start + 4096)
                var lanes = [Float](repeating: 0, count: 8), i = start
                while i + 8 <= end { for l in 0..<8 { lanes[l] += p.gradient.storage[i + l] * p.gradient.storage[i + l] }; i += 8 }
                for l in 0..<8 { own += Double(lanes[l]) }
                while i < end { own += Double(p.gradient.storage[i]) * Double(p.gradient.storage[i]); i += 1 }
                start = end
            }
            reference += own
        }
        XCTAssertEqual(norm(threads: 1), Float(reference.squareRoot()))
        XCTAssertEqual(norm(threads: 2), Float(reference.squareRoot()))
    }

    /// Clipping's coefficient and the zeroing folded into the step give what clipping, stepping
    /// and zeroing in three passes give, bit for bit: for Adam (fused) and SGD (in passes),
    /// dense and row-wise, clipped (scale < 1) and not (scale 1); afterwards every gradient the
    /// step read is zero.
    func testStepWithGradientScaleAndZeroingEqualsClipStepZero() {
        func parameters(seed: UInt64) -> [(name: String, parameter: Parameter)] {
            var random = SeededGenerator(seed: seed)
            let big = Parameter(Tensor(shape: [3 * (1 << 15), 4], values: (0..<(3 << 17)).map { _ in random.nextFloat(in: -1, 1) }))
            let table = Parameter(Tensor(shape: [50, 8], values: (0..<400).map { _ in random.nextFloat(in: -1, 1) }))
            for p in [big, table] { for i in 0..<p.gradient.count { p.gradient.storage[i] = random.nextFloat(in: -2, 2) } }
            // A row-wise table has gradient in its used rows only.
            for row in 0..<50 where ![2, 7, 40].contains(row) { for j in 0..<8 { table.gradient.storage[row * 8 + j] = 0 } }
            return [("big", big), ("table", table)]
        }
        let rows = ["table": [2, 7, 40]]
        for maxNorm: Float in [1, 1e9] {
            for kind in ["adam", "sgd"] {
                func optimizer(_ list: [(name: String, parameter: Parameter)]) -> any Optimizer {
                    kind == "adam" ? Adam(parameters: list, learningRate: 0.01)
                        : SGD(parameters: list, learningRate: 0.1, momentum: 0.9)
                }
                let reference = parameters(seed: 9), fused = parameters(seed: 9)
                var referenceOptimizer = optimizer(reference), fusedOptimizer = optimizer(fused)
                for round in 0..<2 {
                    GradientClipping.clipGlobalNorm(reference.map(\.parameter), maxNorm: maxNorm)
                    referenceOptimizer.step(lazyRows: rows)
                    reference[0].parameter.zeroGradient()
                    reference[1].parameter.zeroGradient(rows: rows["table"]!)

                    let norm = GradientClipping.globalNorm(fused.map(\.parameter),
                                                           nonzeroRows: [ObjectIdentifier(fused[1].parameter): rows["table"]!])
                    let scale = GradientClipping.coefficient(norm: norm, maxNorm: maxNorm)
                    XCTAssertEqual(scale < 1, maxNorm == 1)
                    fusedOptimizer.step(lazyRows: rows, gradients: GradientUse(scale: scale, zeroAfterUse: true))
                    for (a, b) in zip(reference, fused) {
                        XCTAssertEqual(b.parameter.value, a.parameter.value, "\(kind) max norm \(maxNorm) round \(round) \(a.name)")
                        XCTAssertEqual(b.parameter.gradient.storage, [Float](repeating: 0, count: b.parameter.gradient.count))
                    }
                    // The next batch's gradients, in both copies.
                    var random = SeededGenerator(seed: UInt64(round + 20))
                    for i in 0..<reference[0].parameter.gradient.count {
                        let g = random.nextFloat(in: -2, 2)
                        reference[0].parameter.gradient.storage[i] = g
                        fused[0].parameter.gradient.storage[i] = g
                    }
                    for row in rows["table"]! { for j in 0..<8 {
                        let g = random.nextFloat(in: -2, 2)
                        reference[1].parameter.gradient.storage[row * 8 + j] = g
                        fused[1].parameter.gradient.storage[row * 8 + j] = g
                    } }
                }
            }
        }
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant(0.3).rate(atStep: 1000), 0.3)
        let step = LearningRateSchedule.stepDecay(initial: 1, every: 10, factor: 0.5)
        XCTAssertEqual([0, 9, 10, 25].map { step.rate(atStep: $0) }, [1, 1, 0.5, 0.25])
        let warm = LearningRateSchedule.linearWarmupDecay(peak: 2, warmupSteps: 4, totalSteps: 12)
        XCTAssertEqual([0, 2, 4, 8, 12, 20].map { warm.rate(atStep: $0) }, [0, 1, 2, 1, 0, 0])
    }

    func testSparseRowUpdatesTouchOnlyTheRowsAnEmbeddingUsed() throws {
        // Plain SGD: a row-wise update equals the dense one (untouched rows have zero gradient).
        let weights = Tensor(shape: [5, 3], values: (0..<15).map { Float($0) / 4 })
        let dense = try Embedding(weight: weights), sparse = try Embedding(weight: weights)
        let ids = [3, 1, 3], upstream = Tensor(shape: [3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        dense.backward(ids: ids, outputGradient: upstream)
        let rows = sparse.backward(ids: ids, outputGradient: upstream)
        XCTAssertEqual(rows, [1, 3])
        var denseSGD = SGD(parameters: dense.namedParameters, learningRate: 0.1)
        var sparseSGD = SGD(parameters: sparse.namedParameters, learningRate: 0.1)
        denseSGD.step()
        sparseSGD.step(sparseRows: ["weight": rows])
        XCTAssertEqual(sparse.weight.value, dense.weight.value)
        sparse.zeroGradient(rows: rows)
        XCTAssertEqual(sparse.weight.gradient.storage, [Float](repeating: 0, count: 15))

        // Adam (SparseAdam semantics): untouched rows keep their values and moments; touched rows
        // move exactly as dense Adam moves them.
        let table = try Embedding(weight: weights), reference = try Embedding(weight: weights)
        table.backward(ids: ids, outputGradient: upstream)
        reference.backward(ids: ids, outputGradient: upstream)
        var rowwise = Adam(parameters: table.namedParameters, learningRate: 0.05)
        var full = Adam(parameters: reference.namedParameters, learningRate: 0.05)
        rowwise.step(sparseRows: ["weight": rows])
        full.step()
        for row in 0..<5 {
            for j in 0..<3 {
                XCTAssertEqual(table.weight.value[row, j], rows.contains(row) ? reference.weight.value[row, j] : weights[row, j])
            }
        }
        let moments = try XCTUnwrap(rowwise.stateTensors()["weight.exp_avg"])
        XCTAssertEqual(Array(moments.storage[0..<3]), [0, 0, 0])
        XCTAssertNotEqual(Array(moments.storage[3..<6]), [0, 0, 0])
    }

    /// Trains two copies of a 9 × 4 table for 60 steps with a changing learning rate: one dense,
    /// one lazily (only the rows each step touches; rare rows miss many steps). After catching up,
    /// values and moments agree with the dense run; midway, touched rows already do. A third copy
    /// restored at step 30 from the lazy optimizer's saved state ends bit for bit like the second.
    func lazyMatchesDense(makeOptimizer: ([(name: String, parameter: Parameter)]) -> any Optimizer,
                          tolerance: Float, file: StaticString = #filePath, line: UInt = #line) throws {
        var restored: (parameter: Parameter, optimizer: any Optimizer)?
        var random = SeededGenerator(seed: 11)
        let initial = Tensor(shape: [9, 4], values: (0..<36).map { _ in random.nextFloat(in: -1, 1) })
        let dense = Parameter(initial), lazy = Parameter(initial)
        var denseOptimizer = makeOptimizer([("weight", dense)]), lazyOptimizer = makeOptimizer([("weight", lazy)])
        var anyLag = false
        for step in 0..<60 {
            // Row r is touched with probability falling with r; row 8 almost never.
            let rows = (0..<9).filter { r in random.nextUnitFloat() < 0.9 / Float(r + 1) }
            let gradient = Tensor(shape: [9, 4], values: (0..<36).map { i in rows.contains(i / 4) ? random.nextFloat(in: -1, 1) : 0 })
            dense.gradient = gradient
            lazy.gradient = gradient
            let rate = 0.05 * Float(1 + step % 7) / 4
            denseOptimizer.learningRate = rate
            lazyOptimizer.learningRate = rate
            if step == 30 {
                let copy = Parameter(lazy.value)
                var optimizer = makeOptimizer([("weight", copy)])
                try optimizer.loadState(lazyOptimizer.stateTensors())
                restored = (copy, optimizer)
            }
            denseOptimizer.step()
            lazyOptimizer.step(lazyRows: ["weight": rows])
            if var (copy, optimizer) = restored {
                copy.gradient = gradient
                optimizer.learningRate = rate
                optimizer.step(lazyRows: ["weight": rows])
                restored = (copy, optimizer)
            }
            for r in rows { for j in 0..<4 { XCTAssertEqual(lazy.value[r, j], dense.value[r, j], accuracy: tolerance, "step \(step) row \(r)", file: file, line: line) } }
            anyLag = anyLag || (0..<9).contains { r in !rows.contains(r) && lazy.value[r, 0] != dense.value[r, 0] }
        }
        XCTAssertTrue(anyLag, "some untouched rows should lag before catching up", file: file, line: line)
        lazyOptimizer.catchUpLazyRows()
        for i in 0..<36 { XCTAssertEqual(lazy.value.storage[i], dense.value.storage[i], accuracy: tolerance, "element \(i)", file: file, line: line) }
        var (copy, resumed) = try XCTUnwrap(restored)
        resumed.catchUpLazyRows()
        XCTAssertEqual(copy.value.storage, lazy.value.storage, "restored optimizer continues exactly", file: file, line: line)
        let denseState = denseOptimizer.stateTensors(), lazyState = lazyOptimizer.stateTensors()
        XCTAssertEqual(Set(lazyState.keys), Set(denseState.keys).union(["lazy.coefficients", "weight.lazy_row_step"]), file: file, line: line)
        for (key, tensor) in denseState {
            for (a, b) in zip(tensor.storage, lazyState[key]!.storage) { XCTAssertEqual(a, b, accuracy: tolerance, key, file: file, line: line) }
        }
    }

    func testLazyAdamRowsFollowDenseAdam() throws {
        try lazyMatchesDense(makeOptimizer: { Adam(parameters: $0, learningRate: 0.05) }, tolerance: 2e-5)
        try lazyMatchesDense(makeOptimizer: { Adam(parameters: $0, learningRate: 0.05, betas: (0.8, 0.99)) }, tolerance: 2e-5)
    }

    func testLazySGDRowsFollowDenseSGD() throws {
        try lazyMatchesDense(makeOptimizer: { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }, tolerance: 2e-5)
        try lazyMatchesDense(makeOptimizer: { SGD(parameters: $0, learningRate: 0.1, momentum: 0.7, dampening: 0.1, nesterov: true) }, tolerance: 2e-5)
    }

    /// Weight decay moves every row every step, so a lazy request falls back to the dense update.
    func testLazyStepWithWeightDecayIsDense() {
        let values = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let a = Parameter(values), b = Parameter(values)
        var lazy = Adam.adamW(parameters: [("w", a)]), dense = Adam.adamW(parameters: [("w", b)])
        a.gradient = Tensor(shape: [2, 2], values: [1, 1, 0, 0]); b.gradient = a.gradient
        lazy.step(lazyRows: ["w": [0]])
        dense.step()
        XCTAssertEqual(a.value, b.value)
        XCTAssertNotEqual(a.value[1, 0], 3, "the untouched row decays")
    }
}
