import Foundation
import XCTest
import JikjiTestSupport

/// Issue 18: `jikji predict --format jsonl` with every class's probability and the logits, the
/// tokens when asked, and per-class scores with the confusion matrix for labelled input — for a
/// one-logit binary head and for a three-class softmax head.
extension JobCommandTests {
    func shortClassifierJob(_ name: String, model: String) -> String {
        """
        name: \(name)
        seed: 3
        data: {train: \(path("train.tsv")), test: \(path("test.tsv")), text_column: document, label_column: label, valid_ratio: 0.1}
        vocab: {name: cli-wp, database: \(path("vocab.sqlite")), vocab_size: 4000, min_frequency: 2}
        batching: {batch_size: 32, max_length: 48}
        model: {kind: classifier, embedding: 16, encoder: {cell: gru, hidden: 16}, \(model)}
        optim: {optimizer: adam, lr: 0.005}
        train: {epochs: 1, max_steps: 40}
        """
    }

    /// The test file's labels (0/1), in order.
    func testLabels() throws -> [Int] {
        try String(contentsOfFile: path("test.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Int($0.split(separator: "\t", omittingEmptySubsequences: false)[2])! }
    }

    func checkPredictFormats(run: Int, classes: Int, logits: Int) throws {
        let arguments = ["predict", "\(run)", "--input", path("test.tsv"), "--text-column", "document", "--runs", runs]
        let jsonl = try jikji(arguments + ["--format", "jsonl", "--tokens"])
        let rows = try jsonl.output.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rows.count, 800)
        let tsv = try jikji(arguments).output.split(separator: "\n")
        XCTAssertEqual(tsv.count, 800)
        var predicted: [Int] = []
        for (row, line) in zip(rows, tsv) {
            let label = try XCTUnwrap(row["label"] as? Int)
            let probabilities = try XCTUnwrap(row["probabilities"] as? [Double])
            let rowLogits = try XCTUnwrap(row["logits"] as? [Double])
            let tokens = try XCTUnwrap(row["tokens"] as? [String])
            XCTAssertEqual(probabilities.count, classes)
            XCTAssertEqual(rowLogits.count, logits)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(probabilities.firstIndex(of: probabilities.max()!), label)
            XCTAssertEqual(row["probability"] as? Double, probabilities[label])
            if logits == 1 {
                XCTAssertEqual(probabilities[1], 1 / (1 + exp(-rowLogits[0])), accuracy: 1e-6)
            } else {
                let m = rowLogits.max()!, e = rowLogits.map { exp($0 - m) }
                for c in 0..<classes { XCTAssertEqual(probabilities[c], e[c] / e.reduce(0, +), accuracy: 1e-6) }
            }
            XCTAssertTrue(!tokens.isEmpty && tokens.count <= 48, "\(tokens)")
            XCTAssertEqual(String(line), "\(label)\t" + String(format: "%.4f", probabilities[label]), "tsv and jsonl agree")
            predicted.append(label)
        }

        // Per-class scores on standard error, recomputed here from the predictions and the file's labels.
        let truth = try testLabels()
        let stderr = jsonl.stderr
        for c in 0..<classes {
            let tp = zip(truth, predicted).filter { $0 == c && $1 == c }.count
            let asC = predicted.filter { $0 == c }.count, ofC = truth.filter { $0 == c }.count
            let precision = asC == 0 ? 0 : Double(tp) / Double(asC), recall = ofC == 0 ? 0 : Double(tp) / Double(ofC)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            let line = String(format: "%5d  %9.4f  %6.4f  %6.4f  %7d", c, precision, recall, f1, ofC)
            XCTAssertTrue(stderr.contains(line + "\n"), "missing \(line) in\n\(stderr)")
            let confusion = String(format: "%5d ", c) + (0..<classes).map { p in
                String(format: "%7d", zip(truth, predicted).filter { $0 == c && $1 == p }.count)
            }.joined()
            XCTAssertTrue(stderr.contains(confusion + "\n"), "missing confusion row \(confusion) in\n\(stderr)")
        }
        XCTAssertTrue(stderr.contains("macro-F1 "), stderr)
    }

    func testPredictWritesEveryClassProbabilityLogitsAndPerClassScores() throws {
        try jikji(["job", "run", try writeJob("bce.yaml", shortClassifierJob("bce", model: "classes: 2")), "--quiet", "--runs", runs])
        try checkPredictFormats(run: 1, classes: 2, logits: 1)
        // Three classes with a softmax head on two-label data: class 2 is never true, its row stays zero.
        try jikji(["job", "run", try writeJob("ce.yaml", shortClassifierJob("ce3", model: "classes: 3, loss: cross_entropy")),
                   "--quiet", "--runs", runs])
        try checkPredictFormats(run: 2, classes: 3, logits: 3)
    }
}
