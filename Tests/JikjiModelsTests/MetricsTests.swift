import XCTest
import JikjiModels

final class MetricsTests: XCTestCase {
    func testAccuracyAndBinaryF1FromAConfusionMatrix() {
        var counts = Metrics.ClassificationCounts(classes: 2)
        // truth 1: 3 right, 1 wrong; truth 0: 4 right, 2 predicted as 1.
        for _ in 0..<3 { counts.add(truth: 1, predicted: 1) }
        counts.add(truth: 1, predicted: 0)
        for _ in 0..<4 { counts.add(truth: 0, predicted: 0) }
        for _ in 0..<2 { counts.add(truth: 0, predicted: 1) }
        XCTAssertEqual(counts.total, 10)
        XCTAssertEqual(counts.accuracy, 0.7, accuracy: 1e-12)
        // precision 3/5, recall 3/4 → F1 = 2·0.6·0.75/1.35 = 0.6667
        XCTAssertEqual(counts.f1, 2 * 0.6 * 0.75 / 1.35, accuracy: 1e-12)
    }

    func testMacroF1AveragesClassesAndEmptyClassesCountZero() {
        var counts = Metrics.ClassificationCounts(classes: 3)
        counts.add(truth: 0, predicted: 0)
        counts.add(truth: 1, predicted: 1)
        XCTAssertEqual(counts.f1, 2.0 / 3.0, accuracy: 1e-12)
    }

    func testBleuOfIdenticalAndDisjointAndShortHypotheses() {
        let ref: [Int32] = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(Metrics.bleu(hypotheses: [ref], references: [ref]), 1, accuracy: 1e-12)
        XCTAssertEqual(Metrics.bleu(hypotheses: [[7, 8, 9, 10]], references: [ref]), 0)
        // A correct prefix of 4 of 6 tokens: all precisions 1, brevity penalty exp(1 - 6/4).
        XCTAssertEqual(Metrics.bleu(hypotheses: [[1, 2, 3, 4]], references: [ref]), exp(1 - 1.5), accuracy: 1e-12)
        // Clipping: repeating a matched word does not earn more matches.
        let clipped = Metrics.bleu(hypotheses: [[1, 1, 1, 1, 1, 1]], references: [[1, 2, 3, 4, 5, 6]], maxOrder: 1)
        XCTAssertEqual(clipped, 1.0 / 6.0, accuracy: 1e-12)
    }

    func testPerplexityIsExpOfMeanLoss() {
        XCTAssertEqual(Metrics.perplexity(meanLoss: log(42)), 42, accuracy: 1e-9)
    }
}
