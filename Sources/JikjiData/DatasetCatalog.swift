import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JikjiSQLite

/// One catalogued dataset: where its shard is and what it holds.
public struct DatasetEntry: Sendable, Equatable {
    /// The dataset's name.
    public var name: String
    /// The shard file's absolute path.
    public var shardPath: String
    /// The provenance and counts stored with it.
    public var info: DatasetInfo
}

/// Errors of the dataset catalog.
public enum DatasetCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String, available: [String])
    case exists(String)
    case missingShard(String, String)
    case noDatabase(String)

    public var description: String {
        switch self {
        case let .unknown(name, available):
            return "no dataset named '\(name)'" + (available.isEmpty ? " (the catalog is empty; build one with `jikji dataset build`)"
                                                    : "; datasets: \(available.joined(separator: ", "))")
        case let .exists(name): return "a dataset named '\(name)' exists already; pass --replace to rebuild it"
        case let .missingShard(name, path): return "dataset '\(name)': its shard \(path) is missing; rebuild the dataset"
        case let .noDatabase(path): return "no Jikji database at \(path); build a dataset first or pass --db PATH"
        }
    }
}

/// The list of encoded datasets, kept in a Jikji SQLite database (by default the vocabulary
/// store's `vocab/jikji.sqlite`, so one file describes vocabularies and the datasets built on them).
///
/// The ids themselves live in shard files (``ShardFile``) beside the database, in `datasets/`:
/// SQLite answers "which datasets, from what, how big" and keeps provenance queryable, while
/// an epoch's ids come from one sequential read of the shard.
public final class DatasetCatalog {
    /// The connection to the Jikji database.
    public let database: Database
    /// Where new shards go: `<database folder>/datasets`.
    public let shardDirectory: String

    static var migrator: Migrator {
        var migrator = Migrator(domain: "datasets")
        // Registration order is fixed here, so this cannot throw.
        try? migrator.register(1, "datasets table") { db in
            try db.execute("""
                CREATE TABLE datasets (
                    name          TEXT PRIMARY KEY,
                    kind          TEXT    NOT NULL,
                    vocabulary    TEXT    NOT NULL,
                    shard         TEXT    NOT NULL,
                    examples      INTEGER NOT NULL,
                    source_tokens INTEGER NOT NULL,
                    target_tokens INTEGER NOT NULL,
                    skipped       INTEGER NOT NULL,
                    created       TEXT    NOT NULL,
                    info          TEXT    NOT NULL
                )
                """)
        }
        return migrator
    }

    /// False only for a read-only catalog whose database has never held a dataset (its
    /// vocabularies' database, before the first `dataset build`): it lists nothing.
    private let hasTables: Bool

    /// Opens the catalog in the database at `path`.
    /// - Parameter create: create the database (and its folder) when missing; reading commands pass
    ///   false so a mistyped `--db` is an error rather than a new empty database.
    /// - Parameter readOnly: open the database read-only (it must exist): what the commands that
    ///   only read use, so that they work on a database the user cannot write, leave no file
    ///   beside it and never migrate it (an out-of-date schema is a ``SchemaError``).
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        if !FileManager.default.fileExists(atPath: path) {
            guard create, !readOnly else { throw DatasetCatalogError.noDatabase(path) }
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        database = try Database(path: path, options: Database.Options(readOnly: readOnly))
        if readOnly, try Self.migrator.appliedVersions(in: database).isEmpty, try !database.tableExists("datasets") {
            try Migrator.checkOwnership(database)
            hasTables = false
        } else {
            try Self.migrator.migrate(database)
            hasTables = true
        }
        shardDirectory = url.deletingLastPathComponent().appendingPathComponent("datasets").path
    }

