import Foundation
import XCTest
import JikjiJobs
import JikjiRecurrent
import JikjiVocabStore
import JikjiWordPiece

/// Issue 13, "runs that can be trusted", on the tiny corpus of ``JobRunnerTests``: what a run
/// pins, paths that work from any directory, true statuses, metrics recorded once across a
/// resume, real nulls in the resolved job, and the classifier's two heads.
extension JobRunnerTests {
    func metricRows(_ options: JobRunner.Options, run: Int) throws -> [String] {
        try RunRegistry(path: options.registryPath).metrics(of: run).map { "\($0.step) \($0.epoch) \($0.split).\($0.name) \($0.value)" }
    }

    /// Stopped between evaluations and resumed: the metrics, train.loss included, equal an
    /// uninterrupted run's, value for value (the running loss is kept in the checkpoint).
    func testResumedRunRecordsTheMetricsOfAnUninterruptedRun() throws {
        let job = try job(["train.epochs=2", "train.eval_every=7"])
        let whole = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("m-whole"))
        var interrupted = options("m-parts")
        interrupted.stopAfterSteps = 9
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: interrupted)
        _ = try JobRunner.resume(runID: first.runID, options: options("m-parts"))
        let expected = try metricRows(options("m-whole"), run: whole.runID)
        XCTAssertGreaterThan(expected.filter { $0.contains("train.loss") }.count, 2)
        XCTAssertEqual(try metricRows(options("m-parts"), run: first.runID), expected)
    }

    /// A process killed after recording the evaluation of step 14 but before its checkpoint: the
    /// resumed run (from step 7) forgets those metrics and records each once.
    func testMetricsRecordedAfterTheLastCheckpointAreNotRecordedTwice() throws {
        let job = try job(["train.epochs=2", "train.eval_every=7", "train.keep_last=5"])
        let whole = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: options("k-whole"))
        var interrupted = options("k-parts")
        interrupted.stopAfterSteps = 16
        let first = try JobRunner.start(job: job, jobFile: "tiny.yaml", options: interrupted)
        let registry = try RunRegistry(path: interrupted.registryPath)
        // As if kill -9 struck before the checkpoints of steps 14 and 16 were recorded.
        try registry.removeCheckpoint(step: 16, of: first.runID)
        try registry.removeCheckpoint(step: 14, of: first.runID)
        XCTAssertTrue(try registry.metrics(of: first.runID).contains { $0.step == 14 })
        XCTAssertEqual(try registry.checkpoints(of: first.runID).last?.step, 7)
        _ = try JobRunner.resume(runID: first.runID, options: options("k-parts"))
        XCTAssertEqual(try metricRows(options("k-parts"), run: first.runID), try metricRows(options("k-whole"), run: whole.runID))
    }

    /// A run records `tiny@1` and uses it after `tiny@2` appears; the resolved job names it.
    func testARunUsesTheVocabularyVersionItWasTrainedWith() throws {
        let options = options("pin")
        let summary = try JobRunner.start(job: try job(["train.epochs=1"]), jobFile: "tiny.yaml", options: options)
        let texts = ["좋 은 영화 최고", "별로 인 영화 최악", "정말 좋 아요", "최악 의 영화"]
        let before = try TrainedRun(runID: summary.runID, registryPath: options.registryPath).classify(texts)
        // tiny@2: the same tokens with the words in reverse order, so every word's id changes.
        let store = try VocabularyStore(path: folder.appendingPathComponent("vocab.sqlite").path)
        let v1 = try store.load("tiny@1")
        let specials = v1.tokens.prefix(5), words = v1.tokens.dropFirst(5).reversed()
        try store.save(StoredVocabulary(name: "tiny", tokens: Array(specials + words).map { StoredToken(text: $0.text, kind: $0.kind) },
                                        normalizer: .korean, origin: "test", toolVersion: "test"))
        let trained = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        XCTAssertEqual(trained.vocabulary.reference, "tiny@1")
        XCTAssertEqual(try trained.classify(texts), before)
        let run = try RunRegistry(path: options.registryPath).run(summary.runID)
        XCTAssertEqual(run.pins?.vocabulary, "tiny@1")
        XCTAssertEqual(run.pins?.datasets.map(\.role), ["main", "test"])
        let resolved = try JobConfig(yaml: run.resolvedConfig, source: "resolved")
        XCTAssertEqual(resolved.vocab.name, "tiny@1")
        let saved = try String(contentsOfFile: summary.directory + "/job.yaml", encoding: .utf8)
        XCTAssertTrue(saved.contains("name: tiny@1"), saved)
    }

    /// Relative runs folder, registry, corpus and database paths, used from another directory.
    func testARunStartedWithRelativePathsWorksFromAnyDirectory() throws {
        let manager = FileManager.default
        let original = manager.currentDirectoryPath
        defer { manager.changeCurrentDirectoryPath(original) }
        XCTAssertTrue(manager.changeCurrentDirectoryPath(folder.path))
        let job = try JobConfig(yaml: """
            name: rel
            seed: 5
            data: {train: train.tsv, test: test.tsv, valid_ratio: 0.2}
            vocab: {name: tiny, database: vocab.sqlite}
            batching: {batch_size: 16, max_length: 12}
            model: {kind: classifier, embedding: 8, encoder: {cell: gru, hidden: 6}}
            train: {epochs: 2, eval_every: 7}
            """, source: "rel.yaml")
        var relative = JobRunner.Options()
        relative.runsDirectory = "rel-runs"
        relative.registryPath = "rel-runs/jikji-runs.sqlite"
        relative.progress = false
        relative.log = { _ in }
        relative.stopAfterSteps = 9
        let first = try JobRunner.start(job: job, jobFile: "rel.yaml", options: relative)
        XCTAssertEqual(first.directory, folder.appendingPathComponent("rel-runs/1").standardizedFileURL.path)
        let here = try TrainedRun(runID: first.runID, registryPath: "rel-runs/jikji-runs.sqlite").classify(["좋 은 영화 최고"])

        let elsewhere = folder.appendingPathComponent("elsewhere")
        try manager.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        XCTAssertTrue(manager.changeCurrentDirectoryPath(elsewhere.path))
        let registryPath = folder.appendingPathComponent("rel-runs/jikji-runs.sqlite").path
        let there = try TrainedRun(runID: first.runID, registryPath: registryPath)
        XCTAssertEqual(try there.classify(["좋 은 영화 최고"]), here)
        XCTAssertTrue(there.checkpoint.path.hasPrefix(folder.appendingPathComponent("rel-runs/1/checkpoints").standardizedFileURL.path),
                      there.checkpoint.path)
        var away = relative
        away.runsDirectory = folder.appendingPathComponent("rel-runs").path
        away.registryPath = registryPath
        away.stopAfterSteps = nil
        let resumed = try JobRunner.resume(runID: first.runID, options: away)
        XCTAssertEqual(resumed.status, .completed)
        XCTAssertFalse(manager.fileExists(atPath: elsewhere.appendingPathComponent("rel-runs").path), "nothing written beside the caller")
    }

    /// A failure after the run was recorded marks it failed with the error; resume says why it cannot go on.
    func testAFailingRunIsRecordedFailedWithItsError() throws {
        let bad = folder.appendingPathComponent("bad.tsv")
        try "id\tdocument\tlabel\n1\t좋 아요\t1\n2\t별로\tmaybe\n".write(to: bad, atomically: true, encoding: .utf8)
        let options = options("fail")
        XCTAssertThrowsError(try JobRunner.start(job: try job(["data.train=\(bad.path)"]), jobFile: "tiny.yaml", options: options))
        let registry = try RunRegistry(path: options.registryPath)
        let run = try XCTUnwrap(registry.runs().first)
        XCTAssertEqual(run.status, .failed)
        XCTAssertTrue(run.error?.contains("bad.tsv") ?? false, run.error ?? "no error")
        XCTAssertThrowsError(try JobRunner.resume(runID: run.id, options: options)) { error in
            XCTAssertTrue("\(error)".contains("failed and cannot go on"), "\(error)")
            XCTAssertTrue("\(error)".contains("bad.tsv"), "\(error)")
        }
    }

    /// While a process holds a run's lock the run is running and cannot be resumed; once the
    /// lock is free (the process died), a run recorded running is interrupted.
    func testTheRunLockTellsLiveRunsFromDeadOnes() throws {
        var interrupted = options("lock")
        interrupted.stopAfterSteps = 3
        let first = try JobRunner.start(job: try job(), jobFile: "tiny.yaml", options: interrupted)
        let registry = try RunRegistry(path: interrupted.registryPath)
        try registry.setStatus(.running, of: first.runID)   // as a killed process leaves it
        XCTAssertEqual(registry.observedStatus(of: try registry.run(first.runID)), .interrupted)
        do {
            let held = try RunLock(runIn: first.directory)
            XCTAssertEqual(registry.observedStatus(of: try registry.run(first.runID)), .running)
            XCTAssertThrowsError(try JobRunner.resume(runID: first.runID, options: options("lock"))) { error in
                XCTAssertTrue("\(error)".contains("is being trained right now"), "\(error)")
                XCTAssertTrue("\(error)".contains("pid \(getpid())"), "\(error)")
            }
            withExtendedLifetime(held) {}
        }
        XCTAssertEqual(try JobRunner.resume(runID: first.runID, options: options("lock")).status, .completed)
    }

    /// The resolved job writes YAML nulls for unset optional keys.
    func testTheResolvedJobWritesRealNulls() throws {
        let summary = try JobRunner.start(job: try job(["train.epochs=1"]), jobFile: "tiny.yaml", options: options("nulls"))
        let text = try String(contentsOfFile: summary.directory + "/job.yaml", encoding: .utf8)
        XCTAssertTrue(text.contains("pipeline: null\n"), text)
        XCTAssertFalse(text.contains("'null'"), text)
    }

    /// Two classes: BCE's one logit by default, two logits with `model.loss: cross_entropy`.
    func testTwoClassHeadsFollowTheLossSetting() throws {
        let bce = try JobRunner.start(job: try job(["train.epochs=1"]), jobFile: "tiny.yaml", options: options("bce"))
        XCTAssertEqual(try weights(bce)["fc.weight"]?.shape, [1, 12])
        let ce = try JobRunner.start(job: try job(["model.loss=cross_entropy"]), jobFile: "tiny.yaml", options: options("ce"))
        XCTAssertEqual(try weights(ce)["fc.weight"]?.shape, [2, 12])
        XCTAssertGreaterThan(ce.metrics["test.accuracy"] ?? 0, 0.9, "\(ce.metrics)")
        let report = try String(contentsOfFile: bce.reportPath, encoding: .utf8)
        XCTAssertTrue(report.contains("fc.weight [1, 12]"), "the report says which head it has")
        XCTAssertThrowsError(try job(["model.classes=3", "model.loss=bce"])) { error in
            XCTAssertTrue("\(error)".contains("model.loss"), "\(error)")
        }
    }

    /// `vocab.lowercase: true` in a job stores HF's `strip_accents=None` (accents stripped), as
    /// `jikji vocab train --lowercase` does; `strip_accents: false` keeps them.
    func testJobLowercaseStripsAccentsLikeVocabTrain() throws {
        let english = folder.appendingPathComponent("english.tsv")
        var rows = ["id\tdocument\tlabel"]
        for i in 0..<60 { rows.append("\(i)\tCafé naïve Résumé \(i % 2 == 0 ? "good" : "bad")\t\(i % 2)") }
        try rows.joined(separator: "\n").write(to: english, atomically: true, encoding: .utf8)
        func trained(_ overrides: [String]) throws -> StoredVocabulary {
            let job = try self.job(["data.train=\(english.path)", "vocab.name=english\(overrides.count)", "vocab.vocab_size=200",
                                    "vocab.min_frequency=1", "vocab.lowercase=true"] + overrides)
            return try JobVocabularyTraining.train(job)
        }
        let following = try trained([])
        XCTAssertEqual(following.normalizer.lowercase, true)
        XCTAssertNil(following.normalizer.stripAccents, "HF's strip_accents=None: follows lowercase")
        XCTAssertTrue(following.tokenTexts.contains("cafe"), "\(following.tokenTexts)")
        XCTAssertFalse(following.tokenTexts.contains("café"))
        let keeping = try trained(["vocab.strip_accents=false"])
        XCTAssertEqual(keeping.normalizer.stripAccents, false)
        XCTAssertTrue(keeping.tokenTexts.contains("café"), "\(keeping.tokenTexts)")
    }
}
