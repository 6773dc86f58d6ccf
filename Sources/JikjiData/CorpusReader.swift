import Foundation
import JikjiIO

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
    /// A NUL byte in a value read.
    case nulByte = "NUL byte"
    /// A CSV field with text after its closing quote.
    case badQuote = "bad quote"

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

/// Streams the rows of one corpus file for a dataset build: the columns asked for, with every
/// record-level problem of the reader (``TextInputError/Kind/isRecordLevel``) turned into a
/// ``BadRow`` that the build's bad-row policy skips or reports; other problems (no such file,
/// missing column, unterminated quote) are thrown as the reader's ``TextInputError``.
///
/// ```swift
/// var reader = try CorpusReader(path: "ratings_train.txt", format: .tsv, columns: ["document", "label"])
/// while let row = try reader.next() { … }   // `.success(record)` or `.failure(BadRow)`
/// let fingerprint = try reader.finish()
/// ```
public struct CorpusReader {
    /// The file, as given.
    public let path: String
    /// Its format.
    public var format: RecordFormat { records.format }
    /// The header's column names (`["text"]` for lines, empty for JSONL).
    public var header: [String] { records.header }
    private var records: RecordReader

    /// The name rows are reported under: the path, and for a byte range read from the middle
    /// of the file, where the range's lines start (line numbers count from there).
    public var name: String { records.file }
    /// Where the part of a byte range starts in the file (nil without a range or a record).
    public var partStart: Int64? { records.partStart }

    /// Opens `path`, reads its header and resolves `columns` against it; with `byteRange`, only
    /// the records starting in that range of the file are read (a shard's share).
    public init(path: String, format: RecordFormat, columns: [String], byteRange: Range<Int64>? = nil) throws {
        self.path = path
        records = try RecordReader(path: path, format: format, columns: columns, byteRange: byteRange)
    }

    /// The next row, or a ``BadRow`` describing why the next row is unusable; nil at the end.
    public mutating func next() throws -> Result<RecordReader.Record, BadRow>? {
        do {
            guard let record = try records.next() else { return nil }
            return .success(record)
        } catch let error as TextInputError where error.kind.isRecordLevel {
            return .failure(BadRow(file: name, line: error.line ?? 0, reason: Self.reason(error.kind),
                                   detail: error.message))
        }
    }

    /// Reads the rest of the file and returns its fingerprint (size, lines, SHA-256), recorded
    /// under the file's absolute path, independent of the working directory.
    public mutating func finish() throws -> FileFingerprint {
        try records.finish(path: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    private static func reason(_ kind: TextInputError.Kind) -> BadRowReason {
        switch kind {
        case .invalidUTF8: return .invalidUTF8
        case .nulByte: return .nulByte
        case .badQuote: return .badQuote
        case .malformedJSON: return .malformedJSON
        default: return .wrongFieldCount
        }
    }
}
