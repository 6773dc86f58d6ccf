import XCTest
import JikjiConfig
import JikjiJobs
import JikjiText

/// Bad job files and bad cleaning pipelines give errors in one style:
/// `file:line: key.path: problem; allowed: …`.
final class ConfigErrorTableTests: XCTestCase {
    private let job = """
        data:
          train: corpora/nsmc/ratings_train.txt
        vocab:
          name: nsmc-wp30k
        model:
          kind: classifier
          encoder: {cell: lstm, hidden: 128}

        """

    /// A billion-laughs block: nine levels of nine aliases each.
    private static func laughs(key: String) -> String {
        var text = "\(key):\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            text += "  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        return text
    }

    private static let deep = String(repeating: "[", count: 8000) + String(repeating: "]", count: 8000)

    func testBadJobFiles() {
        let table: [(yaml: String, overrides: [String], kind: ConfigError.Kind, message: String)] = [
            (job + "optim:\n  learning_rate: 0.1\n", [], .unknownKey,
             "job.yaml:9: optim.learning_rate: unknown key; allowed: optimizer, lr, beta1, beta2, eps, weight_decay, "
             + "clip_norm, schedule, step_size, gamma, warmup_steps, cut_frac, ratio, pct_start, div_factor, final_div_factor, "
             + "layer_lr_decay, embedding_update, precision"),
            (job + "train: {unfreeze: [3, 2]}\n", [], .impossible, "job.yaml:8: train.unfreeze: [3, 2] must be strictly ascending epochs"),
            (job + "train: {unfreeze: [two]}\n", [], .wrongType, "job.yaml:8: train.unfreeze: 'two' is not an epoch number (1-based)"),
            (job + "train: {epochs: 2, unfreeze: [2, 3]}\n", [], .impossible, "job.yaml:8: train.unfreeze: epoch 3 is past the run's 2 epochs"),
            (job + "optim: {layer_lr_decay: 0.5}\n", [], .notAllowed, "job.yaml:8: optim.layer_lr_decay:"),
            (job + "optim: {precision: fp16}\n", [], .notAllowed, "job.yaml:8: optim.precision: 'fp16' is not allowed; allowed: fp32, bf16"),
            (job + "batching:\n  batch_size: [64]\n", [], .wrongType, "job.yaml:9: batching.batch_size: expected an integer in 1...65536, found a list"),
            (job + "batching:\n  batch_size: lots\n", [], .wrongType, "job.yaml:9: batching.batch_size: expected an integer in 1...65536, found 'lots'"),
            (job + "batching:\n  batch_size: 0\n", [], .notAllowed, "job.yaml:9: batching.batch_size: '0' is not allowed; allowed: 1...65536"),
            (job + "optim: {lr: 1000}\n", [], .notAllowed, "job.yaml:8: optim.lr: '1000' is not allowed; allowed: 1e-12...100.0"),
            (job.replacingOccurrences(of: "cell: lstm", with: "cell: transformer"), [], .notAllowed,
             "job.yaml:7: model.encoder.cell: 'transformer' is not allowed; allowed: rnn, rnn_relu, lstm, gru"),
            (job, ["model.attention=dot"], .unknownKey, "--set: model.attention: unknown key; allowed: kind, embedding, dropout, encoder, pooling, classes"),
            (job + "optim: {optimizer: lion}\n", [], .notAllowed, "job.yaml:8: optim.optimizer: 'lion' is not allowed; allowed: sgd, adam, adamw"),
            (job + "optim: {schedule: cosine}\n", [], .notAllowed, "job.yaml:8: optim.schedule: 'cosine' is not allowed; allowed: constant, step, warmup_linear, slanted_triangular, one_cycle"),
            (job + "optim: {embedding_update: rows}\n", [], .notAllowed, "job.yaml:8: optim.embedding_update: 'rows' is not allowed; allowed: dense, sparse, lazy"),
            (job, ["model.pooling=sum"], .notAllowed, "--set: model.pooling: 'sum' is not allowed; allowed: final, mean, max, concat, attention"),
            (job, ["model.kind=transformer"], .notAllowed, "--set: model.kind: 'transformer' is not allowed; allowed: classifier, language_model, seq2seq"),
            (job, ["batching.truncate_side=left"], .notAllowed, "--set: batching.truncate_side: 'left' is not allowed; allowed: pre, post"),
            (job, ["batching.pad_side=pre"], .impossible,
             "--set: batching.pad_side: recurrent layers read packed lengths, which need padding after the tokens; use post"),
            (job, ["data.on_bad_row=ignore"], .notAllowed, "--set: data.on_bad_row: 'ignore' is not allowed; allowed: fail, skip"),
            (job, ["data.format=xml"], .notAllowed, "--set: data.format: 'xml' is not allowed; allowed: auto, tsv, csv, jsonl, lines"),
            (job, ["train.metric=bleu"], .notAllowed, "--set: train.metric: 'bleu' is not allowed; allowed: accuracy, f1, loss"),
            (job.replacingOccurrences(of: "kind: classifier", with: "kind: seq2seq") + "  attention: luong\n", [], .notAllowed,
             "job.yaml:8: model.attention: 'luong' is not allowed; allowed: dot, general, concat, none"),
            (job.replacingOccurrences(of: "kind: classifier", with: "kind: seq2seq") + "  bridge: add\n", [], .notAllowed,
             "job.yaml:8: model.bridge: 'add' is not allowed; allowed: project, sum"),
            (job.replacingOccurrences(of: "kind: classifier", with: "kind: language_model") + "train: {hidden_state: keep}\n", [], .notAllowed,
             "job.yaml:8: train.hidden_state: 'keep' is not allowed; allowed: carry, reset, document"),
            ("data: {train: a.tsv}\n", [], .missing,
             "job.yaml:1: vocab.name: missing; name a vocabulary (name or name@version), e.g. nsmc-wp30k"),
            ("data: {train: [a.tsv, [b]]}\n", [], .wrongType, "job.yaml:1: data.train[2]: expected a string, found a list"),
            ("model: {kind: [\n", [], .syntax, "job.yaml:1: not valid YAML:"),
            ("model:\n  kind: classifier\n  kind: seq2seq\n", [], .syntax, "job.yaml:3: model.kind: the key appears twice"),
            ("steps: " + Self.deep + "\n", [], .tooDeep, "job.yaml:1: nested more than 64 levels deep"),
            (job, ["model.encoder=" + Self.deep], .tooDeep, "--set model.encoder:1: nested more than 64 levels deep"),
            (job + Self.laughs(key: "train"), [], .tooLarge, "job.yaml:"),
        ]
        for row in table {
            XCTAssertThrowsError(try JobConfig(yaml: row.yaml, source: "job.yaml", overrides: row.overrides), row.message) { error in
                XCTAssertEqual((error as? ConfigError)?.kind, row.kind, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(row.message), "\(error)\n  expected: \(row.message)")
            }
        }
    }

