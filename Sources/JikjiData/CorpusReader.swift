import Foundation
import JikjiText

/// The layout of a corpus file.
public enum CorpusFormat: String, Codable, Sendable, CaseIterable {
    /// One text per line; the single column is called `text`.
    case lines
    /// Tab-separated values with a header row naming the columns (NSMC: `id<TAB>document<TAB>label`).
    /// No quoting: a field cannot contain a tab or a line break.
    case tsv
    /// Comma-separated values with a header row, RFC 4180 quoting (`"a, ""b"""`), quoted fields
    /// may span lines (the chatbot corpus: `Q,A,label`).
    case csv
    /// One JSON object per line; columns are keys whose values are strings or numbers.
    case jsonl

    /// The format a file name suggests (`.tsv`/`.txt` with tabs are TSV, `.csv`, `.jsonl`), or nil.
    public static func guess(from path: String) -> CorpusFormat? {
        switch (path as NSString).pathExtension.lowercased() {
        case "tsv": return .tsv
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        default: return nil
        }
    }
}

/// Why a row of a corpus was rejected.
public enum BadRowReason: String, Codable, Sendable, CaseIterable, Comparable {
    /// A TSV/CSV row whose number of fields differs from the header's.
    case wrongFieldCount = "wrong field count"
    /// Bytes that are not valid UTF-8.
    case invalidUTF8 = "invalid UTF-8"
    /// A JSONL line that is not a JSON object, or a column missing from it.
    case malformedJSON = "malformed JSON"
    /// A label that is not an integer (or not in a string mapping's keys).
    case unparseableLabel = "unparseable label"
    /// A label the mapping drops on purpose (for example NSMC's ratings 5–8).
    case unmappedLabel = "label not in mapping"
    /// A text (or source/target) column that is empty or only whitespace.
    case emptyText = "empty text"

    public static func < (lhs: BadRowReason, rhs: BadRowReason) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A rejected row: which file, which line, what is wrong.
public struct BadRow: Error, Sendable, Equatable, CustomStringConvertible {
    /// The corpus file, as given.
    public let file: String
    /// The 1-based line number where the row starts.
    public let line: Int
    public let reason: BadRowReason
    /// Details for a human, such as "3 fields, header has 3" or the offending value.
    public let detail: String

    /// A bad row at `file`:`line`.
    public init(file: String, line: Int, reason: BadRowReason, detail: String) {
        self.file = file
        self.line = line
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(file):\(line): \(reason.rawValue): \(detail)" }
}

/// Errors that stop reading a corpus altogether.
public enum CorpusError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case missingHeader(path: String)
    case unknownColumn(path: String, column: String, available: [String])
    case empty(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot read \(path): \(reason)"
        case let .missingHeader(path): return "\(path): the file is empty, expected a header row naming the columns"
        case let .unknownColumn(path, column, available):
            return "\(path): no column named '\(column)'; the columns are \(available.map { "'\($0)'" }.joined(separator: ", "))"
        case let .empty(path): return "\(path): no rows"
        }
    }
}


/// Streams raw lines of a file in fixed-size chunks, hashing the bytes as they pass.
///
/// Never holds the whole file: memory is one chunk plus the longest line.
struct ChunkedLineSource {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    private var hasher = SHA256()
    private(set) var bytesRead = 0
    /// Number of the line last returned by ``nextLine()`` (1-based).
    private(set) var lineNumber = 0
    private let chunkSize: Int

    init(path: String, chunkSize: Int = 1 << 20) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw CorpusError.cannotOpen(path: path, reason: !exists ? "no such file" : isDir.boolValue ? "it is a directory" : "permission denied")
        }
        self.handle = handle
        self.chunkSize = chunkSize
    }

    /// The next line's bytes without its `\n` (and without a `\r` before it), or nil at the end.
    mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                var end = newline
                if end > position, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[position..<end]
                position = newline + 1
                lineNumber += 1
                return line
            }
            if atEOF {
                guard position < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[position..<end]
                position = buffer.count
                lineNumber += 1
                return line
            }
            try refill()
        }
    }

    private mutating func refill() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let chunk: Data?
        do { chunk = try handle.read(upToCount: chunkSize) } catch {
            throw CorpusError.cannotOpen(path: "", reason: "\(error)")
        }
        guard let chunk, !chunk.isEmpty else {
            atEOF = true
            return
        }
        bytesRead += chunk.count
        hasher.update(chunk)
        buffer.append(contentsOf: chunk)
    }

    /// Reads to the end (so the hash covers the whole file) and returns size, line count and hash.
    mutating func finish(path: String) throws -> FileFingerprint {
        while try nextLine() != nil {}
        try? handle.close()
        return FileFingerprint(path: path, bytes: Int64(bytesRead), lines: lineNumber, sha256: hasher.finalizeHex())
    }
}

