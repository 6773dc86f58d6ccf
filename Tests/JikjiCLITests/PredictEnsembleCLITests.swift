import Foundation
import XCTest
import JikjiTestSupport

/// `jikji predict RUN RUN --ensemble`: the mean of the runs' class probabilities, the ensemble's
/// accuracy on a labelled file, and the refusals (several runs without --ensemble, another vocabulary).
extension JobCommandTests {
    func probabilities(_ output: String) throws -> [[Double]] {
        try output.split(separator: "\n").map {
            let row = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            return try XCTUnwrap(row["probabilities"] as? [Double])
        }
    }

    func testEnsemblePredictsTheMeanProbabilityAndItsAccuracy() throws {
        try jikji(["job", "run", try writeJob("fwd.yaml", shortClassifierJob("fwd", model: "pooling: concat")), "--quiet", "--runs", runs])
        try jikji(["job", "run", try writeJob("bwd.yaml", shortClassifierJob("bwd", model: "direction: backward, pooling: attention")),
                   "--quiet", "--runs", runs])
        let arguments = ["--input", path("test.tsv"), "--text-column", "document", "--runs", runs, "--format", "jsonl"]
        let one = try probabilities(try jikji(["predict", "1"] + arguments).output)
        let two = try probabilities(try jikji(["predict", "2"] + arguments).output)
        let both = try jikji(["predict", "1", "2", "--ensemble"] + arguments)
        let mean = try probabilities(both.output)
        XCTAssertEqual(mean.count, 800)
        XCTAssertNotEqual(one, two)
        for i in mean.indices {
            for c in 0..<2 { XCTAssertEqual(mean[i][c], (one[i][c] + two[i][c]) / 2, accuracy: 1e-12, "row \(i)") }
        }
        // The accuracy on standard error is the ensemble's, recomputed here from its predictions.
        let truth = try testLabels()
        let correct = zip(mean, truth).filter { ($0[1] >= 0.5 ? 1 : 0) == $1 }.count
        XCTAssertTrue(both.stderr.hasPrefix(String(format: "accuracy %.4f (%d of 800 labelled rows)", Double(correct) / 800, correct)), both.stderr)

        let without = try jikji(["predict", "1", "2"] + arguments, status: 64)
        XCTAssertTrue(without.stderr.contains("2 runs given: add --ensemble"), without.stderr)
        try jikji(["job", "run", try writeJob("other.yaml", shortClassifierJob("other", model: "classes: 2")
            .replacingOccurrences(of: "name: cli-wp,", with: "name: cli-wp-other,")), "--quiet", "--runs", runs])
        let mismatched = try jikji(["predict", "1", "3", "--ensemble"] + arguments, status: 1)
        XCTAssertTrue(mismatched.stderr.contains("run 3 uses vocabulary cli-wp-other@1") && mismatched.stderr.contains("must share one vocabulary"),
                      mismatched.stderr)
    }
}
