import Foundation
import XCTest
import JikjiJobs

/// Issue 18's report axes: no repeated ticks (steps 299…301 once gave `299 300 300 301 301`),
/// accuracy and BLEU drawn over [0, 1] (a BLEU axis once went below zero), and a lone
/// evaluation written out as a value.
final class RunReportAxesTests: XCTestCase {
    let run = RunRegistry.Run(id: 1, jobName: "axes", jobFile: "j.yaml", status: .completed, startedAt: Date(timeIntervalSince1970: 0),
                              endedAt: nil, machine: "m", seed: 1, resolvedConfig: "name: axes\n", directory: "runs/1")

    /// The tick labels of each chart: (x labels, y labels).
    func ticks(_ html: String) -> [(x: [String], y: [String])] {
        html.components(separatedBy: "<svg ").dropFirst().map { svg in
            func labels(_ anchor: String) -> [String] {
                svg.components(separatedBy: "text-anchor=\"\(anchor)\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
            }
            return (labels("middle").filter { $0 != "step" }, labels("end").filter { Double($0) != nil })
        }
    }

    func testStepTicksAreDistinctIntegersAndBoundedMetricsSpanZeroToOne() throws {
        let metrics: [RunRegistry.Metric] = [
            .init(step: 299, epoch: 0, split: "valid", name: "accuracy", value: 0.70),
            .init(step: 301, epoch: 0, split: "valid", name: "accuracy", value: 0.72),
            .init(step: 299, epoch: 0, split: "valid", name: "bleu", value: 0.01),
            .init(step: 301, epoch: 0, split: "valid", name: "bleu", value: 0.012),
        ]
        let charts = ticks(RunReport(run: run, metrics: metrics, checkpoints: []).html())
        XCTAssertEqual(charts.count, 2)
        for chart in charts {
            XCTAssertEqual(chart.x, Array(Set(chart.x)).sorted { Int($0)! < Int($1)! }, "distinct and increasing: \(chart.x)")
            XCTAssertTrue(chart.x.allSatisfy { Int($0) != nil }, "\(chart.x)")
            let ys = chart.y.compactMap(Double.init)
            XCTAssertEqual(ys.min(), 0, "\(chart.y)")
            XCTAssertEqual(ys.max(), 1, "\(chart.y)")
            XCTAssertEqual(Set(chart.y).count, chart.y.count, "\(chart.y)")
        }
    }

    func testLossTicksAreRoundAndALoneEvaluationIsLabelled() throws {
        var metrics: [RunRegistry.Metric] = (1...12).map { .init(step: $0 * 50, epoch: 0, split: "train", name: "loss", value: 0.7 - Double($0) * 0.05) }
        metrics.append(.init(step: 600, epoch: 0, split: "test", name: "loss", value: 0.41))
        let html = RunReport(run: run, metrics: metrics, checkpoints: []).html()
        let chart = try XCTUnwrap(ticks(html).first)
        XCTAssertEqual(chart.x, ["0", "200", "400", "600"])
        let ys = chart.y.compactMap(Double.init)
        XCTAssertEqual(ys.first, 0, "a non-negative loss spanning much of its range is drawn from 0")
        let gaps = zip(ys.dropFirst(), ys).map { $0 - $1 }
        XCTAssertTrue(gaps.allSatisfy { abs($0 - gaps[0]) < 1e-9 }, "evenly spaced: \(ys)")
        XCTAssertTrue(html.contains(">test 0.41 at step 600</text>"), "the lone test value is written out")
    }
}
