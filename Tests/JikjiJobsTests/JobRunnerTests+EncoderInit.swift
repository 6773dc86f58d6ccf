import Foundation
import XCTest
import JikjiJobs
import JikjiRecurrent
import JikjiVocabStore

/// `model.encoder.init`: a classifier (or a language model) starting from a language-model run.
extension JobRunnerTests {
    /// A classifier whose embedding and LSTM match the language model's, in a runs folder where
    /// the language model was trained first (run 1).
    func classifierFromLM(_ from: String, _ overrides: [String] = []) throws -> JobConfig {
        try job(["model.embedding=8", "model.encoder={cell: lstm, hidden: 8, layers: 1, bidirectional: false, init: {from: '\(from)'}}",
                 "train.max_steps=3"] + overrides)
    }

    func pretrainedLM(_ name: String) throws -> (summary: JobRunner.Summary, options: JobRunner.Options) {
        let options = options(name)
        let summary = try JobRunner.start(job: try lmJob(["train.epochs=1"]), jobFile: "tiny-lm.yaml", options: options)
        XCTAssertEqual(summary.status, .completed)
        return (summary, options)
    }

    /// The embedding and every recurrent tensor are copied by name (by run id or by the job's
    /// name), the output layer stays fresh, and the log says which is which. With a learning rate
    /// of 1e-12 the classifier's saved weights are still the language model's.
    func testAClassifierStartsFromTheLanguageModelsEmbeddingAndLSTM() throws {
        var (lm, options) = try pretrainedLM("init-copy")
        let source = try weights(lm)
        for from in ["\(lm.runID)", "tiny-lm", "tiny-lm@\(lm.steps)"] {
            var lines: [String] = []
            options.log = { lines.append($0) }
            let summary = try JobRunner.start(job: try classifierFromLM(from, ["optim.lr=1e-12"]), jobFile: "tiny.yaml", options: options)
            XCTAssertEqual(summary.status, .completed, from)
            let saved = try weights(summary)
            for name in ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"] {
                let a = try XCTUnwrap(saved[name]?.storage), b = try XCTUnwrap(source[name]?.storage)
                XCTAssertEqual(a.count, b.count, name)
                XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 1, 1e-6, "\(from): \(name)")
            }
            let report = try XCTUnwrap(lines.first { $0.hasPrefix("initialised from run \(lm.runID)") }, "\(lines)")
            XCTAssertTrue(report.contains("copied embedding.weight, rnn.bias_hh_l0"), report)
            XCTAssertTrue(report.contains("freshly initialised fc.weight, fc.bias"), report)
        }
    }

    /// A shape or name that does not match fails under `strict` (the default) with the tensor at
    /// fault, and is skipped and reported with `strict: false`; another vocabulary and a missing run
    /// or job are refused, the latter naming what to run.
    func testMismatchedSourcesAreRefused() throws {
        let (lm, options) = try pretrainedLM("init-mismatch")
        let wider = try job(["model.embedding=8", "model.encoder={cell: lstm, hidden: 6, layers: 1, bidirectional: false, init: {from: '\(lm.runID)'}}",
                             "train.max_steps=1"])
        XCTAssertThrowsError(try JobRunner.start(job: wider, jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("rnn.bias_hh_l0 [32] has no match (rnn.bias_hh_l0 is [24])"), "\($0)")
        }
        var lenient = options
        var lines: [String] = []
        lenient.log = { lines.append($0) }
        let relaxed = try job(["model.embedding=8", "model.encoder={cell: lstm, hidden: 6, layers: 1, bidirectional: false, init: {from: '\(lm.runID)', strict: false}}",
                               "train.max_steps=1"])
        XCTAssertEqual(try JobRunner.start(job: relaxed, jobFile: "tiny.yaml", options: lenient).status, .completed)
        let report = try XCTUnwrap(lines.first { $0.hasPrefix("initialised from run") })
        XCTAssertTrue(report.contains("copied embedding.weight;") && report.contains("skipped (strict: false) rnn.bias_hh_l0"), report)
        // A renamed tensor in the source checkpoint (as another architecture would have).
        let registry = try RunRegistry(path: options.registryPath)
        let checkpoint = try XCTUnwrap(registry.checkpoints(of: lm.runID).last)
        let url = URL(fileURLWithPath: checkpoint.path + "/model.safetensors")
        var file = try SafeTensorsFile(contentsOf: url)
        file.tensors["rnn.weight_hh_l7"] = file.tensors.removeValue(forKey: "rnn.weight_hh_l0")
        try file.write(to: url)
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("\(lm.runID)@\(checkpoint.step)"), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("rnn.weight_hh_l7 [32, 8] has no match (this model has no rnn.weight_hh_l7)"), "\($0)")
        }
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("\(lm.runID)@999"), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("no checkpoint at step 999"), "\($0)")
        }
        let runsBefore = try registry.runs().count
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("reviews-lm-pretrain"), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("job 'reviews-lm-pretrain' has no completed run") && "\($0)".contains("jikji job run"), "\($0)")
        }
        XCTAssertEqual(try registry.runs().count, runsBefore, "a missing source is reported before a run is recorded")
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("42"), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("there is no run 42") && "\($0)".contains("jikji job run jobs/reviews-lm-pretrain.yaml"), "\($0)")
        }
        // Another vocabulary (same tokens, another name): the ids' meaning is not known to agree.
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("\(lm.runID)", ["vocab.name=tiny-copy"]), jobFile: "tiny.yaml",
                                                 options: copyingVocabulary(options))) {
            XCTAssertTrue("\($0)".contains("was trained with vocabulary tiny@1, this job uses tiny-copy@1"), "\($0)")
        }
    }

    /// A language model fine-tuned on a target corpus starts from another language model's every weight.
    func testALanguageModelStartsFromAnotherOnTheTargetCorpus() throws {
        var (lm, options) = try pretrainedLM("init-lm")
        var lines: [String] = []
        options.log = { lines.append($0) }
        let finetune = try lmJob(["model.encoder.init.from=\(lm.runID)", "optim.lr=1e-12", "train.max_steps=2"])
        XCTAssertEqual(try JobRunner.start(job: finetune, jobFile: "tiny-lm.yaml", options: options).status, .completed)
        let report = try XCTUnwrap(lines.first { $0.hasPrefix("initialised from run") })
        XCTAssertTrue(report.hasSuffix("nothing freshly initialised"), report)
    }

    /// `options` with a vocabulary store holding `tiny-copy`, a copy of `tiny` under another name.
    func copyingVocabulary(_ options: JobRunner.Options) throws -> JobRunner.Options {
        let store = try VocabularyStore(path: folder.appendingPathComponent("vocab.sqlite").path)
        let tiny = try store.load("tiny")
        try store.save(StoredVocabulary(name: "tiny-copy", tokens: tiny.tokens, normalizer: tiny.normalizer,
                                        origin: "test", toolVersion: "test"))
        return options
    }
}
