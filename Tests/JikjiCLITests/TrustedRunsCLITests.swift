import Foundation
import XCTest
import JikjiTestSupport

/// Issue 13, "runs that can be trusted", with real processes: a killed run is shown as
/// interrupted, a second `job resume` of a run being trained refuses, two `dataset build` of one
/// name at once have one winner, and a run's model is used from any directory with the
/// vocabulary version it was trained with.
final class TrustedRunsCLITests: XCTestCase {
    var temp: TempFolder!
    var folder: URL { temp.url }
    var runs: String { temp.path("runs") }

    override func setUpWithError() throws {
        temp = try TempFolder()
        try temp.slice("nsmc/ratings_train.txt", lines: 3001, to: "train.tsv")
        try temp.slice("nsmc/ratings_test.txt", lines: 401, to: "test.tsv")
    }

    override func tearDownWithError() throws {
        temp = nil
    }

    func path(_ name: String) -> String { temp.path(name) }

    @discardableResult
    func jikji(_ arguments: [String], in directory: URL? = nil, status: Int32 = 0,
               file: StaticString = #filePath, line: UInt = #line) throws -> JikjiCommand.Result {
        let result = try JikjiCommand.run(arguments, in: directory)
        XCTAssertEqual(result.status, status, "jikji \(arguments.joined(separator: " ")):\n\(result.stderr)\(result.output)", file: file, line: line)
        return result
    }

    /// A small classifier job with paths relative to the test folder (run from there).
    func writeJob(epochs: Int, checkpointEvery: Int = 0) throws -> String {
        try """
        name: trust
        seed: 3
        data: {train: train.tsv, test: test.tsv, text_column: document, label_column: label, valid_ratio: 0.1}
        vocab: {name: trust-wp, database: vocab/jikji.sqlite, vocab_size: 3000, min_frequency: 2}
        batching: {batch_size: 32, max_length: 32}
        model: {kind: classifier, embedding: 16, encoder: {cell: gru, hidden: 16, bidirectional: true}, dropout: 0.1}
        optim: {optimizer: adam, lr: 0.005}
        train: {epochs: \(epochs), checkpoint_every: \(checkpointEvery), keep_last: 2}
        """.write(toFile: path("job.yaml"), atomically: true, encoding: .utf8)
        return "job.yaml"
    }

