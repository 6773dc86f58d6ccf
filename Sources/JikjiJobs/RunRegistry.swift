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
        /// Where the run keeps its checkpoints and report.
        public let directory: String

        /// A run as stored in the registry.
        public init(id: Int, jobName: String, jobFile: String, status: Status, startedAt: Date, endedAt: Date?,
                    machine: String, seed: UInt64, resolvedConfig: String, directory: String) {
            self.id = id; self.jobName = jobName; self.jobFile = jobFile; self.status = status
            self.startedAt = startedAt; self.endedAt = endedAt; self.machine = machine; self.seed = seed
            self.resolvedConfig = resolvedConfig; self.directory = directory
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

    /// Opens (creating and migrating when needed) the registry at `path`.
    public init(path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        database = try Database(path: path)
        _ = try Self.migrator.migrate(database)
    }

    static let migrator: Migrator = {
        var m = Migrator(domain: "runs")
        // Registration order is fixed in source; a failure here is a programming error caught by tests.
        try? m.register(1, "runs, metrics, checkpoints") { db in
            try db.execute("""
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    job_name TEXT NOT NULL,
                    job_file TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    machine TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    resolved_config TEXT NOT NULL,
                    directory TEXT NOT NULL
                );
                CREATE TABLE run_metrics (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    split TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    recorded_at REAL NOT NULL
                );
                CREATE INDEX run_metrics_by_run ON run_metrics(run_id, step);
                CREATE TABLE run_checkpoints (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    metric REAL,
                    is_best INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (run_id, step)
                );
                """)
        }
        return m
    }()

    /// Records a new run in status `running` and returns its id.
    public func startRun(jobName: String, jobFile: String, seed: UInt64, resolvedConfig: String,
                         directory: (Int) -> String, at date: Date = Date()) throws -> Run {
        let id = try database.write { db -> Int in
            try db.execute("""
                INSERT INTO runs (job_name, job_file, status, started_at, machine, seed, resolved_config, directory)
                VALUES (?, ?, 'running', ?, ?, ?, ?, '')
                """, [.text(jobName), .text(jobFile), .real(date.timeIntervalSince1970),
                      .text(Self.machineDescription), .integer(Int64(bitPattern: seed)), .text(resolvedConfig)])
            let id = Int(db.lastInsertRowID)
            try db.execute("UPDATE runs SET directory = ? WHERE id = ?", [.text(directory(id)), .int(id)])
            return id
        }
        return try run(id)
    }

    /// Sets a run's status; terminal statuses also set its end time.
    public func setStatus(_ status: Status, of runID: Int, at date: Date = Date()) throws {
        try database.write { db in
            try db.execute("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?",
                           [.text(status.rawValue), status == .running ? .null : .real(date.timeIntervalSince1970), .int(runID)])
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

    /// Records a checkpoint (replacing one at the same step); when `isBest`, it becomes the only best one.
    public func record(_ checkpoint: Checkpoint, for runID: Int, at date: Date = Date()) throws {
        try database.write { db in
            if checkpoint.isBest {
                try db.execute("UPDATE run_checkpoints SET is_best = 0 WHERE run_id = ?", [.int(runID)])
            }
            try db.execute("""
                INSERT OR REPLACE INTO run_checkpoints (run_id, step, path, metric, is_best, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, [.int(runID), .int(checkpoint.step), .text(checkpoint.path),
                      checkpoint.metric.map { .real($0) } ?? .null, .bool(checkpoint.isBest), .real(date.timeIntervalSince1970)])
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
            result.append(try Self.run(from: row))
        }
        return result
    }

    /// One run by id; throws ``RunRegistryError/unknownRun(_:)`` when there is none.
    public func run(_ id: Int) throws -> Run {
        var found: Run?
        try database.forEachRow("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.int(id)]) { row in
            found = try Self.run(from: row)
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
        var result: [Checkpoint] = []
        try database.forEachRow("""
            SELECT step, path, metric, is_best FROM run_checkpoints WHERE run_id = ? ORDER BY step
            """, [.int(runID)]) { row in
            result.append(Checkpoint(step: row.int(0), path: row.text(1), metric: row.isNull(2) ? nil : row.double(2),
                                     isBest: row.bool(3)))
        }
        return result
    }

    static let runColumns = "id, job_name, job_file, status, started_at, ended_at, machine, seed, resolved_config, directory"

    static func run(from row: Statement) throws -> Run {
        guard let status = Status(rawValue: row.text(3)) else {
            throw RunRegistryError.corrupt("run \(row.int(0)) has unknown status '\(row.text(3))'")
        }
        return Run(id: row.int(0), jobName: row.text(1), jobFile: row.text(2), status: status,
                   startedAt: Date(timeIntervalSince1970: row.double(4)),
                   endedAt: row.isNull(5) ? nil : Date(timeIntervalSince1970: row.double(5)),
                   machine: row.text(6), seed: UInt64(bitPattern: row.int64(7)), resolvedConfig: row.text(8),
                   directory: row.text(9))
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

    public var description: String {
        switch self {
        case let .unknownRun(id): return "no run \(id); `jikji job list` shows the runs"
        case let .corrupt(what): return "the run registry is inconsistent: \(what)"
        }
    }
}
