import Foundation
import XCTest
import JikjiJobs
import JikjiSQLite

final class RunRegistryTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `job list/show/report` and `predict` open the registry read-only: they read what was
    /// recorded, leave no -wal/-shm file beside it, refuse to write, and make nothing when the
    /// registry is missing.
    func testReadOnlyRegistryReadsRunsAndLeavesNoFileBesideIt() throws {
        let path = folder.appendingPathComponent("runs/jikji-runs.sqlite").path
        XCTAssertThrowsError(try RunRegistry(path: path, readOnly: true)) { error in
            XCTAssertEqual(error as? RunRegistryError, .noRegistry(path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs").path))
        do {
            let registry = try RunRegistry(path: path)
            let run = try registry.startRun(jobName: "j", jobFile: "j.yaml", seed: 1, resolvedConfig: "seed: 1\n",
                                            directory: { "\(self.folder.path)/runs/\($0)" })
            try registry.record([.init(step: 10, epoch: 1, split: "valid", name: "loss", value: 0.5)], for: run.id)
        }
        let files = { try FileManager.default.contentsOfDirectory(atPath: self.folder.appendingPathComponent("runs").path).sorted() }
        let before = try files()
        XCTAssertEqual(before, ["jikji-runs.sqlite"])
        let reader = try RunRegistry(path: path, readOnly: true)
        XCTAssertEqual(try reader.runs().map(\.jobName), ["j"])
        XCTAssertEqual(try reader.metrics(of: 1).map(\.value), [0.5])
        XCTAssertThrowsError(try reader.setStatus(.failed, of: 1, error: "x"))
        XCTAssertEqual(try files(), before)
    }

    func testRunLifecycleMetricsAndCheckpointsPersistAcrossConnections() throws {
        let path = folder.appendingPathComponent("runs.sqlite").path
        let registry = try RunRegistry(path: path)
        let run = try registry.startRun(jobName: "nsmc-sentiment", jobFile: "jobs/nsmc-sentiment.yaml", seed: 42,
                                        resolvedConfig: "seed: 42\n", directory: { self.folder.appendingPathComponent("runs/\($0)").path })
        XCTAssertEqual(run.status, .running)
        XCTAssertEqual(run.directory, folder.appendingPathComponent("runs/\(run.id)").path)
        try registry.record([.init(step: 100, epoch: 1, split: "valid", name: "accuracy", value: 0.81),
                             .init(step: 100, epoch: 1, split: "valid", name: "loss", value: 0.42)], for: run.id)
        try registry.record(.init(step: 100, path: "runs/1/step-100.safetensors", metric: 0.81, isBest: true), for: run.id)
        try registry.record(.init(step: 200, path: "runs/1/step-200.safetensors", metric: 0.84, isBest: true), for: run.id)
        try registry.setStatus(.completed, of: run.id)

        let reopened = try RunRegistry(path: path)
        let again = try reopened.run(run.id)
        XCTAssertEqual(again.status, .completed)
        XCTAssertNotNil(again.endedAt)
        XCTAssertEqual(again.seed, 42)
        XCTAssertEqual(again.resolvedConfig, "seed: 42\n")
        XCTAssertEqual(try reopened.metrics(of: run.id).map(\.name), ["accuracy", "loss"])
        let checkpoints = try reopened.checkpoints(of: run.id)
        XCTAssertEqual(checkpoints.map(\.step), [100, 200])
        XCTAssertEqual(checkpoints.map(\.isBest), [false, true], "only the latest best checkpoint stays best")
        try reopened.removeCheckpoint(step: 100, of: run.id)
        XCTAssertEqual(try reopened.checkpoints(of: run.id).map(\.step), [200])
    }

    /// Paths are stored relative to the registry (run folders) and to the run (checkpoints), and
    /// read back absolute: a runs folder moved whole still finds its runs and checkpoints.
    func testPathsAreStoredRelativeSoAMovedRunsFolderStillWorks() throws {
        let runs = folder.appendingPathComponent("runs")
        let registry = try RunRegistry(path: runs.appendingPathComponent("jikji-runs.sqlite").path)
        let run = try registry.startRun(jobName: "j", jobFile: "j.yaml", seed: 1, resolvedConfig: "",
                                        directory: { runs.appendingPathComponent("\($0)").path })
        try registry.record(.init(step: 5, path: run.directory + "/checkpoints/step-5", metric: nil, isBest: true), for: run.id)
        XCTAssertEqual(try registry.database.scalarText("SELECT directory FROM runs WHERE id = ?", [.int(run.id)]), "\(run.id)")
        XCTAssertEqual(try registry.database.scalarText("SELECT path FROM run_checkpoints"), "checkpoints/step-5")
        let moved = folder.appendingPathComponent("moved")
        try FileManager.default.moveItem(at: runs, to: moved)
        let again = try RunRegistry(path: moved.appendingPathComponent("jikji-runs.sqlite").path)
        XCTAssertEqual(try again.run(run.id).directory, moved.appendingPathComponent("\(run.id)").path)
        XCTAssertEqual(try again.checkpoints(of: run.id).map(\.path), [moved.appendingPathComponent("\(run.id)/checkpoints/step-5").path])
    }

    /// A registry written before paths were relative (`runs/1`, `runs/1/checkpoints/step-5`, as
    /// given from the working directory) is migrated: its runs are found from any directory.
    func testAVersionOneRegistryIsMigratedToRelativePaths() throws {
        let runs = folder.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let path = runs.appendingPathComponent("jikji-runs.sqlite").path
        let old = try Database(path: path)
        try old.execute("""
            CREATE TABLE runs (id INTEGER PRIMARY KEY, job_name TEXT NOT NULL, job_file TEXT NOT NULL, status TEXT NOT NULL,
                started_at REAL NOT NULL, ended_at REAL, machine TEXT NOT NULL, seed INTEGER NOT NULL,
                resolved_config TEXT NOT NULL, directory TEXT NOT NULL);
            CREATE TABLE run_metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,
                epoch INTEGER NOT NULL, split TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, recorded_at REAL NOT NULL);
            CREATE INDEX run_metrics_by_run ON run_metrics(run_id, step);
            CREATE TABLE run_checkpoints (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,
                path TEXT NOT NULL, metric REAL, is_best INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,
                PRIMARY KEY (run_id, step));
            CREATE TABLE jikji_migrations (domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), PRIMARY KEY (domain, version)) WITHOUT ROWID;
            INSERT INTO jikji_migrations (domain, version, name) VALUES ('runs', 1, 'runs, metrics, checkpoints');
            INSERT INTO runs VALUES (1, 'j', 'j.yaml', 'completed', 0, 1, 'm', 1, '', 'runs/1');
            INSERT INTO run_checkpoints VALUES (1, 5, 'runs/1/checkpoints/step-5', NULL, 1, 0);
            """)
        try old.setApplicationID(Migrator.applicationID)
        let registry = try RunRegistry(path: path)
        XCTAssertEqual(try registry.run(1).directory, runs.appendingPathComponent("1").path)
        XCTAssertEqual(try registry.checkpoints(of: 1).map(\.path), [runs.appendingPathComponent("1/checkpoints/step-5").path])
        XCTAssertNil(try registry.run(1).pins)
    }

    func testUnknownRunIsAClearError() throws {
        let registry = try RunRegistry(path: folder.appendingPathComponent("r.sqlite").path)
        XCTAssertThrowsError(try registry.run(9)) { error in
            XCTAssertEqual("\(error)", "no run 9; `jikji job list` shows the runs")
        }
        XCTAssertThrowsError(try registry.setStatus(.failed, of: 9))
    }

    func testRunsAreListedNewestFirst() throws {
        let registry = try RunRegistry(path: folder.appendingPathComponent("r.sqlite").path)
        for n in 0..<3 {
            _ = try registry.startRun(jobName: "job\(n)", jobFile: "j.yaml", seed: UInt64(n), resolvedConfig: "", directory: { "runs/\($0)" })
        }
        XCTAssertEqual(try registry.runs().map(\.jobName), ["job2", "job1", "job0"])
    }

    func testAForeignSQLiteFileIsRefused() throws {
        let path = folder.appendingPathComponent("foreign.sqlite").path
        let foreign = try Database(path: path)
        try foreign.execute("CREATE TABLE t (x INTEGER)")
        XCTAssertThrowsError(try RunRegistry(path: path)) { error in
            XCTAssertTrue("\(error)".contains("is not a Jikji database"), "\(error)")
        }
    }
}
