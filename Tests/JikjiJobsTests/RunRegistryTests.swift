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

    func testRunLifecycleMetricsAndCheckpointsPersistAcrossConnections() throws {
        let path = folder.appendingPathComponent("runs.sqlite").path
        let registry = try RunRegistry(path: path)
        let run = try registry.startRun(jobName: "nsmc-sentiment", jobFile: "jobs/nsmc-sentiment.yaml", seed: 42,
                                        resolvedConfig: "seed: 42\n", directory: { "runs/\($0)" })
        XCTAssertEqual(run.status, .running)
        XCTAssertEqual(run.directory, "runs/\(run.id)")
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
