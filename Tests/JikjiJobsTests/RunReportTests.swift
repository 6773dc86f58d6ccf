import Foundation
import XCTest
import JikjiJobs

final class RunReportTests: XCTestCase {
    func testReportHasAChartPerMetricWithALinePerSplitAndEscapesText() throws {
        let run = RunRegistry.Run(id: 3, jobName: "nsmc <lstm>", jobFile: "jobs/x.yaml", status: .completed,
                                  startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 60),
                                  machine: "m", seed: 1, resolvedConfig: "a: '<b>'\n", directory: "runs/3")
        let metrics: [RunRegistry.Metric] = [
            .init(step: 10, epoch: 1, split: "train", name: "loss", value: 0.7),
            .init(step: 20, epoch: 1, split: "train", name: "loss", value: 0.5),
            .init(step: 20, epoch: 1, split: "valid", name: "loss", value: 0.55),
            .init(step: 20, epoch: 1, split: "valid", name: "accuracy", value: 0.8),
        ]
        let html = RunReport(run: run, metrics: metrics, checkpoints: [.init(step: 20, path: "runs/3/c.safetensors", metric: 0.8, isBest: true)]).html()
        // Issue 18: a metric with one value per split (accuracy here) is written as a value, not charted as a lone dot.
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 1, "a chart for loss")
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 2, "loss: train + valid")
        XCTAssertTrue(html.contains(">0.8 <span>valid, step 20</span></p>"), "accuracy as a value")
        XCTAssertTrue(html.contains("nsmc &lt;lstm&gt;"))
        XCTAssertFalse(html.contains("<lstm>"))
        XCTAssertTrue(html.contains("a: &#39;&lt;b&gt;&#39;") || html.contains("a: '&lt;b&gt;'"))
        XCTAssertTrue(html.contains("<td>★</td>"))
        // The train loss line falls from left to right: its second point has a larger y (lower on screen).
        let line = try XCTUnwrap(html.components(separatedBy: "points=\"").dropFirst().first?.components(separatedBy: "\"").first)
        let ys = line.split(separator: " ").map { Double($0.split(separator: ",")[1])! }
        XCTAssertEqual(ys.count, 2)
        XCTAssertGreaterThan(ys[1], ys[0])
    }
}