    /// Writes `dataset`'s shard and records it; `replace` allows overwriting a dataset of the same name.
    ///
    /// Safe against other processes saving the same name at once: the shard is written under a
    /// private temporary name, and only inside the database's write transaction (which one process
    /// holds at a time) is the name checked and the shard renamed into place. Without `replace`
    /// exactly one of them succeeds and the others fail with ``DatasetCatalogError/exists(_:)``,
    /// leaving the winner's shard and entry untouched.
    @discardableResult
    public func save(_ dataset: EncodedDataset, replace: Bool = false) throws -> DatasetEntry {
        let name = dataset.info.name
        guard DatasetBuilder.isValidName(name) else { throw DatasetBuildError.invalidName(name) }
        if !replace, try exists(name) { throw DatasetCatalogError.exists(name) }
        let relative = "datasets/\(name).jkds"
        let shard = (shardDirectory as NSString).appendingPathComponent("\(name).jkds")
        let staged = (shardDirectory as NSString).appendingPathComponent(".\(name).jkds.\(UUID().uuidString).staged")
        try ShardFile.write(dataset, to: staged)
        defer { try? FileManager.default.removeItem(atPath: staged) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let info = String(decoding: try encoder.encode(dataset.info), as: UTF8.self)
        try database.write { db in
            if !replace, try db.scalarInt("SELECT count(*) FROM datasets WHERE name = ?", [.text(name)]) ?? 0 > 0 {
                throw DatasetCatalogError.exists(name)
            }
            if rename(staged, shard) != 0 {
                throw ShardError.io(shard, "cannot move the new shard into place: \(String(cString: strerror(errno)))")
            }
            try db.execute("DELETE FROM datasets WHERE name = ?", [.text(name)])
            try db.execute("""
                INSERT INTO datasets (name, kind, vocabulary, shard, examples, source_tokens, target_tokens, skipped, created, info)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(name), .text(dataset.info.kind.rawValue), .text(dataset.info.vocabulary), .text(relative),
                 .int(dataset.count), .int(dataset.info.sourceTokens), .int(dataset.info.targetTokens),
                 .int(dataset.info.skipped.values.reduce(0, +)), .text(dataset.info.created), .text(info)])
        }
        return DatasetEntry(name: name, shardPath: shard, info: dataset.info)
    }

    /// Whether a dataset called `name` is catalogued.
    public func exists(_ name: String) throws -> Bool {
        guard hasTables else { return false }
        return try database.scalarInt("SELECT count(*) FROM datasets WHERE name = ?", [.text(name)]) ?? 0 > 0
    }

    /// Every dataset, by name.
    public func list() throws -> [DatasetEntry] {
        var entries: [DatasetEntry] = []
        guard hasTables else { return entries }
        try database.forEachRow("SELECT name, shard, info FROM datasets ORDER BY name") { row in
            entries.append(try entry(name: row.text(0), shard: row.text(1), info: row.text(2)))
        }
        return entries
    }

    /// The dataset called `name`.
    public func entry(named name: String) throws -> DatasetEntry {
        var found: DatasetEntry?
        guard hasTables else { throw DatasetCatalogError.unknown(name, available: []) }
        try database.forEachRow("SELECT name, shard, info FROM datasets WHERE name = ?", [.text(name)]) { row in
            found = try entry(name: row.text(0), shard: row.text(1), info: row.text(2))
        }
        guard let found else { throw DatasetCatalogError.unknown(name, available: try list().map(\.name)) }
        return found
    }

    /// Loads the dataset called `name` (its whole shard).
    public func load(_ name: String) throws -> EncodedDataset {
        let entry = try entry(named: name)
        guard FileManager.default.fileExists(atPath: entry.shardPath) else {
            throw DatasetCatalogError.missingShard(name, entry.shardPath)
        }
        return try ShardFile.read(path: entry.shardPath)
    }

    /// Removes the dataset called `name` and its shard.
    public func delete(_ name: String) throws {
        let entry = try entry(named: name)
        try database.write { db in try db.execute("DELETE FROM datasets WHERE name = ?", [.text(name)]) }
        try? FileManager.default.removeItem(atPath: entry.shardPath)
    }

    private func entry(name: String, shard: String, info: String) throws -> DatasetEntry {
        let decoded: DatasetInfo
        do { decoded = try JSONDecoder().decode(DatasetInfo.self, from: Data(info.utf8)) } catch {
            throw ShardError.truncated(database.path, "catalog info of dataset '\(name)': \(error)")
        }
        let base = URL(fileURLWithPath: database.path).deletingLastPathComponent()
        let path = shard.hasPrefix("/") ? shard : base.appendingPathComponent(shard).standardizedFileURL.path
        return DatasetEntry(name: name, shardPath: path, info: decoded)
    }
}
