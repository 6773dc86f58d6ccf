import CSQLite

/// A failure reported by SQLite, with everything needed to act on it.
///
/// `code` is the primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …), `extendedCode`
/// the extended one (`SQLITE_CONSTRAINT_UNIQUE`, …), `message` SQLite's own explanation,
/// `sql` the statement that failed (when there was one) and `path` the database file.
public struct SQLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The primary result code (the low 8 bits of `extendedCode`).
    public let code: Int32
    /// The extended result code.
    public let extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`) or a message of this layer.
    public let message: String
    /// The SQL text that failed, if any.
    public let sql: String?
    /// The database file, if known.
    public let path: String?

    /// Makes an error from its parts; `code` is derived from `extendedCode`.
    public init(extendedCode: Int32, message: String, sql: String? = nil, path: String? = nil) {
        self.extendedCode = extendedCode
        self.code = extendedCode & 0xFF
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// SQLite's English name of the primary result code, e.g. "database is locked".
    public var codeDescription: String {
        String(cString: sqlite3_errstr(code))
    }

    /// True when another connection held a lock for longer than the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    /// True when a UNIQUE, PRIMARY KEY, CHECK, NOT NULL or FOREIGN KEY constraint failed.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "SQLite error \(code)"
        if extendedCode != code { text += " (extended \(extendedCode))" }
        text += ": \(message)"
        if let path { text += " in database \(path)" }
        if let sql { text += " while executing `\(sql)`" }
        return text
    }
}
