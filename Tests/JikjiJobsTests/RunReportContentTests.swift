import Foundation
import XCTest
import JikjiJobs

/// Issue 18's report content: which curves and tables a classifier, a language model and an
/// encoder-decoder run get, throughput per epoch from metrics.jsonl, and a single evaluation
/// written as a value.
final class RunReportContentTests: XCTestCase {
    let run = RunRegistry.Run(id: 2, jobName: "content", jobFile: "j.yaml", status: .completed, startedAt: Date(timeIntervalSince1970: 1000),
                              endedAt: nil, machine: "m", seed: 1, resolvedConfig: "name: content\n", directory: "/nonexistent/runs/2")

    /// Training loss and learning rate every 10 steps over two epochs of 20 steps, and a validation
    /// accuracy per epoch.
    var trainingMetrics: [RunRegistry.Metric] {
        var metrics: [RunRegistry.Metric] = []
        for step in stride(from: 10, through: 40, by: 10) {
            metrics.append(.init(step: step, epoch: (step - 1) / 20, split: "train", name: "loss", value: 1 / Double(step)))
            metrics.append(.init(step: step, epoch: (step - 1) / 20, split: "train", name: "learning_rate", value: 0.001))
        }
        metrics.append(.init(step: 20, epoch: 0, split: "valid", name: "accuracy", value: 0.7))
        metrics.append(.init(step: 40, epoch: 1, split: "valid", name: "accuracy", value: 0.8))
        return metrics
    }

    /// tokens/s at every logged step, 5 s apart from the run's start; the end-of-training line is under epoch 2.
    var log: [RunReport.LogLine] {
        stride(from: 10, through: 40, by: 10).map {
            .init(step: $0, epoch: ($0 - 1) / 20, split: "train", name: "tokens_per_second", value: Double($0) * 100,
                  wallTime: 1000 + Double($0) / 2)
        } + [.init(step: 40, epoch: 2, split: "test", name: "accuracy", value: 0.75, wallTime: 1021)]
    }

    /// Polylines of more than one point per chart caption.
    func curves(_ html: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for figure in html.components(separatedBy: "<figure><figcaption>").dropFirst() {
            let caption = String(figure.prefix { $0 != "<" })
            out[caption] = figure.components(separatedBy: "points=\"").dropFirst()
                .filter { $0.prefix { $0 != "\"" }.split(separator: " ").count > 1 }.count
        }
        return out
    }

    func rows(_ html: String, table: String) -> Int {
        guard let body = html.components(separatedBy: "<table class=\"\(table)\">").dropFirst().first?.components(separatedBy: "</table>").first
        else { return 0 }
        return body.components(separatedBy: "<tr>").count - 1
    }

    func testClassifierReportHasCurvesThroughputSamplesAndProvenance() {
        var metrics = trainingMetrics
        for (t, p, n) in [(0, 0, 40), (0, 1, 10), (1, 0, 5), (1, 1, 45)] {
            metrics.append(.init(step: 40, epoch: 1, split: "test", name: "confusion.\(t).\(p)", value: Double(n)))
        }
        for c in 0..<2 { for name in ["precision", "recall", "f1"] { metrics.append(.init(step: 40, epoch: 1, split: "test", name: "\(name).\(c)", value: 0.8)) } }
        let supplement = ReportSupplement(
            mostConfidentRight: [.init(text: "최고의 영화", label: 1, predicted: 1, probability: 0.99)],
            mostConfidentWrong: [.init(text: "<b>지루</b>", label: 0, predicted: 1, probability: 0.9),
                                 .init(text: "별로", label: 0, predicted: 1, probability: 0.8)],
            classifiedExamples: 90, vocabulary: "v@3", vocabularyFile: "vocab.txt",
            datasets: [.init(role: "main", name: "nsmc", vocabulary: "v@3", examples: ["train": 80, "valid": 10],
                             files: [.init(role: "all", path: "/c/train.txt", sha256: "ab", lines: 91)])])
        let html = RunReport(run: run, metrics: metrics, checkpoints: [], log: log, supplement: supplement).html()
        let c = curves(html)
        XCTAssertEqual(c["loss"], 1)
        XCTAssertEqual(c["learning_rate"], 1)
        XCTAssertEqual(c["accuracy"], 1)
        XCTAssertEqual(c["tokens_per_second"], 1, "tokens/s from metrics.jsonl: \(c)")
        XCTAssertEqual(rows(html, table: "confusion"), 3)
        XCTAssertEqual(rows(html, table: "throughput"), 3, "a header and two epochs (the end-of-training line folded in)")
        XCTAssertTrue(html.contains("<td>1</td><td>20</td><td>10.0 s</td><td>1500</td>"), "epoch 1: 10 s, mean of 1000 and 2000 tokens/s")
        XCTAssertTrue(html.contains("<td>2</td><td>40</td><td>10.0 s</td><td>3500</td>"))
        XCTAssertEqual(html.components(separatedBy: "<table class=\"samples\">").count - 1, 2, "right and wrong")
        XCTAssertTrue(html.contains("Most confident wrong"))
        XCTAssertTrue(html.contains("&lt;b&gt;지루&lt;/b&gt;"))
        XCTAssertTrue(html.contains("<a href=\"vocab.txt\">v@3</a>"))
        XCTAssertTrue(html.contains("/c/train.txt</a>, 91 lines, sha256 <code>ab</code>"))
    }