    func testBadPipelines() {
        let table: [(text: String, json: Bool, kind: ConfigError.Kind, message: String)] = [
            ("steps: [nfkc]\nname: x\n", false, .unknownKey, "p.yaml:2: name: unknown key; allowed: steps"),
            ("steps:\n  - nfkc\n  - repeat-limit: {max: 2, min: 1}\n", false, .unknownKey,
             "p.yaml:3: steps[2].repeat-limit.min: unknown key; allowed: max, unit, digits"),
            ("steps: [{html-tags: {replace: {a: 1}}}]", false, .wrongType, "p.yaml:1: steps[1].html-tags.replace: expected a string, found a mapping"),
            ("steps: [{repeat-limit: 5000}]", false, .notAllowed, "p.yaml:1: steps[1].repeat-limit.max: '5000' is not allowed; allowed: 1...1000"),
            ("steps:\n  - nfkc\n  - strip-tags\n", false, .notAllowed,
             "p.yaml:3: steps[2]: unknown step 'strip-tags'; allowed: " + CleaningStep.names.joined(separator: ", ")),
            (#"{"steps": ["nfkc",\n "nfx"]}"#.replacingOccurrences(of: "\\n", with: "\n"), true, .notAllowed, "p.json:2: steps[2]: unknown step 'nfx'; allowed: nfc,"),
            (#"{"steps": [{"hangul-only": {"latin": "maybe"}}]}"#, true, .wrongType,
             "p.json:1: steps[1].hangul-only.latin: expected true or false, found 'maybe'"),
            ("steps: " + Self.deep, false, .tooDeep, "p.yaml:1: nested more than 64 levels deep"),
            (#"{"steps": "# + Self.deep + "}", true, .tooDeep, "p.json:1: nested more than 64 levels deep"),
            (Self.laughs(key: "steps"), false, .tooLarge, "p.yaml:"),
        ]
        for row in table {
            XCTAssertThrowsError(try row.json ? CleaningPipeline(json: row.text, source: "p.json") : CleaningPipeline(yaml: row.text, source: "p.yaml"),
                                 row.message) { error in
                XCTAssertEqual((error as? ConfigError)?.kind, row.kind, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(row.message), "\(error)\n  expected: \(row.message)")
            }
        }
    }
}
