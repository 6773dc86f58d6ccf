import XCTest
import JikjiTerminal

final class ProgressBarTests: XCTestCase {
    func testLineShowsFractionTotalsRateAndEta() {
        let bar = ProgressBar("clean", total: 4_000_000, unit: .bytes, interactive: false, output: { _ in })
        bar.update(1_000_000, extra: "lines 10")
        let text = bar.line(elapsed: 2)
        XCTAssertTrue(text.hasPrefix("clean [======>"), text)
        XCTAssertTrue(text.contains(" 25% 1.0/4.0 MB 0.5 MB/s ETA 0:06 lines 10"), text)
    }

    func testPlainModeThrottlesAndFinishAlwaysPrints() {
        var printed: [String] = []
        let bar = ProgressBar("train", total: nil, unit: .count("steps"), interactive: false, plainInterval: 3600,
                              output: { printed.append($0) })
        for i in 1...1000 { bar.update(Int64(i)) }
        XCTAssertEqual(printed.count, 1, "the first update prints, the rest fall inside the interval")
        bar.finish(extra: "loss 0.3")
        XCTAssertEqual(printed.count, 2)
        XCTAssertTrue(printed[1].hasPrefix("train 1000 steps"), printed[1])
        XCTAssertTrue(printed[1].hasSuffix("loss 0.3\n"), printed[1])
        bar.update(5)
        XCTAssertEqual(printed.count, 2, "nothing after finish")
    }

    func testInteractiveModeRedrawsInPlace() {
        var printed: [String] = []
        let bar = ProgressBar("x", total: 10, unit: .count("lines"), interactive: true, output: { printed.append($0) })
        bar.update(5)
        bar.finish()
        XCTAssertTrue(printed.allSatisfy { $0.hasPrefix("\r\u{1B}[2K") })
        XCTAssertTrue(printed.last!.hasSuffix("\n"))
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }

    /// A second phase ends the first one's line and starts its own label, unit and total.
    func testPhasesEachGetTheirOwnLine() {
        var printed: [String] = []
        let bar = ProgressBar("reading", total: 2_000_000, unit: .bytes, interactive: true, output: { printed.append($0) })
        bar.update(2_000_000)
        bar.beginPhase("merging", total: 40, unit: .count("merges"))
        XCTAssertTrue(printed.last!.contains("reading [") && printed.last!.hasSuffix("\n"), printed.last!)
        bar.update(10)
        XCTAssertTrue(printed.last!.contains("merging [") && printed.last!.contains("10/40 merges"), printed.last!)
        XCTAssertFalse(printed.last!.contains("MB"), printed.last!)
    }

    /// Updates from several threads at once neither crash nor lose the final state.
    func testUpdatesFromManyThreads() {
        let bar = ProgressBar("x", total: 8000, unit: .count("rows"), interactive: false, plainInterval: 0, output: { _ in })
        DispatchQueue.concurrentPerform(iterations: 8) { part in
            for i in 0..<1000 { bar.update(Int64(part * 1000 + i)) }
        }
        bar.update(8000)
        XCTAssertTrue(bar.line(elapsed: 1).contains("8000/8000 rows"), bar.line(elapsed: 1))
    }

    func testDisabledBarPrintsNothing() {
        var printed: [String] = []
        let bar = ProgressBar("x", total: 10, unit: .count("lines"), enabled: false, interactive: false, output: { printed.append($0) })
        bar.update(5); bar.finish()
        XCTAssertTrue(printed.isEmpty)
    }
}
