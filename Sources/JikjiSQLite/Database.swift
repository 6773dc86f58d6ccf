import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One connection to an SQLite database file.
///
/// Opened in WAL mode with a busy timeout, so several processes can read while one writes
/// and a second writer waits for the first instead of failing at once. Foreign keys are
/// enforced. Every change users depend on goes through ``write(_:)``: one `BEGIN IMMEDIATE`
/// transaction that commits when the closure returns and rolls back when it throws, so an
/// error or an interrupted process never leaves half of a change behind.
///
/// A connection is not meant to be shared between threads; open one per thread.
public final class Database {
    /// How to open a database.
    public struct Options: Sendable {
        /// Open read-only: no file is created (nor a -wal or -shm beside it), the journal mode
        /// is left as it is, and a schema that needs migrating is an error
        /// (``SchemaError/upgradeNeeded(path:domain:databaseVersion:knownVersion:)``).
        public var readOnly: Bool
        /// Create the file when it does not exist (ignored when `readOnly`).
        public var create: Bool
        /// How long a statement waits for another connection's lock, in milliseconds.
        public var busyTimeoutMilliseconds: Int
        /// Switch the database to write-ahead logging.
        public var walMode: Bool

        /// Read-write, created when missing, WAL mode, 10 s busy timeout.
        public init(readOnly: Bool = false, create: Bool = true,
                    busyTimeoutMilliseconds: Int = 10_000, walMode: Bool = true) {
            self.readOnly = readOnly
            self.create = create
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.walMode = walMode
        }
    }

    /// The raw connection handle, for calls this layer does not wrap.
    public let handle: OpaquePointer
    /// The path this connection was opened with (":memory:" for an in-memory database).
    public let path: String

    /// Opens (and by default creates) the database at `path`.
    ///
    /// Throws ``SQLiteError`` when the file cannot be opened or is not an SQLite database
    /// (`SQLITE_NOTADB`, detected here by reading the schema rather than at first use).
    public init(path: String, options: Options = Options()) throws {
        var flags = options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if options.create && !options.readOnly { flags |= SQLITE_OPEN_CREATE }
        // Connections are used from one thread each; no per-call mutex is needed.
        flags |= SQLITE_OPEN_NOMUTEX
        let onDisk = path != ":memory:" && !path.isEmpty
        // Read-only, with no -wal or -shm beside the file: no writer has the database open and
        // every commit is in the file itself. A WAL-mode reader would create both files (and, as
        // it may not checkpoint, leave them), so read the file as immutable: nothing appears
        // beside it. With a -wal present (a writer is at work, or one died), read through it.
        // (An immutable read takes no lock: a writer starting during it is not held back, and
        // a checkpoint of that writer may show the reader an error; the file is never touched.)
        let quiet = options.readOnly && onDisk && !Self.hasWALFiles(path)
        var db = quiet ? try Self.connect(Self.immutableURI(path), flags: flags | SQLITE_OPEN_URI, reportedPath: path)
                       : try Self.connect(path, flags: flags)
        if options.readOnly, onDisk, !quiet {
            // A WAL database in a read-only folder or on read-only media cannot get its shared-memory
            // file, and SQLite then refuses even to read it: read it as immutable instead (nothing
            // can change it there anyway).
            let rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
            if rc != SQLITE_OK, [SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR].contains(rc & 0xFF) {
                sqlite3_close_v2(db)
                db = try Self.connect(Self.immutableURI(path), flags: flags | SQLITE_OPEN_URI, reportedPath: path)
            }
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: options.busyTimeoutMilliseconds))
        // sqlite3_open succeeds on any file; reading the schema is what detects a non-database.
        _ = try scalarInt("SELECT count(*) FROM sqlite_master")
        try execute("PRAGMA foreign_keys = ON")
        if options.walMode && !options.readOnly && path != ":memory:" && !path.isEmpty {
            let mode = try switchToWAL(timeoutMilliseconds: options.busyTimeoutMilliseconds)
            if mode?.lowercased() != "wal" {
                throw SQLiteError(extendedCode: SQLITE_ERROR,
                                  message: "could not switch to WAL journal mode (got \(mode ?? "nothing"))",
                                  sql: "PRAGMA journal_mode = WAL", path: path)
            }
            // WAL makes NORMAL durable across application crashes; only power loss may lose the last commit.
            try execute("PRAGMA synchronous = NORMAL")
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Opens a connection with `flags`; `reportedPath` names the file in errors.
    private static func connect(_ path: String, flags: Int32, reportedPath: String? = nil) throws -> OpaquePointer {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(extendedCode: rc, message: "cannot open: \(message)", path: reportedPath ?? path)
        }
        return db
    }

