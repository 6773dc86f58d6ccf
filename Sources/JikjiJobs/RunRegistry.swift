import Foundation
import JikjiSQLite

/// The registry of training runs: one SQLite database (default `runs/jikji-runs.sqlite`), apart
/// from the vocabulary store so that deleting runs never touches vocabularies.
///
/// Every write is one transaction, so a process killed at any moment leaves the registry as it
/// was before or after that write, never in between.
public struct RunRegistry {
    /// The status of a run.
    public enum Status: String, Sendable, CaseIterable {
        case running, completed, failed, interrupted
    }

    /// One run as listed.
    public struct Run: Sendable, Equatable {
        public let id: Int
        public let jobName: String
        public let jobFile: String
        public let status: Status
        public let startedAt: Date
        public let endedAt: Date?
        public let machine: String
        public let seed: UInt64
        /// The fully resolved job (YAML) the run was started with.
        public let resolvedConfig: String
        /// Where the run keeps its checkpoints and report: an absolute path (the registry stores
        /// it relative to its own folder when it lies inside it).
        public let directory: String
        /// Why the run failed, when its status is ``Status/failed``.
        public let error: String?
        /// The vocabulary and datasets the run trained on, once they were prepared (nil for runs
        /// recorded before Jikji pinned them).
        public let pins: RunPins?

        /// A run as stored in the registry.
        public init(id: Int, jobName: String, jobFile: String, status: Status, startedAt: Date, endedAt: Date?,
                    machine: String, seed: UInt64, resolvedConfig: String, directory: String,
                    error: String? = nil, pins: RunPins? = nil) {
            self.id = id; self.jobName = jobName; self.jobFile = jobFile; self.status = status
            self.startedAt = startedAt; self.endedAt = endedAt; self.machine = machine; self.seed = seed
            self.resolvedConfig = resolvedConfig; self.directory = directory; self.error = error; self.pins = pins
        }
    }

    /// One metric value recorded at an evaluation.
    public struct Metric: Sendable, Equatable {
        public let step: Int
        public let epoch: Int
        /// `train`, `valid` or `test`.
        public let split: String
        public let name: String
        public let value: Double

        /// A metric value of `split` at `step`.
        public init(step: Int, epoch: Int, split: String, name: String, value: Double) {
            self.step = step; self.epoch = epoch; self.split = split; self.name = name; self.value = value
        }
    }

    /// One checkpoint file of a run.
    public struct Checkpoint: Sendable, Equatable {
        public let step: Int
        /// The checkpoint folder, absolute (stored relative to the run folder when inside it).
        public let path: String
        /// The value of the job's selection metric at this checkpoint, when evaluated.
        public let metric: Double?
        public let isBest: Bool

        /// A checkpoint written at `step` to `path`.
        public init(step: Int, path: String, metric: Double?, isBest: Bool) {
            self.step = step; self.path = path; self.metric = metric; self.isBest = isBest
        }
    }

    /// The database behind the registry.
    public let database: Database
    /// The registry's folder, absolute: stored run folders are relative to it.
    public let folder: String

    /// Opens (creating and migrating when needed) the registry at `path`.
    ///
    /// - Parameter readOnly: open it read-only (it must exist, else
    ///   ``RunRegistryError/noRegistry(_:)``): what the commands that only read runs use, so that
    ///   they work on runs the user cannot write and never change the file or migrate it.
    public init(path: String, readOnly: Bool = false) throws {
        let absolute = RunPaths.absolute(path)
        folder = (absolute as NSString).deletingLastPathComponent
        if readOnly {
            guard FileManager.default.fileExists(atPath: absolute) else { throw RunRegistryError.noRegistry(path) }
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        database = try Database(path: absolute, options: Database.Options(readOnly: readOnly))
        _ = try Self.migrator.migrate(database)
    }

    /// Records a new run in status `running` and returns its id. `directory` names the run's
    /// folder from its id (a relative path is taken from the working directory).
    public func startRun(jobName: String, jobFile: String, seed: UInt64, resolvedConfig: String,
                         directory: (Int) -> String, at date: Date = Date()) throws -> Run {
        let id = try database.write { db -> Int in
            try db.execute("""
                INSERT INTO runs (job_name, job_file, status, started_at, machine, seed, resolved_config, directory)
                VALUES (?, ?, 'running', ?, ?, ?, ?, '')
                """, [.text(jobName), .text(jobFile), .real(date.timeIntervalSince1970),
                      .text(Self.machineDescription), .integer(Int64(bitPattern: seed)), .text(resolvedConfig)])
            let id = Int(db.lastInsertRowID)
            try db.execute("UPDATE runs SET directory = ? WHERE id = ?",
                           [.text(RunPaths.stored(RunPaths.absolute(directory(id)), under: folder)), .int(id)])
            return id
        }
        return try run(id)
    }

    /// Sets a run's status; terminal statuses also set its end time. `error` is kept with a
    /// failed run (and cleared by any other status).
    public func setStatus(_ status: Status, of runID: Int, error: String? = nil, at date: Date = Date()) throws {
        try database.write { db in
            try db.execute("UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                           [.text(status.rawValue), status == .running ? .null : .real(date.timeIntervalSince1970),
                            error.map { .text($0) } ?? .null, .int(runID)])
            if db.changes == 0 { throw RunRegistryError.unknownRun(runID) }
        }
    }