/// One row of a corpus: the requested columns' values, in the order they were requested.
public struct CorpusRow: Sendable, Equatable {
    /// The 1-based line where the row starts.
    public var line: Int
    public var values: [String]

    /// A row starting at `line` with the requested columns' `values`.
    public init(line: Int, values: [String]) {
        self.line = line
        self.values = values
    }
}

/// Streams the rows of one corpus file, picking named columns, and reports malformed rows.
///
/// ```swift
/// var reader = try CorpusReader(path: "ratings_train.txt", format: .tsv, columns: ["document", "label"])
/// while let row = try reader.next() { … }   // `.success(row)` or `.failure(BadRow)`
/// let fingerprint = try reader.finish()
/// ```
public struct CorpusReader {
    /// The file, its format and the columns picked from each row.
    public let path: String
    public let format: CorpusFormat
    public let columns: [String]
    /// The header's column names (for `lines`: `["text"]`).
    public private(set) var header: [String] = []
    private var source: ChunkedLineSource
    private var indices: [Int] = []
    private let separator: UInt8
    private let absolutePath: String

    /// Opens `path` and, for TSV/CSV, reads the header and resolves `columns` against it.
    /// - Throws: ``CorpusError`` when the file cannot be read, has no header, or lacks a column.
    public init(path: String, format: CorpusFormat, columns: [String]) throws {
        self.path = path
        self.format = format
        self.columns = columns
        source = try ChunkedLineSource(path: path)
        // Provenance records where the file was, independent of the working directory.
        absolutePath = URL(fileURLWithPath: path).standardizedFileURL.path
        separator = format == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t")
        switch format {
        case .lines:
            header = ["text"]
            for column in columns where column != "text" {
                throw CorpusError.unknownColumn(path: path, column: column, available: header)
            }
            indices = columns.map { _ in 0 }
        case .tsv, .csv:
            guard let first = try source.nextLine() else { throw CorpusError.missingHeader(path: path) }
            var bytes = Array(first)
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte-order mark
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CorpusError.cannotOpen(path: path, reason: "the header row is not valid UTF-8")
            }
            if format == .csv {
                var fields: [Substring] = []
                var pending = text[...]
                _ = Self.splitCSV(&pending, into: &fields)
                header = fields.map(String.init)
            } else {
                header = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
            indices = try columns.map { column in
                guard let index = header.firstIndex(of: column) else {
                    throw CorpusError.unknownColumn(path: path, column: column, available: header)
                }
                return index
            }
        case .jsonl:
            break
        }
    }