    /// Whether a `-wal` or `-shm` file lies beside the database at `path`.
    static func hasWALFiles(_ path: String) -> Bool {
        var info = stat()
        return stat(path + "-wal", &info) == 0 || stat(path + "-shm", &info) == 0
    }

    /// True when this connection cannot write: opened read-only, or a file SQLite could only
    /// open for reading.
    public var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// `file:PATH?immutable=1`, the path's `%`, `?` and `#` escaped as a URI needs.
    static func immutableURI(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var escaped: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                escaped += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                escaped.append(byte)
            }
        }
        return "file:" + String(decoding: escaped, as: UTF8.self) + "?immutable=1"
    }

    /// `PRAGMA journal_mode = WAL`, retried while another connection holds the lock it needs.
    ///
    /// Changing the journal mode takes an exclusive lock without calling the busy handler, so
    /// two processes opening a new database at once would otherwise see `SQLITE_BUSY` at once.
    /// A database already in WAL mode needs no change (the mode is persistent).
    private func switchToWAL(timeoutMilliseconds: Int) throws -> String? {
        if try scalarText("PRAGMA journal_mode")?.lowercased() == "wal" { return "wal" }
        var waited = 0
        while true {
            do {
                return try scalarText("PRAGMA journal_mode = WAL")
            } catch let error as SQLiteError where error.isBusy && waited < timeoutMilliseconds {
                sqlite3_sleep(10)
                waited += 10
            }
        }
    }

    /// An error for result code `code`, with this connection's current message.
    func error(code: Int32, sql: String?) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        let message = String(cString: sqlite3_errmsg(handle))
        // The connection's extended code belongs to the last failing call; keep the caller's if they disagree.
        let useExtended = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return SQLiteError(extendedCode: useExtended, message: message, sql: sql, path: path)
    }

    // MARK: Statements

    /// Prepares one SQL statement.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// Runs a script of one or more statements without bindings (schema, pragmas).
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql, path: path)
        }
    }

    /// Runs one statement with `values` bound to its parameters.
    public func execute(_ sql: String, _ values: [SQLiteValue]) throws {
        try prepare(sql).run(values)
    }

    /// Calls `body` for every row of a query.
    public func forEachRow(_ sql: String, _ values: [SQLiteValue] = [],
                           _ body: (Statement) throws -> Void) throws {
        try prepare(sql).forEachRow(values, body)
    }

    /// The first column of the first row as an integer, or nil when there is no row or it is NULL.
    public func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int? {
        let statement = try prepare(sql)
        var result: Int?
        try statement.forEachRow(values) { row in
            if result == nil, !row.isNull(0) { result = row.int(0) }
        }
        return result
    }

    /// The first column of the first row as text, or nil when there is no row or it is NULL.
    public func scalarText(_ sql: String, _ values: [SQLiteValue] = []) throws -> String? {
        let statement = try prepare(sql)
        var result: String?
        var seen = false
        try statement.forEachRow(values) { row in
            if !seen { seen = true; result = row.optionalText(0) }
        }
        return result
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns,
    /// rolled back when it throws (the error is rethrown).
    ///
    /// `IMMEDIATE` takes the write lock up front, so a concurrent writer waits (up to the busy
    /// timeout) at `BEGIN` rather than failing later with a deadlock between two readers that
    /// both want to upgrade. Nested calls run inside the outer transaction as a savepoint.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try execute("BEGIN IMMEDIATE")
        let result: T
        do {
            result = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            rollbackQuietly()
            throw error
        }
        return result
    }

    /// Runs `body` in a read transaction, so all its queries see one consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        if isInTransaction { return try body(self) }
        try execute("BEGIN DEFERRED")
        defer { rollbackQuietly() }
        return try body(self)
    }

    private var savepointDepth = 0

    private func savepoint<T>(_ body: (Database) throws -> T) throws -> T {
        savepointDepth += 1
        let name = "jikji_sp\(savepointDepth)"
        defer { savepointDepth -= 1 }
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body(self)
            try execute("RELEASE \(name)")
            return result
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    private func rollbackQuietly() {
        // SQLite may already have rolled back (e.g. after SQLITE_FULL); then ROLLBACK fails harmlessly.
        if isInTransaction { try? execute("ROLLBACK") }
    }

    // MARK: Header fields

    /// `PRAGMA application_id`: a 32-bit number identifying the application that owns the file.
    public func applicationID() throws -> Int32 {
        Int32(truncatingIfNeeded: try scalarInt("PRAGMA application_id") ?? 0)
    }

    /// Sets `PRAGMA application_id`.
    public func setApplicationID(_ id: Int32) throws {
        try execute("PRAGMA application_id = \(id)")
    }

    /// True when the named table exists.
    public func tableExists(_ name: String) throws -> Bool {
        try scalarInt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) != nil
    }

    /// The version of the linked SQLite library, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