    func testLanguageModelReportHasGenerationsAndNoClassifierTables() {
        let supplement = ReportSupplement(sampleSplit: "valid", generations: [.init(prompt: "이 영화", text: "이 영화 정말 좋다")],
                                          vocabulary: "v@1")
        let html = RunReport(run: run, metrics: trainingMetrics, checkpoints: [], log: log, supplement: supplement).html()
        XCTAssertTrue(html.contains("Sample generations"))
        XCTAssertEqual(rows(html, table: "samples"), 2)
        XCTAssertTrue(html.contains("<td>이 영화</td><td>이 영화 정말 좋다</td>"))
        XCTAssertEqual(rows(html, table: "confusion"), 0)
        XCTAssertFalse(html.contains("Most confident"))
    }

    func testEncoderDecoderReportHasTranslationsWithReferencesAndBLEU() {
        var metrics = trainingMetrics
        metrics.append(.init(step: 20, epoch: 0, split: "valid", name: "bleu", value: 0.1))
        metrics.append(.init(step: 40, epoch: 1, split: "valid", name: "bleu", value: 0.2))
        let supplement = ReportSupplement(sampleSplit: "valid", translations: [
            .init(source: "안녕", reference: "반가워요", hypothesis: "반가워요", bleu: 1),
            .init(source: "뭐해", reference: "쉬어요", hypothesis: "자요", bleu: 0)], vocabulary: "v@1")
        let html = RunReport(run: run, metrics: metrics, checkpoints: [], log: log, supplement: supplement).html()
        XCTAssertEqual(curves(html)["bleu"], 1)
        XCTAssertTrue(html.contains("<th>source</th><th>reference</th><th>model</th><th>BLEU</th>"))
        XCTAssertEqual(rows(html, table: "samples"), 3)
        XCTAssertTrue(html.contains("<td>뭐해</td><td>쉬어요</td><td>자요</td><td>0</td>"))
    }

    func testASingleEvaluationIsAValueNotAChart() {
        let metrics: [RunRegistry.Metric] = [.init(step: 300, epoch: 0, split: "valid", name: "accuracy", value: 0.84),
                                             .init(step: 300, epoch: 0, split: "test", name: "accuracy", value: 0.83)]
        let html = RunReport(run: run, metrics: metrics, checkpoints: [], log: [], supplement: .some(nil)).html()
        XCTAssertFalse(html.contains("<svg "), "no chart of lone dots")
        XCTAssertTrue(html.contains("<figcaption>accuracy</figcaption>\n<div class=\"value\">"))
        XCTAssertTrue(html.contains(">0.84 <span>valid, step 300</span></p>"))
        XCTAssertTrue(html.contains(">0.83 <span>test, step 300</span></p>"))
        XCTAssertFalse(html.contains("Throughput"), "no log, no throughput table")
    }
}
