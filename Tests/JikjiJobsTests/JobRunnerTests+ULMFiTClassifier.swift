import Foundation
import XCTest
import JikjiConfig
import JikjiData
import JikjiJobs
import JikjiVocabStore

/// The classifier side of ULMFiT in jobs: `data.train_limit`, backward classifiers, the direction
/// check of `model.encoder.init`, and the ensemble of runs at prediction.
extension JobRunnerTests {
    func prepared(_ job: JobConfig, log: @escaping (String) -> Void = { _ in }) throws -> JobData {
        try JobData.prepare(job: job, trainVocabulary: nil, log: log)
    }

    /// `train_limit: N` keeps the first N training examples of the full dataset's train split, in
    /// order, and every valid and test example; the catalog keeps one full dataset for all limits.
    func testTrainLimitKeepsTheFirstTrainingExamples() throws {
        let full = try prepared(try job())
        let fullTrain = full.main.indices(of: .train), fullValid = full.main.indices(of: .valid)
        XCTAssertEqual(fullTrain.count + fullValid.count, 240)
        var lines: [String] = []
        let limited = try prepared(try job(["data.train_limit=50"]), log: { lines.append($0) })
        let train = limited.main.indices(of: .train), valid = limited.main.indices(of: .valid)
        XCTAssertEqual(train.count, 50)
        XCTAssertEqual(limited.main.info.examples["train"], 50)
        XCTAssertEqual(valid.count, fullValid.count)
        XCTAssertEqual(train.map { Array(limited.main.source[$0]) }, fullTrain.prefix(50).map { Array(full.main.source[$0]) })
        XCTAssertEqual(train.map { limited.main.labels![$0] }, fullTrain.prefix(50).map { full.main.labels![$0] })
        XCTAssertEqual(valid.map { Array(limited.main.source[$0]) }, fullValid.map { Array(full.main.source[$0]) })
        XCTAssertEqual(limited.test?.count, full.test?.count)
        XCTAssertTrue(lines.contains("data.train_limit 50: training on the first 50 of \(fullTrain.count) training examples; \(fullValid.count) valid examples unchanged"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasSuffix("(cached)") }, "the limited job loads the full job's dataset: \(lines)")
        // A later job without the limit still sees every example (the cache holds the full dataset).
        XCTAssertEqual(try prepared(try job()).main.indices(of: .train).count, fullTrain.count)
        // A limit above the split's size uses all of it, and says so.
        lines = []
        XCTAssertEqual(try prepared(try job(["data.train_limit=100000"]), log: { lines.append($0) }).main.indices(of: .train).count, fullTrain.count)
        XCTAssertTrue(lines.contains { $0.contains("(all of them: the limit is larger)") }, "\(lines)")
        for bad in ["0", "-3"] {
            XCTAssertThrowsError(try job(["data.train_limit=\(bad)"])) { error in
                XCTAssertTrue("\(error)".contains("data.train_limit: '\(bad)' is not allowed") && "\(error)".contains("1...1000000000"), "\(error)")
            }
        }
    }

    /// A trained run on a limited set trains on that many examples (the runner's log and the report say so).
    func testTrainLimitRunStatesTheNumberUsed() throws {
        var options = options("limit-run")
        var lines: [String] = []
        options.log = { lines.append($0) }
        let summary = try JobRunner.start(job: try job(["data.train_limit=32", "train.epochs=1"]), jobFile: "tiny.yaml", options: options)
        XCTAssertEqual(summary.status, .completed)
        XCTAssertEqual(summary.steps, 2, "32 examples in batches of 16")
        XCTAssertTrue(lines.contains { $0.hasPrefix("data.train_limit 32: training on the first 32 of ") }, "\(lines)")
        // The report's provenance counts the examples trained on.
        let html = try String(contentsOfFile: summary.reportPath, encoding: .utf8)
        XCTAssertTrue(html.contains("(train 32, valid "), "the report states the 32 examples used")
    }

    /// A backward classifier reads each document's ids reversed, by the same reversal as a
    /// backward language model, in training and in prediction.
    func testBackwardClassifierReadsEveryDocumentReversed() throws {
        let forward = try prepared(try job()), backward = try prepared(try job(["model.direction=backward"]))
        XCTAssertEqual(try job(["model.direction=backward"]).model.direction, .backward)
        XCTAssertEqual(backward.main.count, forward.main.count)
        for i in 0..<forward.main.count {
            XCTAssertEqual(Array(backward.main.source[i]), Array(forward.main.source[i]).reversed(), "example \(i)")
        }
        XCTAssertEqual(backward.main.labels, forward.main.labels)
        let options = options("backward-classifier")
        let summary = try JobRunner.start(job: try job(["model.direction=backward", "train.epochs=1"]), jobFile: "tiny.yaml", options: options)
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        let text = "최고 의 영화 3"
        let ids = try trained.encode([text])[0]
        XCTAssertEqual(ids.count, 4)
        XCTAssertEqual(try trained.scores([text])[0].ids, ids.reversed(), "prediction reads the text as training did")
    }