    /// The next row, or a ``BadRow`` describing why the next row is unusable; nil at the end.
    public mutating func next() throws -> Result<CorpusRow, BadRow>? {
        guard let raw = try source.nextLine() else { return nil }
        let line = source.lineNumber
        switch format {
        case .lines:
            guard let text = String(validating: raw, as: UTF8.self) else { return .failure(invalidUTF8(line, raw)) }
            return .success(CorpusRow(line: line, values: indices.map { _ in text }))
        case .tsv:
            guard let text = String(validating: raw, as: UTF8.self) else { return .failure(invalidUTF8(line, raw)) }
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                return .failure(BadRow(file: path, line: line, reason: .wrongFieldCount,
                                       detail: "\(fields.count) fields, the header has \(header.count)"))
            }
            return .success(CorpusRow(line: line, values: indices.map { String(fields[$0]) }))
        case .csv:
            return try nextCSV(first: raw, line: line)
        case .jsonl:
            return jsonRow(raw, line: line)
        }
    }

    /// Reads the rest of the file and returns its fingerprint (size, lines, SHA-256).
    public mutating func finish() throws -> FileFingerprint {
        try source.finish(path: absolutePath)
    }

    private func invalidUTF8(_ line: Int, _ raw: ArraySlice<UInt8>) -> BadRow {
        var offset = 0
        // Find the first offending byte so the message points at it.
        var iterator = raw.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): consumed += UTF8.width(scalar)
            case .emptyInput: break loop
            case .error: offset = consumed; break loop
            }
        }
        return BadRow(file: path, line: line, reason: .invalidUTF8, detail: "bad byte sequence at byte \(offset + 1) of the line")
    }

    private mutating func nextCSV(first: ArraySlice<UInt8>, line: Int) throws -> Result<CorpusRow, BadRow> {
        var bytes = Array(first)
        var fields: [Substring] = []
        while true {
            guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(invalidUTF8(line, bytes[...])) }
            var rest = text[...]
            fields.removeAll(keepingCapacity: true)
            if Self.splitCSV(&rest, into: &fields) { break }
            // An open quote: the field continues on the next physical line.
            guard let more = try source.nextLine() else {
                return .failure(BadRow(file: path, line: line, reason: .wrongFieldCount,
                                       detail: "a quoted field is not closed before the end of the file"))
            }
            bytes.append(0x0A)
            bytes.append(contentsOf: more)
        }
        guard fields.count == header.count else {
            return .failure(BadRow(file: path, line: line, reason: .wrongFieldCount,
                                   detail: "\(fields.count) fields, the header has \(header.count)"))
        }
        return .success(CorpusRow(line: line, values: indices.map { Self.unquote(fields[$0]) }))
    }

    /// Splits one CSV record into raw fields (still quoted); returns false when a quote is left open.
    static func splitCSV(_ text: inout Substring, into fields: inout [Substring]) -> Bool {
        let utf8 = text.utf8
        var fieldStart = utf8.startIndex
        var index = utf8.startIndex
        var inQuotes = false
        var atFieldStart = true
        while index != utf8.endIndex {
            let byte = utf8[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    let next = utf8.index(after: index)
                    if next != utf8.endIndex, utf8[next] == UInt8(ascii: "\"") {
                        index = utf8.index(after: next)
                        continue
                    }
                    inQuotes = false
                }
            } else if byte == UInt8(ascii: "\""), atFieldStart {
                inQuotes = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(text[fieldStart..<index])
                fieldStart = utf8.index(after: index)
                atFieldStart = true
                index = fieldStart
                continue
            }
            atFieldStart = false
            index = utf8.index(after: index)
        }
        if inQuotes { return false }
        fields.append(text[fieldStart..<utf8.endIndex])
        return true
    }

    /// A CSV field's value: surrounding quotes removed and `""` turned into `"`.
    static func unquote(_ field: Substring) -> String {
        guard field.first == "\"", field.count >= 2, field.last == "\"" else { return String(field) }
        return field.dropFirst().dropLast().replacingOccurrences(of: "\"\"", with: "\"")
    }

    private func jsonRow(_ raw: ArraySlice<UInt8>, line: Int) -> Result<CorpusRow, BadRow> {
        guard String(validating: raw, as: UTF8.self) != nil else { return .failure(invalidUTF8(line, raw)) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed]) } catch {
            return .failure(BadRow(file: path, line: line, reason: .malformedJSON, detail: "not valid JSON"))
        }
        guard let dictionary = object as? [String: Any] else {
            return .failure(BadRow(file: path, line: line, reason: .malformedJSON, detail: "the line is not a JSON object"))
        }
        var values: [String] = []
        values.reserveCapacity(columns.count)
        for column in columns {
            switch dictionary[column] {
            case let string as String: values.append(string)
            case let number as NSNumber:
                // Integers print without a fraction so label mappings see "3", not "3.0".
                let double = number.doubleValue
                if double == double.rounded(), abs(double) < 1e15 { values.append(String(Int64(double))) } else { values.append("\(double)") }
            case nil, is NSNull:
                return .failure(BadRow(file: path, line: line, reason: .malformedJSON, detail: "no key '\(column)'"))
            default:
                return .failure(BadRow(file: path, line: line, reason: .malformedJSON,
                                       detail: "key '\(column)' is neither a string nor a number"))
            }
        }
        return .success(CorpusRow(line: line, values: values))
    }
}