    /// Records what a run trains on (its vocabulary as `name@version` with its store, its
    /// datasets) and the resolved job that names them, so later processes load exactly these.
    public func pin(_ pins: RunPins, resolvedConfig: String, of runID: Int) throws {
        try database.write { db in
            try db.execute("""
                UPDATE runs SET vocabulary = ?, vocabulary_database = ?, datasets = ?, resolved_config = ? WHERE id = ?
                """, [.text(pins.vocabulary), .text(pins.vocabularyDatabase), .text(pins.datasetsText),
                      .text(resolvedConfig), .int(runID)])
            if db.changes == 0 { throw RunRegistryError.unknownRun(runID) }
        }
    }

    /// Records the metrics of one evaluation in one transaction.
    public func record(_ metrics: [Metric], for runID: Int, at date: Date = Date()) throws {
        try database.write { db in
            let insert = try db.prepare("""
                INSERT INTO run_metrics (run_id, step, epoch, split, name, value, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for m in metrics {
                try insert.run([.int(runID), .int(m.step), .int(m.epoch), .text(m.split), .text(m.name), .real(m.value),
                                .real(date.timeIntervalSince1970)])
            }
        }
    }

    /// Records a checkpoint (replacing one at the same step); when `isBest`, it becomes the only
    /// best one. It remembers the last metric recorded before it, so that a run resumed from it
    /// can forget what a dead process recorded after it (``discardMetrics(after:of:)``).
    public func record(_ checkpoint: Checkpoint, for runID: Int, at date: Date = Date()) throws {
        let runFolder = try run(runID).directory
        try database.write { db in
            if checkpoint.isBest {
                try db.execute("UPDATE run_checkpoints SET is_best = 0 WHERE run_id = ?", [.int(runID)])
            }
            try db.execute("""
                INSERT OR REPLACE INTO run_checkpoints (run_id, step, path, metric, is_best, created_at, metrics_before)
                VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(max(rowid), 0) FROM run_metrics WHERE run_id = ?))
                """, [.int(runID), .int(checkpoint.step), .text(RunPaths.stored(RunPaths.absolute(checkpoint.path), under: runFolder)),
                      checkpoint.metric.map { .real($0) } ?? .null, .bool(checkpoint.isBest), .real(date.timeIntervalSince1970),
                      .int(runID)])
        }
    }

    /// Forgets the metrics recorded after `checkpoint` (all of them when nil): a process that died
    /// after it recorded them, and the run resumed from it records them again.
    public func discardMetrics(after checkpoint: Checkpoint?, of runID: Int) throws {
        try database.write { db in
            guard let checkpoint else {
                try db.execute("DELETE FROM run_metrics WHERE run_id = ?", [.int(runID)])
                return
            }
            // Checkpoints recorded before registry version 2 lack `metrics_before`: their time tells.
            try db.execute("""
                DELETE FROM run_metrics WHERE run_id = ?1 AND (
                    SELECT CASE WHEN c.metrics_before IS NULL THEN run_metrics.recorded_at > c.created_at
                                ELSE run_metrics.rowid > c.metrics_before END
                    FROM run_checkpoints c WHERE c.run_id = ?1 AND c.step = ?2)
                """, [.int(runID), .int(checkpoint.step)])
        }
    }

    /// Forgets a checkpoint (after its file was deleted by the keep-last policy).
    public func removeCheckpoint(step: Int, of runID: Int) throws {
        try database.write { db in
            try db.execute("DELETE FROM run_checkpoints WHERE run_id = ? AND step = ?", [.int(runID), .int(step)])
        }
    }

    /// Every run, newest first.
    public func runs() throws -> [Run] {
        var result: [Run] = []
        try database.forEachRow("SELECT \(Self.runColumns) FROM runs ORDER BY id DESC") { row in
            result.append(try run(from: row))
        }
        return result
    }

    /// One run by id; throws ``RunRegistryError/unknownRun(_:)`` when there is none.
    public func run(_ id: Int) throws -> Run {
        var found: Run?
        try database.forEachRow("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.int(id)]) { row in
            found = try run(from: row)
        }
        guard let found else { throw RunRegistryError.unknownRun(id) }
        return found
    }

    /// A run's metrics in the order they were recorded.
    public func metrics(of runID: Int) throws -> [Metric] {
        var result: [Metric] = []
        try database.forEachRow("""
            SELECT step, epoch, split, name, value FROM run_metrics WHERE run_id = ? ORDER BY rowid
            """, [.int(runID)]) { row in
            result.append(Metric(step: row.int(0), epoch: row.int(1), split: row.text(2), name: row.text(3), value: row.double(4)))
        }
        return result
    }

    /// A run's checkpoints, by step.
    public func checkpoints(of runID: Int) throws -> [Checkpoint] {
        let runFolder = try run(runID).directory
        var result: [Checkpoint] = []
        try database.forEachRow("""
            SELECT step, path, metric, is_best FROM run_checkpoints WHERE run_id = ? ORDER BY step
            """, [.int(runID)]) { row in
            result.append(Checkpoint(step: row.int(0), path: RunPaths.resolved(row.text(1), under: runFolder),
                                     metric: row.isNull(2) ? nil : row.double(2), isBest: row.bool(3)))
        }
        return result
    }

    /// The status a run has as far as anyone can tell: one recorded `running` whose process is
    /// gone (killed, machine lost) is ``Status/interrupted``. Live processes hold the run's
    /// ``RunLock``.
    public func observedStatus(of run: Run) -> Status {
        guard run.status == .running else { return run.status }
        switch RunLock.holder(ofRunIn: run.directory) {
        case .held: return .running
        case .free: return .interrupted
        case .absent:
            // The lock file is made right after the run is recorded; until then, trust the record.
            return Date().timeIntervalSince(run.startedAt) < 10 ? .running : .interrupted
        }
    }

    static let runColumns = """
        id, job_name, job_file, status, started_at, ended_at, machine, seed, resolved_config, directory, error, \
        vocabulary, vocabulary_database, datasets
        """

    func run(from row: Statement) throws -> Run {
        guard let status = Status(rawValue: row.text(3)) else {
            throw RunRegistryError.corrupt("run \(row.int(0)) has unknown status '\(row.text(3))'")
        }
        let pins = row.isNull(11) ? nil : RunPins(vocabulary: row.text(11), vocabularyDatabase: row.text(12),
                                                  datasetsText: row.isNull(13) ? "" : row.text(13))
        return Run(id: row.int(0), jobName: row.text(1), jobFile: row.text(2), status: status,
                   startedAt: Date(timeIntervalSince1970: row.double(4)),
                   endedAt: row.isNull(5) ? nil : Date(timeIntervalSince1970: row.double(5)),
                   machine: row.text(6), seed: UInt64(bitPattern: row.int64(7)), resolvedConfig: row.text(8),
                   directory: RunPaths.resolved(row.text(9), under: folder), error: row.isNull(10) ? nil : row.text(10),
                   pins: pins)
    }

    /// Host name, core count and memory, recorded with each run.
    static var machineDescription: String {
        let info = ProcessInfo.processInfo
        let gib = Double(info.physicalMemory) / 1_073_741_824
        return "\(info.hostName), \(info.activeProcessorCount) cores, \(String(format: "%.0f", gib)) GiB"
    }
}

/// A registry lookup that failed.
public enum RunRegistryError: Error, Equatable, CustomStringConvertible {
    case unknownRun(Int)
    case corrupt(String)
    /// A command that only reads runs found no registry file.
    case noRegistry(String)

    public var description: String {
        switch self {
        case let .unknownRun(id): return "no run \(id); `jikji job list` shows the runs"
        case let .corrupt(what): return "the run registry is inconsistent: \(what)"
        case let .noRegistry(path): return "no run registry at \(path): no job has run there yet (--runs names another runs folder)"
        }
    }
}