    /// Waits until `job show` lists a checkpoint of run 1.
    func waitForCheckpoint(timeout: TimeInterval) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let show = try JikjiCommand.run(["job", "show", "1", "--runs", runs])
            if show.status == 0, show.output.contains("checkpoint step") { return true }
            usleep(100_000)
        }
        return false
    }

    /// `kill -9` leaves the registry saying `running`; the free lock tells that the process is
    /// gone, so list and show say `interrupted`. A resume takes the run's lock: a second resume
    /// started meanwhile refuses (naming the process), and the first one goes on.
    func testAKilledRunIsInterruptedAndASecondResumeRefuses() throws {
        let job = try writeJob(epochs: 400, checkpointEvery: 5)
        let first = try RunningJikjiCommand(["job", "run", job, "--quiet", "--runs", runs], in: folder)
        XCTAssertTrue(try waitForCheckpoint(timeout: 300), first.stderr)
        let live = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(live.output.contains("running"), live.output)
        first.send(SIGKILL)
        _ = first.finish()
        let list = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(list.output.contains("interrupted"), list.output)
        XCTAssertFalse(list.output.contains("running"), list.output)
        let show = try jikji(["job", "show", "1", "--runs", runs])
        XCTAssertTrue(show.output.contains("status: interrupted"), show.output)
        XCTAssertTrue(show.output.contains("vocabulary: trust-wp@1"), show.output)

        let resumed = try RunningJikjiCommand(["job", "resume", "1", "--quiet", "--runs", runs], in: folder)
        XCTAssertTrue(resumed.waitForStderr(containing: "training:", timeout: 300), resumed.stderr)
        let second = try jikji(["job", "resume", "1", "--quiet", "--runs", runs], in: folder, status: 1)
        XCTAssertTrue(second.stderr.contains("is being trained right now"), second.stderr)
        XCTAssertTrue(second.stderr.contains("pid "), "the holder is named: \(second.stderr)")
        XCTAssertTrue(resumed.isRunning, "the first resume goes on")
        let during = try jikji(["job", "show", "1", "--runs", runs])
        XCTAssertTrue(during.output.contains("status: running"), during.output)
        resumed.interrupt()
        let stopped = resumed.finish()
        XCTAssertEqual(stopped.status, 130, stopped.stderr + stopped.output)
        let after = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(after.output.contains("interrupted"), after.output)
    }

    /// A run that fails is recorded `failed` with its error, and resuming it says why it cannot go on.
    func testAFailedRunIsMarkedFailedAndResumeSaysWhy() throws {
        let job = try writeJob(epochs: 1)
        // A row with a bad label stops the dataset build (on_bad_row: fail), after the run was recorded.
        try (try String(contentsOfFile: path("train.tsv"), encoding: .utf8) + "99\tbroken row\tnot-a-label\n")
            .write(toFile: path("train.tsv"), atomically: true, encoding: .utf8)
        let run = try jikji(["job", "run", job, "--quiet", "--runs", runs], in: folder, status: 1)
        XCTAssertTrue(run.stderr.contains("train.tsv"), run.stderr)
        let list = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(list.output.contains("failed"), list.output)
        let show = try jikji(["job", "show", "1", "--runs", runs])
        XCTAssertTrue(show.output.contains("status: failed"), show.output)
        XCTAssertTrue(show.output.contains("error: ") && show.output.contains("train.tsv"), show.output)
        let resume = try jikji(["job", "resume", "1", "--runs", runs], in: folder, status: 1)
        XCTAssertTrue(resume.stderr.contains("failed and cannot go on"), resume.stderr)
        XCTAssertTrue(resume.stderr.contains("train.tsv"), "the recorded error: \(resume.stderr)")
    }

    /// `predict --runs /abs/runs` from another directory reads the same model as from the run's
    /// own directory; a newer version of the vocabulary's name changes nothing for the run; `--db`
    /// finds a vocabulary database that moved.
    func testPredictUsesThePinnedVocabularyFromAnyDirectory() throws {
        let job = try writeJob(epochs: 1)
        try jikji(["job", "run", job, "--quiet", "--runs", "runs"], in: folder)
        let here = try jikji(["predict", "1", "--input", "test.tsv", "--text-column", "document", "--runs", "runs"], in: folder)
        XCTAssertEqual(here.output.split(separator: "\n").count, 400)
        let elsewhere = FileManager.default.temporaryDirectory
        let there = try jikji(["predict", "1", "--input", path("test.tsv"), "--text-column", "document", "--runs", runs], in: elsewhere)
        XCTAssertEqual(there.output, here.output)

        // trust-wp@2: the same tokens in another order, under the same name.
        try jikji(["vocab", "export", "trust-wp@1", "--format", "vocab-txt", "-o", "v1.txt", "--db", "vocab/jikji.sqlite"], in: folder)
        let tokens = try String(contentsOfFile: path("v1.txt"), encoding: .utf8).split(separator: "\n")
        let reordered = tokens.prefix(5) + tokens.dropFirst(5).reversed()
        try (reordered.joined(separator: "\n") + "\n").write(toFile: path("v2.txt"), atomically: true, encoding: .utf8)
        try jikji(["vocab", "import", "v2.txt", "--name", "trust-wp", "--db", "vocab/jikji.sqlite"], in: folder)
        let afterNewVersion = try jikji(["predict", "1", "--input", "test.tsv", "--text-column", "document", "--runs", "runs"], in: folder)
        XCTAssertEqual(afterNewVersion.output, here.output, "the run keeps trust-wp@1")

        try FileManager.default.moveItem(atPath: path("vocab"), toPath: path("moved-vocab"))
        let lost = try jikji(["predict", "1", "--input", "test.tsv", "--text-column", "document", "--runs", "runs"], in: folder, status: 1)
        XCTAssertTrue(lost.stderr.contains("trust-wp@1") && lost.stderr.contains("--db"), lost.stderr)
        let moved = try jikji(["predict", "1", "--input", "test.tsv", "--text-column", "document", "--runs", "runs",
                               "--db", "moved-vocab/jikji.sqlite"], in: folder)
        XCTAssertEqual(moved.output, here.output)
    }

    /// Two `dataset build` of one name at once, many times: exactly one succeeds, the other is
    /// refused as existing, and the catalogued dataset is the winner's, whole.
    func testConcurrentBuildsOfOneDatasetNameHaveOneWinner() throws {
        try jikji(["vocab", "import", try ProjectPaths.reference("hf/wp150k/vocab.txt").path, "--name", "wp", "--db", path("seed.sqlite")])
        for attempt in 0..<15 {
            let db = path("try\(attempt)/jikji.sqlite")
            try FileManager.default.createDirectory(atPath: path("try\(attempt)"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: path("seed.sqlite"), toPath: db)
            // Different splits, so the loser's shard would differ from the winner's.
            let builds = try ["0.9,0.1", "0.5,0.5"].map { split in
                try RunningJikjiCommand(["dataset", "build", "--input", path("train.tsv"), "--text-column", "document",
                                         "--label-column", "label", "--split", split, "--vocab", "wp", "--name", "race", "--db", db])
            }
            let results = builds.map { $0.finish() }
            let winners = results.indices.filter { results[$0].status == 0 }
            XCTAssertEqual(winners.count, 1, "attempt \(attempt): \(results.map { "\($0.status) \($0.stderr)" })")
            for loser in results.indices where !winners.contains(loser) {
                XCTAssertTrue(results[loser].stderr.contains("exists already"), results[loser].stderr)
            }
            guard let winner = winners.first else { continue }
            let show = try jikji(["dataset", "show", "race", "--db", db])
            let split = winner == 0 ? "split:       0.9/0.1" : "split:       0.5/0.5"
            XCTAssertTrue(show.output.contains(split), "attempt \(attempt), winner \(winner): \(show.output)")
            try jikji(["dataset", "batches", "race", "--db", db, "--batch-size", "64"])
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: path("try\(attempt)/datasets")).filter { $0.hasPrefix(".") }
            XCTAssertEqual(leftovers, [], "no temporary shard is left behind")
        }
    }
}
