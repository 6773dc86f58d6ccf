import Foundation
import XCTest
import JikjiRecurrent
import JikjiTestSupport

/// Discriminative learning rates (per-parameter rate scales), frozen parameters
/// (`requiresGradient` false) and the ULMFiT / one-cycle schedules.
final class GroupRateAndFreezingTests: XCTestCase {
    // MARK: Per-group rates

    /// Three groups at lr·2.6^-2, lr·2.6^-1, lr: one plain SGD step moves each by its own rate.
    func testOneSGDStepMovesEachGroupByItsOwnRate() {
        let decay: Float = 2.6, lr: Float = 0.1
        let bottom = Parameter(Tensor(shape: [2], values: [1, -1])), middle = Parameter(Tensor(shape: [1], values: [0.5]))
        let top = Parameter(Tensor(shape: [2], values: [0, 2]))
        var sgd = SGD(parameters: [("bottom", bottom), ("middle", middle), ("top", top)], learningRate: lr)
        sgd.learningRateScales = [1 / (decay * decay), 1 / decay, 1]
        bottom.gradient = Tensor(shape: [2], values: [3, 1])
        middle.gradient = Tensor(shape: [1], values: [-2])
        top.gradient = Tensor(shape: [2], values: [1, 4])
        sgd.step()
        XCTAssertEqual(bottom.value.storage[0], 1 - 0.1 / 6.76 * 3, accuracy: 1e-6)
        XCTAssertEqual(bottom.value.storage[1], -1 - 0.1 / 6.76 * 1, accuracy: 1e-6)
        XCTAssertEqual(middle.value.storage[0], 0.5 + 0.1 / 2.6 * 2, accuracy: 1e-6)
        XCTAssertEqual(top.value.storage[0], -0.1, accuracy: 1e-6)
        XCTAssertEqual(top.value.storage[1], 2 - 0.4, accuracy: 1e-6)
    }

    /// Adam's first step is rate·sign(g) per group; AdamW's decay also follows each group's rate.
    func testAdamAndAdamWUseEachGroupsRate() {
        let low = Parameter(Tensor(shape: [2], values: [1, 1])), high = Parameter(Tensor(shape: [2], values: [1, 1]))
        var adam = Adam.adamW(parameters: [("low", low), ("high", high)], learningRate: 0.01, weightDecay: 0.5)
        adam.learningRateScales = [0.25, 1]
        low.gradient = Tensor(shape: [2], values: [2, -3])
        high.gradient = Tensor(shape: [2], values: [2, -3])
        adam.step()
        // p·(1 - rate·λ) - rate·sign(g).
        XCTAssertEqual(low.value.storage[0], 1 * (1 - 0.0025 * 0.5) - 0.0025, accuracy: 1e-6)
        XCTAssertEqual(low.value.storage[1], 1 * (1 - 0.0025 * 0.5) + 0.0025, accuracy: 1e-6)
        XCTAssertEqual(high.value.storage[0], 1 * (1 - 0.01 * 0.5) - 0.01, accuracy: 1e-6)
        XCTAssertEqual(high.value.storage[1], 1 * (1 - 0.01 * 0.5) + 0.01, accuracy: 1e-6)
    }

