import Foundation
import XCTest
import JikjiData
import JikjiJobs
import JikjiRecurrent
import JikjiVocabStore
import JikjiWordPiece

/// End-to-end runs of small jobs on a corpus the test writes: training, evaluation, checkpoints,
/// resume equal to an uninterrupted run, and a crash while checkpointing.
final class JobRunnerTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A tiny sentiment corpus: positive reviews use 좋/최고, negative ones 별로/최악.
        let positive = ["정말 좋 아요", "최고 의 영화", "좋 은 배우 최고", "다시 보고 싶 은 최고", "좋 다 좋 아"]
        let negative = ["정말 별로 에요", "최악 의 영화", "별로 인 배우 최악", "다시 보기 싫 은 최악", "별로 다 별로"]
        var rows = ["id\tdocument\tlabel"]
        for i in 0..<240 {
            let text = i % 2 == 0 ? positive[i % positive.count] : negative[i % negative.count]
            rows.append("\(i)\t\(text) \(i % 7)\t\(i % 2 == 0 ? 1 : 0)")
        }
        try rows.joined(separator: "\n").write(to: folder.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        try rows.prefix(61).joined(separator: "\n").write(to: folder.appendingPathComponent("test.tsv"), atomically: true, encoding: .utf8)
        // A vocabulary of the corpus's characters and words.
        var tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        for text in positive + negative { for word in text.split(separator: " ") where !tokens.contains(String(word)) { tokens.append(String(word)) } }
        for d in 0..<10 where !tokens.contains(String(d)) { tokens.append(String(d)) }
        let store = try VocabularyStore(path: folder.appendingPathComponent("vocab.sqlite").path)
        try store.save(StoredVocabulary(name: "tiny", tokens: tokens.map { StoredToken(text: $0, kind: $0.hasPrefix("[") ? .special : .merged) },
                                        normalizer: .korean, origin: "test", toolVersion: "test"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func job(_ overrides: [String] = []) throws -> JobConfig {
        let yaml = """
        name: tiny
        seed: 5
        data: {train: \(folder.path)/train.tsv, test: \(folder.path)/test.tsv, valid_ratio: 0.2}
        vocab: {name: tiny, database: \(folder.path)/vocab.sqlite}
        batching: {batch_size: 16, max_length: 12, bucket_pool: 4}
        model: {kind: classifier, embedding: 8, encoder: {cell: gru, hidden: 6, layers: 2, dropout: 0.1}, dropout: 0.2}
        optim: {optimizer: adam, lr: 0.01}
        train: {epochs: 3, eval_every: 5, keep_last: 2}
        """
        return try JobConfig(yaml: yaml, source: "tiny.yaml", overrides: overrides)
    }

    func options(_ name: String) -> JobRunner.Options {
        var o = JobRunner.Options()
        o.runsDirectory = folder.appendingPathComponent(name).path
        o.registryPath = folder.appendingPathComponent(name + "/runs.sqlite").path
        o.progress = false
        o.log = { _ in }
        return o
    }

    func weights(_ summary: JobRunner.Summary) throws -> [String: Tensor] {
        let registry = try RunRegistry(path: URL(fileURLWithPath: summary.directory).deletingLastPathComponent()
            .appendingPathComponent("runs.sqlite").path)
        let last = try XCTUnwrap(registry.checkpoints(of: summary.runID).last)
        return try SafeTensorsFile(contentsOf: URL(fileURLWithPath: last.path + "/model.safetensors")).tensors
    }

    func testTrainingLearnsTheTinyTaskAndRecordsEverything() throws {
        let summary = try JobRunner.start(job: try job(), jobFile: "tiny.yaml", options: options("a"))
        XCTAssertEqual(summary.status, .completed)
        XCTAssertGreaterThan(summary.metrics["test.accuracy"] ?? 0, 0.9, "\(summary.metrics)")
        let registry = try RunRegistry(path: options("a").registryPath)
        let metrics = try registry.metrics(of: summary.runID)
        XCTAssertTrue(metrics.contains { $0.split == "valid" && $0.name == "accuracy" })
        XCTAssertTrue(metrics.contains { $0.split == "train" && $0.name == "loss" })
        let checkpoints = try registry.checkpoints(of: summary.runID)
        XCTAssertLessThanOrEqual(checkpoints.count, 3, "keep_last 2 plus the best")
        XCTAssertEqual(checkpoints.filter(\.isBest).count, 1)
        for c in checkpoints { XCTAssertTrue(FileManager.default.fileExists(atPath: c.path + "/model.safetensors")) }
        let html = try String(contentsOfFile: summary.reportPath, encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        // The model file is a PyTorch state_dict.
        let names = Set(try weights(summary).keys)
        XCTAssertTrue(names.isSuperset(of: ["embedding.weight", "rnn.weight_ih_l1_reverse", "fc.weight", "fc.bias"]), "\(names)")
    }

    func testResumedRunEndsWithTheWeightsOfAnUninterruptedRun() throws {
        let job = try job(["train.epochs=2", "train.eval_every=7"])
        let whole = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("whole"))
        var interrupted = options("parts")
        interrupted.stopAfterSteps = 9   // stops mid-epoch, between evaluations
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: interrupted)
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(first.steps, 9)
        let resumed = try JobRunner.resume(runID: first.runID, options: options("parts"))
        XCTAssertEqual(resumed.status, .completed)
        XCTAssertEqual(resumed.steps, whole.steps)
        let a = try weights(whole), b = try weights(resumed)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, tensor) in a { XCTAssertEqual(tensor.storage, b[name]?.storage, name) }
        XCTAssertEqual(resumed.metrics["test.accuracy"], whole.metrics["test.accuracy"])
    }

    /// A small language model over the same corpus's documents (tied weights, LSTM).
    func lmJob(_ overrides: [String] = []) throws -> JobConfig {
        let yaml = """
        name: tiny-lm
        seed: 3
        data: {train: \(folder.path)/train.tsv, test: \(folder.path)/test.tsv, valid_ratio: 0.2}
        vocab: {name: tiny, database: \(folder.path)/vocab.sqlite}
        batching: {batch_size: 8, window: 8}
        model: {kind: language_model, embedding: 8, encoder: {cell: lstm, hidden: 8}, dropout: 0.1, tie_weights: true}
        optim: {optimizer: adam, lr: 0.01, clip_norm: 1.0}
        train: {epochs: 2, eval_every: 7, keep_last: 2}
        """
        return try JobConfig(yaml: yaml, source: "tiny-lm.yaml", overrides: overrides)
    }

    /// Truncated BPTT: a run stopped mid-epoch checkpoints the carried (h, c), and resuming ends
    /// with the weights of an uninterrupted run; carrying the state trains differently from resetting it.
    func testResumedLanguageModelWithCarriedStateEndsLikeAnUninterruptedRun() throws {
        let job = try lmJob()
        XCTAssertEqual(job.train.hiddenState, .carry)
        let whole = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: options("lm-whole"))
        XCTAssertEqual(whole.status, .completed)
        XCTAssertGreaterThan(whole.steps, 20, "two epochs of several windows each")
        XCTAssertNotNil(whole.metrics["test.perplexity"])
        var interrupted = options("lm-parts")
        interrupted.stopAfterSteps = 9   // mid-epoch, between evaluations, with a state carried into step 10
        let first = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: interrupted)
        XCTAssertEqual(first.status, .interrupted)
        let registry = try RunRegistry(path: interrupted.registryPath)
        let checkpoint = try XCTUnwrap(registry.checkpoints(of: first.runID).last)
        XCTAssertEqual(checkpoint.step, 9)
        let state = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: checkpoint.path + "/state.safetensors"))
        XCTAssertEqual(state.tensors["task.lm_state.hidden"]?.shape, [1, 8, 8])
        XCTAssertEqual(state.tensors["task.lm_state.cell"]?.shape, [1, 8, 8])
        let resumed = try JobRunner.resume(runID: first.runID, options: options("lm-parts"))
        XCTAssertEqual(resumed.steps, whole.steps)
        let a = try weights(whole), b = try weights(resumed)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, tensor) in a { XCTAssertEqual(tensor.storage, b[name]?.storage, name) }
        XCTAssertEqual(resumed.metrics["test.perplexity"], whole.metrics["test.perplexity"])

        let reset = try JobRunner.start(job: try lmJob(["train.hidden_state=reset"]), jobFile: "tiny-lm.yaml", options: options("lm-reset"))
        XCTAssertEqual(reset.status, .completed)
        XCTAssertNotEqual(try weights(reset)["embedding.weight"]?.storage, a["embedding.weight"]?.storage)
    }

    /// `hidden_state: document`: every review is a padded row from a zero state, `[CLS]` in front
    /// and `[SEP]` after. The tiny corpus's reviews always open with one of six words and end with a
    /// digit, so a model that learned document starts and ends generates, greedily from an empty
    /// prompt (context `[CLS]`), one of those words first and stops at `[SEP]` after a digit.
    func testDocumentLanguageModelLearnsWhereReviewsStartAndEnd() throws {
        let job = try lmJob(["train.hidden_state=document", "train.epochs=12", "batching.bucket_pool=4"])
        let options = options("lm-document")
        let summary = try JobRunner.start(job: job, jobFile: "tiny-lm.yaml", options: options)
        XCTAssertEqual(summary.status, .completed)
        XCTAssertEqual(summary.steps, 12 * Int((192.0 / 8).rounded(.up)), "one row per review (every review fits the window of 8)")
        let perplexity = try XCTUnwrap(summary.metrics["test.perplexity"])
        XCTAssertLessThan(perplexity, 6, "the corpus is nearly deterministic; a model that did not learn it sits near the vocabulary size")
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        let text = try trained.generate(prompt: "", maxTokens: 10, temperature: 0, topK: 0, seed: 1)
        let words = text.split(separator: " ").map(String.init)
        XCTAssertTrue(["정말", "최고", "좋", "다시", "별로", "최악"].contains(words.first ?? ""), text)
        XCTAssertLessThan(words.count, 10, "stopped at [SEP]: \(text)")
        XCTAssertNotNil(Int(words.last ?? ""), "a review ends with its digit: \(text)")
        let again = try trained.generate(prompt: "", maxTokens: 10, temperature: 0, topK: 0, seed: 2)
        XCTAssertEqual(again, text, "greedy does not depend on the seed")
    }

    /// A crash while a checkpoint is written leaves a `.partial` folder and no registry record:
    /// resuming uses the previous recorded checkpoint and still ends like an uninterrupted run.
    func testACrashWhileCheckpointingLosesOnlyTheUnfinishedCheckpoint() throws {
        let job = try job(["train.epochs=2", "train.eval_every=7"])
        let whole = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("whole"))
        var interrupted = options("crash")
        interrupted.stopAfterSteps = 10
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: interrupted)
        let registry = try RunRegistry(path: interrupted.registryPath)
        // Simulate kill -9 in the middle of writing the step-10 checkpoint: drop its record, leave half a folder.
        try registry.removeCheckpoint(step: 10, of: first.runID)
        let dir = first.directory + "/checkpoints/step-10"
        try FileManager.default.moveItem(atPath: dir, toPath: dir + ".partial")
        try Data("truncated".utf8).write(to: URL(fileURLWithPath: dir + ".partial/model.safetensors"))
        XCTAssertEqual(try registry.checkpoints(of: first.runID).last?.step, 7)
        let resumed = try JobRunner.resume(runID: first.runID, options: options("crash"))
        let a = try weights(whole), b = try weights(resumed)
        for (name, tensor) in a { XCTAssertEqual(tensor.storage, b[name]?.storage, name) }
    }

    /// The trained run classifies new texts from its best checkpoint; a classifier run refuses generation.
    func testTrainedRunPredictsLabelsAndProbabilities() throws {
        let options = options("predict")
        let summary = try JobRunner.start(job: try job(), jobFile: "tiny.yaml", options: options)
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        let predictions = try trained.classify(["좋 은 영화 최고", "별로 인 영화 최악", ""])
        XCTAssertEqual(predictions.prefix(2).map(\.label), [1, 0])
        XCTAssertTrue(predictions.allSatisfy { $0.probability >= 0.5 && $0.probability <= 1 })
        XCTAssertEqual(try trained.classID(ofLabel: "1"), 1)
        XCTAssertThrowsError(try trained.generate(prompt: "좋", maxTokens: 3, temperature: 1, topK: 0, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("generate needs a language model"), "\(error)")
        }
    }

    /// `truncate_side: pre` keeps the last ids of a long text in training, and predict feeds the
    /// model the same ids: the rows TrainedRun batches equal the training batcher's rows for the
    /// same texts, and a long text is classified exactly like its last words alone.
    func testPredictTruncatesLikeTraining() throws {
        let overrides = ["batching.truncate_side=pre", "batching.max_length=5", "batching.add_special_tokens=true", "train.epochs=1"]
        let options = options("truncate")
        let job = try job(overrides)
        let summary = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options)
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        // Example i of the main dataset is row i of train.tsv (no row is left out).
        let rows = try String(contentsOf: folder.appendingPathComponent("train.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[1] }
        let data = try JobData.prepare(job: job, trainVocabulary: nil, log: { _ in })
        var batching = trained.batching
        batching.shuffle = false
        batching.bucketPool = 0
        let training = try Batches(dataset: data.main, split: .train, options: batching)
        var compared = 0
        for batch in training.prefix(3) {
            let texts = batch.indices.map { String(rows[$0]) }
            let inference = try XCTUnwrap(Array(try trained.batches(classifying: texts)).first)
            XCTAssertEqual(inference.source, batch.source)
            compared += batch.size
        }
        XCTAssertGreaterThan(compared, 20)
        // [CLS] + the last three ids + [SEP]: the opening words are cut, as in training.
        XCTAssertEqual(try trained.classify(["최악 의 영화 별로 다 별로 정말 좋 아요"]), try trained.classify(["정말 좋 아요"]))
        XCTAssertNotEqual(try trained.classify(["최악 의 영화 별로 다 별로 정말 좋 아요"]), try trained.classify(["최악 의 영화"]))
        let ids = try XCTUnwrap(Array(try trained.batches(classifying: ["최악 의 영화 별로 다 별로 정말 좋 아요"])).first).source
        XCTAssertEqual(ids.columns, 5)
        XCTAssertEqual(ids.ids.first, trained.vocabulary.specials.cls)
        XCTAssertEqual(ids.ids.last, trained.vocabulary.specials.sep)
    }

    /// A catalogued dataset whose shard file was deleted is built again instead of failing the job.
    func testADeletedDatasetShardIsRebuilt() throws {
        let job = try job(["train.epochs=1"])
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("shard"))
        let shards = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jkds") }
        XCTAssertFalse(shards.isEmpty)
        for shard in shards { try FileManager.default.removeItem(at: folder.appendingPathComponent(shard)) }
        var logged: [String] = []
        var o = options("shard")
        o.log = { logged.append($0) }
        let second = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: o)
        XCTAssertEqual(second.status, .completed)
        XCTAssertTrue(logged.contains { $0.contains("shard file is missing; building it again") }, "\(logged)")
        XCTAssertEqual(second.metrics["test.accuracy"], first.metrics["test.accuracy"])
        for shard in shards { XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(shard).path), shard) }
    }

    func testAnImpossibleJobIsRefusedBeforeTraining() throws {
        XCTAssertThrowsError(try JobRunner.start(job: try job(["batching.pad_side=pre"]), jobFile: "tiny.yaml", options: options("x"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("batching.pad_side:"), "\(error)")
        }
    }
}