    /// `model.encoder.init` refuses a language model of the other direction, naming both.
    func testEncoderInitRefusesTheOtherDirection() throws {
        let (lm, options) = try pretrainedLM("init-direction")
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("\(lm.runID)", ["model.direction=backward"]), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("run \(lm.runID) (tiny-lm) reads documents forward, this job reads them backward"), "\($0)")
        }
        let backwardLM = try JobRunner.start(job: try lmJob(["model.direction=backward", "train.epochs=1"]), jobFile: "tiny-lm.yaml", options: options)
        XCTAssertThrowsError(try JobRunner.start(job: try classifierFromLM("\(backwardLM.runID)"), jobFile: "tiny.yaml", options: options)) {
            XCTAssertTrue("\($0)".contains("reads documents backward, this job reads them forward"), "\($0)")
        }
        let summary = try JobRunner.start(job: try classifierFromLM("\(backwardLM.runID)", ["model.direction=backward", "model.pooling=concat"]),
                                          jobFile: "tiny.yaml", options: options)
        XCTAssertEqual(summary.status, .completed)
        XCTAssertEqual(try weights(summary)["fc.weight"]?.shape, [1, 24], "concat pooling: 3 x 8")
    }

    /// The ensemble's probabilities are the mean of its runs'; runs of another vocabulary or
    /// another class count are refused.
    func testEnsembleAveragesProbabilitiesAndRefusesMismatchedRuns() throws {
        let options = options("ensemble")
        let a = try JobRunner.start(job: try job(["train.epochs=1", "model.pooling=attention"]), jobFile: "tiny.yaml", options: options)
        let b = try JobRunner.start(job: try job(["train.epochs=1", "model.direction=backward", "model.pooling=concat", "seed=9"]),
                                    jobFile: "tiny.yaml", options: options)
        let runs = try [a, b].map { try TrainedRun(runID: $0.runID, registryPath: options.registryPath) }
        let texts = ["정말 좋 아요 1", "최악 의 영화 2", "다시 보고 싶 은 3", "별로 4"]
        let ensemble = try ClassifierEnsemble(runs)
        let combined = try ensemble.scores(texts)
        let first = try runs[0].scores(texts), second = try runs[1].scores(texts)
        for i in texts.indices {
            XCTAssertEqual(combined[i].probabilities.count, 2)
            for c in 0..<2 {
                XCTAssertEqual(combined[i].probabilities[c], (first[i].probabilities[c] + second[i].probabilities[c]) / 2, accuracy: 1e-12)
            }
            XCTAssertEqual(combined[i].label, combined[i].probabilities[1] >= 0.5 ? 1 : 0)
        }
        XCTAssertNotEqual(first.map(\.probabilities), second.map(\.probabilities), "two different runs")
        let counts = try ensemble.classificationCounts(of: combined, labels: ["1", "0", "1", "0"])
        XCTAssertEqual(counts.total, 4)

        // Another vocabulary (same tokens, another name) and another class count are refused.
        let store = try VocabularyStore(path: folder.appendingPathComponent("vocab.sqlite").path)
        let tiny = try store.load("tiny")
        try store.save(StoredVocabulary(name: "tiny-copy", tokens: tiny.tokens, normalizer: .korean, origin: "test", toolVersion: "test"))
        let other = try JobRunner.start(job: try job(["train.epochs=1", "vocab.name=tiny-copy"]), jobFile: "tiny.yaml", options: options)
        XCTAssertThrowsError(try ClassifierEnsemble([runs[0], try TrainedRun(runID: other.runID, registryPath: options.registryPath)])) {
            XCTAssertTrue("\($0)".contains("uses vocabulary tiny-copy@1") && "\($0)".contains("must share one vocabulary"), "\($0)")
        }
        let three = try JobRunner.start(job: try job(["train.epochs=1", "model.classes=3"]), jobFile: "tiny.yaml", options: options)
        XCTAssertThrowsError(try ClassifierEnsemble([runs[0], try TrainedRun(runID: three.runID, registryPath: options.registryPath)])) {
            XCTAssertTrue("\($0)".contains("has 3 classes") && "\($0)".contains("must predict the same classes"), "\($0)")
        }
        let lm = try JobRunner.start(job: try lmJob(["train.epochs=1"]), jobFile: "tiny-lm.yaml", options: options)
        XCTAssertThrowsError(try ClassifierEnsemble([runs[0], try TrainedRun(runID: lm.runID, registryPath: options.registryPath)])) {
            XCTAssertTrue("\($0)".contains("is a language_model run; an ensemble averages classifiers"), "\($0)")
        }
    }

    /// `model.attention_size` only with attention pooling; pooling names its choices.
    func testAttentionSizeNeedsAttentionPooling() throws {
        XCTAssertEqual(try job(["model.pooling=attention", "model.attention_size=5"]).model.attentionSize, 5)
        XCTAssertNil(try job(["model.pooling=attention"]).model.attentionSize)
        XCTAssertThrowsError(try job(["model.attention_size=5"])) {
            XCTAssertTrue("\($0)".contains("only attention pooling has an attention size"), "\($0)")
        }
        XCTAssertThrowsError(try job(["model.pooling=sum"])) {
            XCTAssertTrue("\($0)".contains("concat") && "\($0)".contains("attention"), "\($0)")
        }
    }
}
