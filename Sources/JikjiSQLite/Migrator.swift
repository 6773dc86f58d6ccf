import CSQLite

/// The schema of a database cannot be used by this build of Jikji.
public enum SchemaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is an SQLite database made by something else (or an older unrelated tool).
    case notJikjiDatabase(path: String, reason: String)
    /// The database was migrated by a newer Jikji: it holds migrations this build does not know.
    case newerSchema(path: String, domain: String, knownVersion: Int, databaseVersion: Int)
    /// Two migrations of one migrator were registered with the same number, or out of order.
    case invalidMigrationOrder(domain: String, version: Int)
    /// A read-only connection met a schema older than this build's: only a command that writes
    /// may upgrade it.
    case upgradeNeeded(path: String, domain: String, databaseVersion: Int, knownVersion: Int)

    public var description: String {
        switch self {
        case let .notJikjiDatabase(path, reason):
            return "\(path) is not a Jikji database (\(reason)); pass a different --db path or remove the file"
        case let .newerSchema(path, domain, known, found):
            return "\(path) was written by a newer Jikji: its \(domain) schema is at version \(found), "
                + "this build knows up to \(known); upgrade jikji to open it"
        case let .invalidMigrationOrder(domain, version):
            return "migration \(version) of \(domain) is registered twice or out of order"
        case let .upgradeNeeded(path, domain, found, known):
            return "\(path): its \(domain) schema is at version \(found) and this build needs version \(known); "
                + "a command that only reads opens it read-only and cannot upgrade it: run a command that writes "
                + "to it first (e.g. jikji vocab import, jikji dataset build, jikji job run) with write access "
                + "to the file and its folder"
        }
    }
}

/// Numbered, run-once schema migrations recorded in the database itself.
///
/// Each migrator owns a `domain` (e.g. "vocab", "datasets"), so several parts of Jikji can keep
/// their tables in one file and evolve independently. Applied migrations are recorded in
/// `jikji_migrations(domain, version, name, applied_at)`; `migrate(_:)` runs the missing ones in
/// order, each in its own transaction together with its record, so a failing migration leaves
/// the schema as it was. The file is marked with Jikji's `application_id`, which is how a
/// foreign SQLite file is told apart from an empty or a Jikji one.
public struct Migrator: Sendable {
    /// `PRAGMA application_id` of every Jikji database: the ASCII bytes "JKJI".
    public static let applicationID: Int32 = 0x4A4B_4A49

    /// One schema step.
    public struct Migration: Sendable {
        /// Its number; migrations run in ascending order and each number runs once.
        public let version: Int
        /// A short description, recorded with the version.
        public let name: String
        /// Changes the schema; runs inside a transaction.
        public let body: @Sendable (Database) throws -> Void
    }

    /// The schema family these migrations belong to.
    public let domain: String
    /// The registered migrations, in ascending version order.
    public private(set) var migrations: [Migration] = []

    /// A migrator with no migrations yet for `domain`.
    public init(domain: String) {
        self.domain = domain
    }

    /// Adds migration `version`; versions must be registered in strictly ascending order.
    public mutating func register(_ version: Int, _ name: String, _ body: @escaping @Sendable (Database) throws -> Void) throws {
        if let last = migrations.last, last.version >= version {
            throw SchemaError.invalidMigrationOrder(domain: domain, version: version)
        }
        migrations.append(Migration(version: version, name: name, body: body))
    }

    /// The highest version this build knows (0 when none is registered).
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The versions already applied to `db` for this domain, ascending.
    public func appliedVersions(in db: Database) throws -> [Int] {
        guard try db.tableExists("jikji_migrations") else { return [] }
        var versions: [Int] = []
        try db.forEachRow("SELECT version FROM jikji_migrations WHERE domain = ? ORDER BY version",
                          [.text(domain)]) { versions.append($0.int(0)) }
        return versions
    }

    /// Checks that `db` is an empty or Jikji database whose schema is not newer than this build's,
    /// then applies every missing migration. Returns the versions it applied.
    ///
    /// On a read-only connection nothing is written: an out-of-date schema throws
    /// ``SchemaError/upgradeNeeded(path:domain:databaseVersion:knownVersion:)``.
    ///
    /// Safe to call from several processes at once: the check and the migrations run under the
    /// write lock, so a second process sees the first one's work and applies nothing.
    @discardableResult
    public func migrate(_ db: Database) throws -> [Int] {
        // Fast path without the write lock: an up-to-date database (the usual case for every
        // command after the first) is only read, so readers never queue behind a writer here.
        if try db.read({ db in try isUpToDate(db) }) { return [] }
        // A read-only connection never changes the file: it reports the missing versions.
        if db.isReadOnly {
            throw SchemaError.upgradeNeeded(path: db.path, domain: domain,
                                            databaseVersion: try appliedVersions(in: db).last ?? 0,
                                            knownVersion: latestVersion)
        }
        return try db.write { db in
            try Self.checkOwnership(db)
            try db.execute("""
                CREATE TABLE IF NOT EXISTS jikji_migrations (
                    domain     TEXT    NOT NULL,
                    version    INTEGER NOT NULL,
                    name       TEXT    NOT NULL,
                    applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    PRIMARY KEY (domain, version)
                ) WITHOUT ROWID
                """)
            if try db.applicationID() != Self.applicationID {
                try db.setApplicationID(Self.applicationID)
            }
            let applied = Set(try appliedVersions(in: db))
            if let newest = applied.max(), newest > latestVersion {
                throw SchemaError.newerSchema(path: db.path, domain: domain,
                                              knownVersion: latestVersion, databaseVersion: newest)
            }
            var ran: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                // A savepoint per migration: a failure names the migration and undoes only its part.
                try db.write { db in
                    try migration.body(db)
                    try db.execute("INSERT INTO jikji_migrations (domain, version, name) VALUES (?, ?, ?)",
                                   [.text(domain), .int(migration.version), .text(migration.name)])
                }
                ran.append(migration.version)
            }
            return ran
        }
    }

    /// True when `db` is a Jikji database holding exactly this migrator's migrations; throws when
    /// it is foreign or newer.
    private func isUpToDate(_ db: Database) throws -> Bool {
        try Self.checkOwnership(db)
        let applied = try appliedVersions(in: db)
        if let newest = applied.last, newest > latestVersion {
            throw SchemaError.newerSchema(path: db.path, domain: domain,
                                          knownVersion: latestVersion, databaseVersion: newest)
        }
        return try db.applicationID() == Self.applicationID && applied == migrations.map(\.version)
    }

    /// Throws ``SchemaError/notJikjiDatabase(path:reason:)`` unless `db` is empty or marked as Jikji's.
    public static func checkOwnership(_ db: Database) throws {
        let id = try db.applicationID()
        if id == applicationID { return }
        if id != 0 {
            let hex = String(UInt32(bitPattern: id), radix: 16)
            throw SchemaError.notJikjiDatabase(path: db.path, reason: "its application_id is 0x\(hex)")
        }
        let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
        if tables > 0 {
            throw SchemaError.notJikjiDatabase(path: db.path,
                                               reason: "it holds \(tables) tables or indexes but no Jikji marker")
        }
    }
}
