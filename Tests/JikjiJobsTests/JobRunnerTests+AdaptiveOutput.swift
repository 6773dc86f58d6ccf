import Foundation
import XCTest
import JikjiConfig
import JikjiJobs
import JikjiRecurrent

/// Language-model jobs with `model.output: {kind: adaptive, …}` on the tiny corpus.
extension JobRunnerTests {
    static let adaptiveOverrides = ["model.tie_weights=false", "model.output.kind=adaptive", "model.output.cutoffs=[6, 15]",
                                    "model.output.div_value=2"]

    /// An adaptive-output model learns the corpus like the full softmax does, saves its head and
    /// tails under PyTorch's names with the frequency order it ranked the ids by (the most frequent
    /// targets in the head, ids that are never a target last), and generates from the run.
    func testAdaptiveOutputLanguageModelLearnsAndGeneratesFromItsSavedOrder() throws {
        let job = try lmJob(Self.adaptiveOverrides + ["train.hidden_state=document", "train.epochs=12", "batching.bucket_pool=4"])
        let options = options("lm-adaptive")
        let summary = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: options)
        XCTAssertEqual(summary.status, .completed)
        let perplexity = try XCTUnwrap(summary.metrics["test.perplexity"])
        XCTAssertLessThan(perplexity, 6, "the corpus is nearly deterministic")
        let saved = try weights(summary)
        XCTAssertNil(saved["fc.weight"])
        XCTAssertEqual(saved["fc.head.weight"]?.shape, [6 + 2, 8])
        XCTAssertEqual(saved["fc.tail.0.0.weight"]?.shape, [4, 8])
        XCTAssertEqual(saved["fc.tail.1.0.weight"]?.shape, [2, 8])
        let order = try XCTUnwrap(saved["frequency_order"]).storage.map { Int($0) }
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        let V = trained.vocabulary.size
        XCTAssertEqual(order.sorted(), Array(0..<V), "a permutation of the ids")
        let specials = trained.vocabulary.specials
        // [SEP] ends each of the 192 training reviews; [PAD], [CLS] and [MASK] are never targets.
        XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: Int(try XCTUnwrap(specials.sep)))), 6)
        // Never-target ids come after every target, in id order: [PAD] (id 0) first among them.
        let padRank = try XCTUnwrap(order.firstIndex(of: Int(specials.pad)))
        for word in ["좋", "최악", "영화"] {
            let id = Int(try XCTUnwrap(try trained.encode([word]).first?.first))
            XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: id)), padRank, word)
        }
        XCTAssertTrue(Set(order[padRank...]).isSuperset(of: [specials.cls, specials.unk].compactMap { $0.map(Int.init) }))
        let text = try trained.generate(prompt: "", maxTokens: 10, temperature: 0, topK: 0, seed: 1)
        let words = text.split(separator: " ").map(String.init)
        XCTAssertTrue(["정말", "최고", "좋", "다시", "별로", "최악"].contains(words.first ?? ""), text)
        XCTAssertNotNil(Int(words.last ?? ""), "a review ends with its digit: \(text)")
    }

    /// Carrying the state, an interrupted adaptive run resumed from its checkpoint ends with the
    /// weights (and order) of an uninterrupted one.
    func testResumedAdaptiveLanguageModelEndsLikeAnUninterruptedRun() throws {
        let job = try lmJob(Self.adaptiveOverrides)
        let whole = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: options("lma-whole"))
        var interrupted = options("lma-parts")
        interrupted.stopAfterSteps = 9
        let first = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: interrupted)
        XCTAssertEqual(first.status, .interrupted)
        let resumed = try JobRunner.resume(runID: first.runID, options: options("lma-parts"))
        let a = try weights(whole), b = try weights(resumed)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        XCTAssertTrue(a.keys.contains("frequency_order"))
        for (name, tensor) in a { XCTAssertEqual(tensor.storage, b[name]?.storage, name) }
        XCTAssertEqual(resumed.metrics["test.perplexity"], whole.metrics["test.perplexity"])
    }

    /// Impossible adaptive settings are refused with the key at fault.
    func testImpossibleAdaptiveOutputsAreRefused() throws {
        XCTAssertThrowsError(try lmJob(["model.output.kind=adaptive", "model.output.cutoffs=[6, 15]"])) {
            XCTAssertTrue("\($0)".contains("model.tie_weights"), "\($0)")
        }
        XCTAssertThrowsError(try lmJob(["model.tie_weights=false", "model.output.kind=adaptive"])) {
            XCTAssertTrue("\($0)".contains("model.output.cutoffs: missing"), "\($0)")
        }
        XCTAssertThrowsError(try lmJob(["model.tie_weights=false", "model.output.kind=adaptive", "model.output.cutoffs=[15, 6]"])) {
            XCTAssertTrue("\($0)".contains("increasing"), "\($0)")
        }
        XCTAssertThrowsError(try job(["model.output.kind=adaptive"])) { XCTAssertTrue("\($0)".contains("model.output"), "\($0)") }
        // Cutoffs past the vocabulary are found once the vocabulary is loaded.
        let tooWide = try lmJob(["model.tie_weights=false", "model.output.kind=adaptive", "model.output.cutoffs=[6, 500]"])
        XCTAssertThrowsError(try JobRunner.start(job: tooWide, jobFile: "tiny-lm.yaml", options: options("lma-wide"))) {
            XCTAssertTrue("\($0)".contains("model.output") && "\($0)".contains("cutoffs"), "\($0)")
        }
    }
}
