import Foundation
import XCTest
import JikjiJobs

/// Issue 18: every run writes TensorBoard events and metrics.jsonl, and a resumed run's
/// metrics.jsonl holds each value once, as an uninterrupted run's does.
extension JobRunnerTests {
    /// metrics.jsonl of a run as `step split.name value` (tokens per second, a clock reading, without its value).
    func metricsLog(_ summary: JobRunner.Summary) throws -> [String] {
        try String(contentsOfFile: summary.directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let name = "\(o["split"]!).\(o["name"]!)"
            return "\(o["step"]!) \(name)" + (name == "train.tokens_per_second" ? "" : " \(o["value"]!)")
        }
    }

    func testARunWritesTensorBoardEventsAndAMetricsLogOfEveryValue() throws {
        let summary = try JobRunner.start(job: try job(["train.epochs=2", "train.eval_every=7", "train.log_every=2"]),
                                          jobFile: "tiny.yaml", options: options("logs"))
        let tb = summary.directory + "/tb"
        let files = try FileManager.default.contentsOfDirectory(atPath: tb)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasPrefix("events.out.tfevents."), files[0])
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: tb + "/" + files[0])).count, 100)
        let log = try metricsLog(summary)
        let registry = try metricRows(options("logs"), run: summary.runID).map { row -> String in
            let parts = row.split(separator: " ")   // step epoch split.name value
            return "\(parts[0]) \(parts[2]) \(parts[3])"
        }
        XCTAssertEqual(log.filter { !$0.contains("tokens_per_second") }, registry, "the registry's values, in order")
        XCTAssertEqual(log.filter { $0.contains("train.loss") }.count, summary.steps / 2 + summary.steps / 7 - summary.steps / 14)
        XCTAssertEqual(log.filter { $0.contains("tokens_per_second") }.count, summary.steps / 2)
    }

    func testAResumedRunsMetricsLogEqualsAnUninterruptedRuns() throws {
        let job = try job(["train.epochs=2", "train.eval_every=7", "train.log_every=3"])
        let whole = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("l-whole"))
        var interrupted = options("l-parts")
        interrupted.stopAfterSteps = 11
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: interrupted)
        let resumed = try JobRunner.resume(runID: first.runID, options: options("l-parts"))
        XCTAssertEqual(try metricsLog(resumed), try metricsLog(whole))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: resumed.directory + "/tb").count, 2, "one event file per process")
    }

    /// The classifier's evaluations record every class's precision, recall and F1, the macro F1
    /// and the confusion matrix, consistent with each other and with the accuracy.
    func testClassifierEvaluationsRecordPerClassScoresAndTheConfusionMatrix() throws {
        let summary = try JobRunner.start(job: try job(["train.epochs=1"]), jobFile: "tiny.yaml", options: options("perclass"))
        let metrics = try RunRegistry(path: options("perclass").registryPath).metrics(of: summary.runID)
        for split in ["valid", "test"] {
            let last = Dictionary(metrics.filter { $0.split == split }.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            let confusion = try (0..<2).map { t in try (0..<2).map { p in try XCTUnwrap(last["confusion.\(t).\(p)"], "\(split) \(last.keys)") } }
            let total = confusion.joined().reduce(0, +)
            XCTAssertEqual(total, split == "test" ? 60 : 48, split)
            XCTAssertEqual(try XCTUnwrap(last["accuracy"]), (confusion[0][0] + confusion[1][1]) / total, accuracy: 1e-12)
            var f1s: [Double] = []
            for c in 0..<2 {
                let tp = confusion[c][c]
                let precision = tp == 0 ? 0 : tp / (confusion[0][c] + confusion[1][c])
                let recall = tp == 0 ? 0 : tp / (confusion[c][0] + confusion[c][1])
                XCTAssertEqual(try XCTUnwrap(last["precision.\(c)"]), precision, accuracy: 1e-12)
                XCTAssertEqual(try XCTUnwrap(last["recall.\(c)"]), recall, accuracy: 1e-12)
                let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
                XCTAssertEqual(try XCTUnwrap(last["f1.\(c)"]), f1, accuracy: 1e-12)
                f1s.append(f1)
            }
            XCTAssertEqual(try XCTUnwrap(last["macro_f1"]), (f1s[0] + f1s[1]) / 2, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(last["f1"]), f1s[1], accuracy: 1e-12, "binary f1 stays the positive class's")
        }
    }
}
