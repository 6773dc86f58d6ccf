import Foundation
import XCTest
import JikjiConfig
import JikjiJobs
import JikjiRecurrent

/// AWD-LSTM regularisation and a different last layer from a job file.
extension JobRunnerTests {
    /// The tiny language-model job as AWD-LSTM: 2 layers (10, then a tied 6), every regularisation on.
    func awdJob(_ overrides: [String] = [], model: String? = nil) throws -> JobConfig {
        let yaml = """
        name: tiny-awd
        seed: 3
        data: {train: \(folder.path)/train.tsv, test: \(folder.path)/test.tsv, valid_ratio: 0.2}
        vocab: {name: tiny, database: \(folder.path)/vocab.sqlite}
        batching: {batch_size: 8, window: 8}
        model: \(model ?? """
        {kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 10, layers: 2, last_hidden: 6}, tie_weights: true,
                 regularisation: {weight_dropout: 0.3, embedding_dropout: 0.05, input_dropout: 0.1, hidden_dropout: 0.1,
                                  output_dropout: 0.1, ar: 2, tar: 1}}
        """)
        optim: {optimizer: adam, lr: 0.01, clip_norm: 1.0}
        train: {epochs: 2, eval_every: 7, keep_last: 2}
        """
        return try JobConfig(yaml: yaml, source: "tiny-awd.yaml", overrides: overrides)
    }

    /// An AWD-LSTM job trains, keeps nn.LSTM's per-layer names and shapes (raw `weight_hh_l*`, no
    /// `_raw` copies), checkpoints its carried state at the widest layer's width, resumes to the
    /// weights of an uninterrupted run (its dropout masks are part of the seeded stream) and generates.
    func testAWDLanguageModelJobTrainsResumesAndGenerates() throws {
        let job = try awdJob()
        XCTAssertEqual(job.model.lastHidden, 6)
        XCTAssertEqual(job.model.regularisation?.value.weightDropout, 0.3)
        XCTAssertEqual(job.model.dropout, 0, "the locked output dropout replaces model.dropout")
        let whole = try JobRunner.start(job: job, jobFile: "tiny-awd.yaml", options: options("awd-whole"))
        XCTAssertEqual(whole.status, .completed)
        let perplexity = try XCTUnwrap(whole.metrics["test.perplexity"])
        XCTAssertTrue(perplexity.isFinite && perplexity > 1)
        let a = try weights(whole)
        XCTAssertEqual(a["rnn.weight_hh_l0"]?.shape, [40, 10])
        XCTAssertEqual(a["rnn.weight_ih_l1"]?.shape, [24, 10])
        XCTAssertEqual(a["rnn.weight_hh_l1"]?.shape, [24, 6])
        XCTAssertFalse(a.keys.contains { $0.hasSuffix("_raw") || $0.hasPrefix("fc.weight") }, "\(a.keys.sorted())")

        var interrupted = options("awd-parts")
        interrupted.stopAfterSteps = 9
        let first = try JobRunner.start(job: job, jobFile: "tiny-awd.yaml", options: interrupted)
        XCTAssertEqual(first.status, .interrupted)
        let checkpoint = try XCTUnwrap(try RunRegistry(path: interrupted.registryPath).checkpoints(of: first.runID).last)
        let state = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: checkpoint.path + "/state.safetensors"))
        XCTAssertEqual(state.tensors["task.lm_state.hidden"]?.shape, [2, 8, 10])
        let resumed = try JobRunner.resume(runID: first.runID, options: options("awd-parts"))
        let b = try weights(resumed)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, tensor) in a { XCTAssertEqual(tensor.storage, b[name]?.storage, name) }

        let plain = try JobRunner.start(job: try awdJob(["model.regularisation.weight_dropout=0"]), jobFile: "tiny-awd.yaml",
                                        options: options("awd-no-weight-dropout"))
        XCTAssertNotEqual(try weights(plain)["rnn.weight_hh_l0"]?.storage, a["rnn.weight_hh_l0"]?.storage)
        let trained = try TrainedRun(runID: whole.runID, registryPath: options("awd-whole").registryPath)
        let text = try trained.generate(prompt: "정말", maxTokens: 5, temperature: 0, topK: 0, seed: 1)
        XCTAssertEqual(text, try trained.generate(prompt: "정말", maxTokens: 5, temperature: 0, topK: 0, seed: 2), "generation never drops")
    }

    /// The plain dropouts beside AWD's, a last layer without a stack under it, a tied embedding of
    /// the wrong size and AWD keys on a classifier are refused with the key at fault.
    func testAWDSettingsThatConflictAreRefused() throws {
        let awd = "regularisation: {output_dropout: 0.1}"
        let cases: [(String, String)] = [
            ("{kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 6}, dropout: 0.2, \(awd)}", "model.dropout: with model.regularisation"),
            ("{kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 6, layers: 2, dropout: 0.2}, \(awd)}", "model.encoder.dropout: with model.regularisation"),
            ("{kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 6, last_hidden: 4}}", "model.encoder.last_hidden: a different last layer needs layers >= 2"),
            ("{kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 6, layers: 2, last_hidden: 4}, tie_weights: true}", "encoder.last_hidden (4)"),
            ("{kind: language_model, embedding: 6, encoder: {cell: lstm, hidden: 6}, regularisation: {weight_dropout: 0.99}}", "model.regularisation.weight_dropout"),
            ("{kind: classifier, embedding: 6, encoder: {cell: lstm, hidden: 6}, \(awd)}", "model.regularisation: unknown key"),
        ]
        for (model, message) in cases {
            XCTAssertThrowsError(try awdJob(model: model), model) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }
}
