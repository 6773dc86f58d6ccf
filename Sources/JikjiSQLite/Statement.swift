import CSQLite

/// SQLite copies bound text and blobs before `sqlite3_bind_*` returns when given this destructor.
let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement of one ``Database``.
///
/// Bind parameters (1-based, as in SQLite), then `step()` through the rows and read columns
/// (0-based) with the typed readers. A statement can be `reset()` and run again with new
/// bindings, which is how bulk inserts avoid re-parsing the SQL for every row.
/// Not thread-safe: use a statement from one thread at a time.
public final class Statement {
    /// The underlying handle; valid until this object is deinitialized.
    public let handle: OpaquePointer
    /// The SQL text this statement was prepared from, for error messages.
    public let sql: String
    /// The connection that prepared it (kept alive as long as the statement).
    public let database: Database

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        // `tail` points into the C string SQLite parsed, so it is read inside `withCString`: a
        // String passed straight to the call becomes a temporary freed when the call returns,
        // and reading `tail` after that read freed memory (an intermittent false "more than
        // one statement" error, seen in a debug test run).
        // What follows the first statement is blank when SQLite finds no statement in it
        // (only blanks, semicolons and comments): it says so by preparing a null statement.
        let (rc, restIsBlank) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(database.handle, text, -1, &stmt, &tail)
            guard rc == SQLITE_OK, let tail, tail.pointee != 0 else { return (rc, true) }
            var next: OpaquePointer?
            let nextRC = sqlite3_prepare_v2(database.handle, tail, -1, &next, nil)
            if let next { sqlite3_finalize(next) }
            return (rc, nextRC == SQLITE_OK && next == nil)
        }
        guard rc == SQLITE_OK, let stmt else {
            throw database.error(code: rc, sql: sql)
        }
        // Several statements in one string would silently run only the first one.
        if !restIsBlank {
            sqlite3_finalize(stmt)
            throw SQLiteError(extendedCode: SQLITE_MISUSE,
                              message: "more than one statement in a prepared SQL string; use execute(_:) for scripts",
                              sql: sql, path: database.path)
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// The number of `?` parameters.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    // MARK: Binding

    /// Binds `value` to the 1-based parameter `index`.
    public func bind(_ value: SQLiteValue, at index: Int) throws {
        let i = Int32(index)
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(handle, i)
        case let .integer(v):
            rc = sqlite3_bind_int64(handle, i, v)
        case let .real(v):
            rc = sqlite3_bind_double(handle, i, v)
        case let .text(v):
            rc = bindText(v, at: i)
        case let .blob(bytes):
            rc = bindBlob(bytes, at: i)
        }
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ value: Int, at index: Int) throws {
        let rc = sqlite3_bind_int64(handle, Int32(index), Int64(value))
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds text to the 1-based parameter `index`.
    public func bind(_ value: String, at index: Int) throws {
        let rc = bindText(value, at: Int32(index))
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds a blob to the 1-based parameter `index`.
    public func bind(blob bytes: [UInt8], at index: Int) throws {
        let rc = bindBlob(bytes, at: Int32(index))
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds a 64-bit integer to the 1-based parameter `index`.
    public func bind(_ value: Int64, at index: Int) throws {
        let rc = sqlite3_bind_int64(handle, Int32(index), value)
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds a double to the 1-based parameter `index`.
    public func bind(_ value: Double, at index: Int) throws {
        let rc = sqlite3_bind_double(handle, Int32(index), value)
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds NULL to the 1-based parameter `index`.
    public func bindNull(at index: Int) throws {
        let rc = sqlite3_bind_null(handle, Int32(index))
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds bytes to the 1-based parameter `index` without building an array first
    /// (SQLite copies them before returning), e.g. a slice of a large id buffer.
    public func bind(bytes: UnsafeRawBufferPointer, at index: Int) throws {
        let rc: Int32
        if let base = bytes.baseAddress, bytes.count > 0 {
            rc = sqlite3_bind_blob64(handle, Int32(index), base, sqlite3_uint64(bytes.count), transientDestructor)
        } else {
            rc = sqlite3_bind_zeroblob(handle, Int32(index), 0)
        }
        guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
    }

    /// Binds `values` to parameters 1…n; the count must match the statement's parameters.
    public func bind(_ values: [SQLiteValue]) throws {
        guard values.count == parameterCount else {
            throw SQLiteError(extendedCode: SQLITE_RANGE,
                              message: "\(values.count) values bound to a statement with \(parameterCount) parameters",
                              sql: sql, path: database.path)
        }
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    private func bindText(_ value: String, at i: Int32) -> Int32 {
        var value = value
        return value.withUTF8 { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                // A NULL pointer would bind SQL NULL; "" must stay an empty string.
                return sqlite3_bind_text(handle, i, "", 0, transientDestructor)
            }
            // Explicit byte count: text may contain NUL, which C-string binding would cut at.
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                sqlite3_bind_text(handle, i, $0, Int32(buffer.count), transientDestructor)
            }
        }
    }

    private func bindBlob(_ bytes: [UInt8], at i: Int32) -> Int32 {
        if bytes.isEmpty { return sqlite3_bind_zeroblob(handle, i, 0) }
        return bytes.withUnsafeBytes { raw in
            sqlite3_bind_blob(handle, i, raw.baseAddress, Int32(raw.count), transientDestructor)
        }
    }

    /// Resets the statement so it can run again, and clears its bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is available, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion (for INSERT/UPDATE/DELETE), then resets it.
    public func run(_ values: [SQLiteValue] = []) throws {
        sqlite3_reset(handle)
        if !values.isEmpty || parameterCount > 0 { try bind(values) }
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Calls `body` for every row, after binding `values`; resets the statement afterwards.
    public func forEachRow(_ values: [SQLiteValue] = [], _ body: (Statement) throws -> Void) throws {
        sqlite3_reset(handle)
        if !values.isEmpty || parameterCount > 0 { try bind(values) }
        defer { sqlite3_reset(handle) }
        while try step() { try body(self) }
    }

    // MARK: Columns (0-based)

    /// The number of result columns.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of result column `index`.
    public func columnName(_ index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    /// True when column `index` of the current row is NULL.
    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    /// Column `index` as a 64-bit integer (NULL reads as 0).
    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

    /// Column `index` as an `Int` (NULL reads as 0).
    public func int(_ index: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(index))) }

    /// Column `index` as an `Int`, or nil when NULL.
    public func optionalInt(_ index: Int) -> Int? { isNull(index) ? nil : int(index) }

    /// Column `index` as a `Double` (NULL reads as 0).
    public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    /// Column `index` as a boolean (non-zero is true).
    public func bool(_ index: Int) -> Bool { int64(index) != 0 }

    /// Column `index` as UTF-8 text (NULL reads as "").
    public func text(_ index: Int) -> String {
        withText(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Column `index` as text, or nil when NULL.
    public func optionalText(_ index: Int) -> String? { isNull(index) ? nil : text(index) }

    /// Calls `body` with the UTF-8 bytes of column `index` without copying them into a `String`.
    /// The buffer is valid only during the call.
    public func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let i = Int32(index)
        // sqlite3_column_text must come before sqlite3_column_bytes (it may convert the value).
        let pointer = sqlite3_column_text(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// Column `index` as bytes (NULL reads as empty).
    public func blob(_ index: Int) -> [UInt8] {
        withBlob(index) { Array($0) }
    }

    /// Calls `body` with the bytes of column `index` without copying; valid only during the call.
    public func withBlob<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let i = Int32(index)
        let pointer = sqlite3_column_blob(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// Column `index` in its own storage class.
    public func value(_ index: Int) -> SQLiteValue {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(text(index))
        case SQLITE_BLOB: return .blob(blob(index))
        default: return .null
        }
    }
}