    /// Lazy rows of a table at a reduced rate catch up at that rate: the same weights as dense.
    func testLazyRowsOfAScaledTableCatchUpAtTheTablesRate() {
        for makeOptimizer in [{ (p: [(name: String, parameter: Parameter)]) -> any Optimizer in
                                  var o = SGD(parameters: p, learningRate: 0.1, momentum: 0.9); o.learningRateScales = [0.3]; return o },
                              { p in var o = Adam(parameters: p, learningRate: 0.1); o.learningRateScales = [0.3]; return o }] {
            let dense = Parameter(Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]))
            let lazy = Parameter(dense.value)
            var a = makeOptimizer([("table", dense)]), b = makeOptimizer([("table", lazy)])
            for step in 0..<6 {
                let row = step % 2 == 0 ? 0 : 2
                for p in [dense, lazy] {
                    p.zeroGradient()
                    p.gradient.storage[row * 2] = Float(step) - 2.5
                    p.gradient.storage[row * 2 + 1] = 1
                }
                a.step()
                b.step(lazyRows: ["table": [row]])
            }
            b.catchUpLazyRows()
            for (x, y) in zip(lazy.value.storage, dense.value.storage) { XCTAssertEqual(x, y, accuracy: 2e-6) }
        }
    }

    // MARK: Frozen parameters

    /// A frozen parameter keeps its value and its optimizer state bit for bit, whatever its
    /// gradient: Adam (L2 and decoupled decay), SGD with momentum and decay, dense, sparse and lazy steps.
    func testFrozenParametersDoNotMoveUnderAnyOptimizerOrUpdate() {
        typealias Make = ([(name: String, parameter: Parameter)]) -> any Optimizer
        let makers: [(String, Make)] = [
            ("adam+l2", { Adam(parameters: $0, learningRate: 0.01, weightDecay: 0.1) }),
            ("adamw", { Adam.adamW(parameters: $0, learningRate: 0.01, weightDecay: 0.1) }),
            ("adam lazy", { Adam(parameters: $0, learningRate: 0.01) }),
            ("sgd", { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1) }),
            ("sgd lazy", { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }),
        ]
        for (label, make) in makers {
            let table = Parameter(Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]))
            let weight = Parameter(Tensor(shape: [2], values: [0.5, -0.5]))
            var optimizer = make([("table", table), ("weight", weight)])
            // One step with both trainable, so the table has state to keep.
            table.gradient = Tensor(shape: [3, 2], values: [1, 1, 1, 1, 1, 1]); weight.gradient = Tensor(shape: [2], values: [1, 1])
            optimizer.step()
            table.requiresGradient = false
            let frozenValue = table.value.storage
            let frozenState = optimizer.stateTensors().filter { $0.key.hasPrefix("table.") && !$0.key.hasSuffix(".step") }
            for step in 0..<4 {
                table.gradient = Tensor(shape: [3, 2], values: [9, -9, 9, -9, 9, -9])
                weight.gradient = Tensor(shape: [2], values: [1, -1])
                switch step % 3 {
                case 0: optimizer.step()
                case 1: optimizer.step(sparseRows: ["table": [0, 2]], gradients: GradientUse(scale: 0.5, zeroAfterUse: true))
                default: optimizer.step(lazyRows: ["table": [1]], gradients: GradientUse(scale: 1, zeroAfterUse: true))
                }
            }
            optimizer.catchUpLazyRows()
            XCTAssertEqual(table.value.storage, frozenValue, label)
            let state = optimizer.stateTensors().filter { $0.key.hasPrefix("table.") && !$0.key.hasSuffix(".step") }
            XCTAssertEqual(state.mapValues(\.storage), frozenState.mapValues(\.storage), label)
            XCTAssertEqual(optimizer.stateTensors()["table.step"]?.storage, [1], "\(label): the table took one step of five")
            XCTAssertNotEqual(weight.value.storage, [0.5, -0.5], label)
        }
    }

    /// A parameter frozen for the first steps starts, once unfrozen, as a fresh Adam would: its
    /// bias corrections count its own steps (PyTorch's per-parameter `step`), dense and lazy.
    func testAParameterUnfrozenLateStepsLikeAFreshAdam() {
        for lazy in [false, true] {
            let late = Parameter(Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]))
            let other = Parameter(Tensor(shape: [1], values: [0]))
            let fresh = Parameter(late.value)
            var shared = Adam(parameters: [("other", other), ("late", late)], learningRate: 0.01)
            var alone = Adam(parameters: [("late", fresh)], learningRate: 0.01)
            late.requiresGradient = false
            for _ in 0..<5 {
                other.gradient = Tensor(shape: [1], values: [1])
                late.gradient = Tensor(shape: [3, 2], values: [7, 7, 7, 7, 7, 7])
                shared.step(lazyRows: lazy ? ["late": [0]] : [:], gradients: GradientUse(scale: 1, zeroAfterUse: true))
            }
            late.requiresGradient = true
            XCTAssertEqual(late.value.storage, [1, 2, 3, 4, 5, 6])
            for step in 0..<7 {
                let rows = [step % 3]
                for p in [late, fresh] {
                    p.zeroGradient()
                    p.gradient.storage[rows[0] * 2] = Float(step) - 3
                    p.gradient.storage[rows[0] * 2 + 1] = 0.5
                }
                if lazy {
                    shared.step(lazyRows: ["late": rows])
                    alone.step(lazyRows: ["late": rows])
                } else {
                    shared.step()
                    alone.step()
                }
                if step == 0 && !lazy {
                    XCTAssertEqual(late.value.storage[0], 1 + 0.01, accuracy: 1e-6, "the first step after unfreezing is lr·sign(g)")
                }
            }
            shared.catchUpLazyRows(); alone.catchUpLazyRows()
            for (x, y) in zip(late.value.storage, fresh.value.storage) { XCTAssertEqual(x, y, accuracy: 1e-6, "lazy \(lazy)") }
        }
    }

    /// The per-parameter step survives a checkpoint: a restored optimizer continues exactly.
    func testPerParameterStepsSurviveAStateRoundTrip() throws {
        func parameters() -> [(name: String, parameter: Parameter)] {
            [("a", Parameter(Tensor(shape: [2], values: [1, 2]))), ("b", Parameter(Tensor(shape: [2], values: [3, 4])))]
        }
        func gradients(_ p: [(name: String, parameter: Parameter)], _ step: Int) {
            for (i, (_, q)) in p.enumerated() { q.gradient = Tensor(shape: [2], values: [Float(step + i) - 1.5, 0.25]) }
        }
        for sgd in [false, true] {
            func make(_ p: [(name: String, parameter: Parameter)]) -> any Optimizer {
                sgd ? SGD(parameters: p, learningRate: 0.1, momentum: 0.9) : Adam(parameters: p, learningRate: 0.1)
            }
            let whole = parameters(), parts = parameters()
            var a = make(whole), b = make(parts)
            whole[0].parameter.requiresGradient = false; parts[0].parameter.requiresGradient = false
            for step in 0..<3 { gradients(whole, step); a.step(); gradients(parts, step); b.step() }
            whole[0].parameter.requiresGradient = true; parts[0].parameter.requiresGradient = true
            for step in 3..<5 { gradients(whole, step); a.step(); gradients(parts, step); b.step() }
            let saved = b.stateTensors()
            XCTAssertEqual(saved["a.step"]?.storage, [2], "a sat out three of five steps")
            XCTAssertNil(saved["b.step"], "a parameter that took every step saves no step of its own")
            var restored = make(parts)
            try restored.loadState(saved)
            for step in 5..<8 { gradients(whole, step); a.step(); gradients(parts, step); restored.step() }
            XCTAssertEqual(parts.map(\.parameter.value.storage), whole.map(\.parameter.value.storage), "sgd \(sgd)")
        }
        var adam = Adam(parameters: parameters(), learningRate: 0.1)
        XCTAssertThrowsError(try adam.loadState(["step": Tensor(shape: [1], values: [3]), "a.step": Tensor(shape: [1], values: [9])])) {
            XCTAssertTrue("\($0)".contains("'a.step'"), "\($0)")
        }
    }

    // MARK: Schedules

    /// ULMFiT's slanted triangular rate against Howard & Ruder (2018), eq. 3, written out here.
    func testSlantedTriangularFollowsThePapersFormula() {
        let peak: Float = 0.01, total = 1000, cutFraction = 0.1, ratio = 32.0
        let schedule = LearningRateSchedule.slantedTriangular(peak: peak, totalSteps: total, cutFraction: cutFraction, ratio: ratio)
        let cut = 100.0  // ⌊1000 · 0.1⌋
        func paper(_ t: Double) -> Double {
            let p = t < cut ? t / cut : 1 - (t - cut) / (cut * (1 / cutFraction - 1))
            return 0.01 * (1 + p * (ratio - 1)) / ratio
        }
        for t in [0, 1, 50, 99, 100, 101, 550, 999, 1000] {
            XCTAssertEqual(Double(schedule.rate(atStep: t)), paper(Double(t)), accuracy: 1e-9, "step \(t)")
        }
        XCTAssertEqual(schedule.rate(atStep: 0), peak / 32, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(atStep: 100), peak, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(atStep: 1000), peak / 32, accuracy: 1e-9, "back to peak/ratio at T")
    }

    /// The one-cycle rate equals PyTorch's OneCycleLR at every step of the fixture's runs.
    func testOneCycleMatchesPyTorchsOneCycleLR() throws {
        let fixture = try TorchFixture(contentsOf: ProjectPaths.root.appendingPathComponent("Tests/JikjiRecurrentTests/Fixtures/one_cycle_lr.json"))
        XCTAssertEqual(fixture.tensors.count, 3)
        for (name, expected) in fixture.tensors {
            let c = try XCTUnwrap(fixture.config[name] as? [String: Any])
            let schedule = LearningRateSchedule.oneCycle(
                peak: Float(try XCTUnwrap(c["max_lr"] as? Double)), totalSteps: try XCTUnwrap(c["total_steps"] as? Int),
                warmupFraction: try XCTUnwrap(c["pct_start"] as? Double), divFactor: try XCTUnwrap(c["div_factor"] as? Double),
                finalDivFactor: try XCTUnwrap(c["final_div_factor"] as? Double))
            for (step, value) in expected.values.enumerated() {
                XCTAssertEqual(Double(schedule.rate(atStep: step)), value, accuracy: max(1e-12, abs(value) * 1e-6), "\(name) step \(step)")
            }
        }
    }
}
