import Foundation
import XCTest
import JikjiData
import JikjiJobs
import JikjiTestSupport

/// Backward language models and the rule that a language model never trains on NSMC's test side.
extension JobRunnerTests {
    /// Each sequence reversed in place of itself; offsets unchanged.
    func testReversingEachSequenceKeepsTheOffsets() {
        let sequences = TokenSequences([[1, 2, 3], [], [7], [4, 5]])
        let reversed = sequences.reversingEachSequence()
        XCTAssertEqual(reversed.offsets, sequences.offsets)
        XCTAssertEqual((0..<reversed.count).map { Array(reversed[$0]) }, [[3, 2, 1], [], [7], [5, 4]])
    }

    /// `model.direction: backward` reads every review from its end: the tiny corpus's reviews end
    /// with a digit and start with one of six words, so a backward model given a digit continues to
    /// the left and, reversed back, yields a review that starts with one of those words and ends with
    /// the digit (a forward model given a digit would end the review there).
    func testBackwardLanguageModelContinuesTextToTheLeft() throws {
        let job = try lmJob(["model.direction=backward", "train.hidden_state=document", "train.epochs=12", "batching.bucket_pool=4"])
        XCTAssertEqual(job.model.direction, .backward)
        let options = options("lm-backward")
        let summary = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: options)
        XCTAssertLessThan(try XCTUnwrap(summary.metrics["test.perplexity"]), 6)
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        let text = try trained.generate(prompt: "3", maxTokens: 10, temperature: 0, topK: 0, seed: 1)
        let words = text.split(separator: " ").map(String.init)
        XCTAssertEqual(words.last, "3", text)
        XCTAssertTrue(["정말", "최고", "좋", "다시", "별로", "최악"].contains(words.first ?? ""), text)
        XCTAssertGreaterThan(words.count, 2, text)
    }

    /// A language model's training files may not be NSMC's test side: a file named like one is
    /// refused before anything is built, and so is a renamed copy of the real test set (by its
    /// size and SHA-256); the same file stays usable as `data.test`.
    func testLanguageModelJobsRefuseTestSideText() throws {
        let named = folder.appendingPathComponent("reviews_test.tsv")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("train.tsv"), to: named)
        let byName = try lmJob(["data.train=\(named.path)"])
        XCTAssertThrowsError(try JobRunner.start(job: byName, jobFile: "tiny-lm.yaml", options: options("lm-test-name"))) {
            XCTAssertTrue("\($0)".contains("data.train: \(named.path) is the reviews of NSMC's test-side movies, recognised by its name"), "\($0)")
        }
        let copy = folder.appendingPathComponent("pretraining-text.txt")
        try FileManager.default.copyItem(at: try ProjectPaths.corpus("nsmc/ratings_test.txt"), to: copy)
        let byContent = try lmJob(["data.train=\(copy.path)"])
        XCTAssertThrowsError(try JobRunner.start(job: byContent, jobFile: "tiny-lm.yaml", options: options("lm-test-copy"))) {
            XCTAssertTrue("\($0)".contains("recognised by its content (a copy of ratings_test.txt)"), "\($0)")
        }
        // Evaluating on it is allowed; a classifier may train on anything.
        let evaluated = try lmJob(["data.test=\(named.path)", "train.max_steps=2"])
        XCTAssertEqual(try JobRunner.start(job: evaluated, jobFile: "tiny-lm.yaml", options: options("lm-test-eval")).status, .completed)
        let classifier = try job(["data.train=\(named.path)", "train.max_steps=2"])
        XCTAssertEqual(try JobRunner.start(job: classifier, jobFile: "tiny.yaml", options: options("clf-test-name")).status, .completed)
    }
}
