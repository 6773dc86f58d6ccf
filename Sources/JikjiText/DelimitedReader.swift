/// The two delimited-text formats: tab-separated (no quoting, as NSMC's files) and CSV with
/// RFC 4180 quoting (`"a, b"`, `""` for a quote, fields spanning lines).
public enum DelimitedFormat: String, CaseIterable, Sendable {
    case tsv, csv

    /// The field separator byte.
    public var separator: UInt8 { self == .tsv ? 0x09 : 0x2C }

    /// `csv` for a path ending in `.csv`, else `tsv` (`.tsv`, `.txt`, standard input).
    public static func inferred(fromPath path: String) -> DelimitedFormat {
        path.lowercased().hasSuffix(".csv") ? .csv : .tsv
    }
}

/// One record of a delimited file: its raw bytes, where each field lies in them, and the
/// field values with CSV quoting removed.
public struct DelimitedRecord {
    /// The 1-based line the record starts on.
    public let line: Int
    /// The record's bytes without the final line terminator (a CSV record spanning lines keeps
    /// its inner `\n`).
    public let raw: ArraySlice<UInt8>
    /// Where each field lies in ``raw`` (indices of `raw`), quotes included.
    public let fieldRanges: [Range<Int>]
    /// The format the record was read in (TSV fields are never unquoted).
    public let format: DelimitedFormat
    /// The file the record comes from, for error messages.
    public let file: String

    /// The number of fields.
    public var count: Int { fieldRanges.count }

    /// The value of field `index` (0-based): the raw bytes for TSV and unquoted CSV fields, the
    /// unescaped content for quoted CSV fields.
    public func field(_ index: Int) -> ArraySlice<UInt8> {
        let range = fieldRanges[index]
        let bytes = raw[range]
        guard format == .csv, bytes.first == 0x22, bytes.count >= 2, bytes.last == 0x22 else { return bytes }
        var value = [UInt8]()
        value.reserveCapacity(bytes.count)
        var i = bytes.startIndex + 1
        let last = bytes.endIndex - 1
        while i < last {
            value.append(bytes[i])
            // A doubled quote inside a quoted field stands for one quote.
            i += (bytes[i] == 0x22 && i + 1 < last && bytes[i + 1] == 0x22) ? 2 : 1
        }
        return value[...]
    }

    /// The value of field `index` as a String; throws ``TextInputError`` naming the file, line,
    /// field and byte when it is not well-formed UTF-8.
    public func string(_ index: Int) throws -> String {
        let bytes = field(index)
        if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
            throw TextInputError(.invalidUTF8, file: file, line: line,
                                 "invalid UTF-8 in field \(index + 1) at byte \(offset + 1)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Splits a ``LineReader``'s lines into TSV or CSV records with a header line.
///
/// It reads the header on creation, finds columns by name (``column(named:)``), and checks that
/// every record has as many fields as the header (an error naming the file, the line and both
/// counts), unless ``allowsFieldCountMismatch`` is set, in which case the caller inspects
/// ``DelimitedRecord/count`` itself.
///
/// ```swift
/// var reader = try DelimitedReader(LineReader(path: "reviews_train.tsv"), format: .tsv)
/// let document = try reader.column(named: "document")
/// while let record = try reader.next() { use(record.field(document)) }
/// ```
public struct DelimitedReader {
    /// The column names of the header line.
    public let header: [String]
    /// The format being read.
    public let format: DelimitedFormat
    /// When true, records with a different number of fields than the header are returned as
    /// they are instead of being an error.
    public var allowsFieldCountMismatch = false
    /// The header line's raw bytes (without its terminator or byte-order mark).
    public let headerBytes: [UInt8]
    /// The file name used in errors.
    public var file: String { lines.name }
    /// The line reader underneath (for progress: ``LineReader/bytesRead``).
    public private(set) var lines: LineReader

    /// Reads the header line of `lines`. Throws when the input is empty or the header is not
    /// valid UTF-8 or has an unterminated quote.
    public init(_ lines: LineReader, format: DelimitedFormat) throws {
        self.lines = lines
        self.format = format
        guard let first = try Self.readRecord(from: &self.lines, format: format) else {
            throw TextInputError(.missingHeader, file: lines.name, line: 1,
                                 "the file is empty: expected a header line naming the columns")
        }
        var names = [String]()
        for index in 0..<first.count {
            let bytes = first.field(index)
            if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
                throw TextInputError(.invalidUTF8, file: lines.name, line: first.line,
                                     "invalid UTF-8 in header field \(index + 1) at byte \(offset + 1)")
            }
            names.append(String(decoding: bytes, as: UTF8.self))
        }
        header = names
        headerBytes = Array(first.raw)
    }

    /// The 0-based index of the column called `name`; throws an error naming the file, the
    /// column and the header's columns when there is none.
    public func column(named name: String) throws -> Int {
        if let index = header.firstIndex(of: name) { return index }
        let list = header.map { "'\($0)'" }.joined(separator: ", ")
        throw TextInputError(.missingColumn, file: file, line: 1,
                             "no column '\(name)' in the header (columns: \(list))")
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> DelimitedRecord? {
        guard let record = try Self.readRecord(from: &lines, format: format) else { return nil }
        if !allowsFieldCountMismatch && record.count != header.count {
            throw TextInputError(.fieldCount, file: file, line: record.line,
                                 "expected \(header.count) \(format == .tsv ? "tab-separated " : "")fields "
                                 + "(as in the header) but found \(record.count)")
        }
        return record
    }

    /// Reads one record: one line for TSV; for CSV, as many lines as an open quote spans.
    static func readRecord(from lines: inout LineReader, format: DelimitedFormat) throws -> DelimitedRecord? {
        guard let line = try lines.next() else { return nil }
        let separator = format.separator
        if format == .tsv {
            var ranges = [Range<Int>]()
            var fieldStart = line.bytes.startIndex
            line.bytes.withUnsafeBufferPointer { raw in
                let base = line.bytes.startIndex
                for offset in 0..<raw.count where raw[offset] == separator {
                    ranges.append(fieldStart..<(base + offset))
                    fieldStart = base + offset + 1
                }
            }
            ranges.append(fieldStart..<line.bytes.endIndex)
            return DelimitedRecord(line: line.number, raw: line.bytes, fieldRanges: ranges, format: .tsv, file: lines.name)
        }
        // CSV: parse; when a quote is still open at the end of the line, append the next line.
        var raw = line.bytes
        var joined: [UInt8]? = nil
        while true {
            switch try parseCSV(raw, separator: separator, file: lines.name, line: line.number) {
            case .complete(let ranges):
                return DelimitedRecord(line: line.number, raw: raw, fieldRanges: ranges, format: .csv, file: lines.name)
            case .openQuote:
                guard let more = try lines.next() else {
                    throw TextInputError(.unterminatedQuote, file: lines.name, line: line.number,
                                         "a quoted field opened on this line is never closed")
                }
                var bytes = joined ?? Array(raw)
                bytes.append(0x0A)
                bytes.append(contentsOf: more.bytes)
                joined = bytes
                raw = bytes[...]
            }
        }
    }

    private enum CSVParse { case complete([Range<Int>]), openQuote }

    private static func parseCSV(_ bytes: ArraySlice<UInt8>, separator: UInt8, file: String,
                                 line: Int) throws -> CSVParse {
        var ranges = [Range<Int>]()
        var i = bytes.startIndex
        let end = bytes.endIndex
        while true {
            let fieldStart = i
            if i < end && bytes[i] == 0x22 {
                i += 1
                while true {
                    guard i < end else { return .openQuote }
                    if bytes[i] == 0x22 {
                        if i + 1 < end && bytes[i + 1] == 0x22 { i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                if i < end && bytes[i] != separator {
                    let column = i - bytes.startIndex + 1
                    throw TextInputError(.badQuote, file: file, line: line,
                                         "unexpected character after a closing quote at byte \(column) "
                                         + "(a quote inside a quoted field must be doubled: \"\")")
                }
            } else {
                while i < end && bytes[i] != separator { i += 1 }
            }
            ranges.append(fieldStart..<i)
            if i == end { return .complete(ranges) }
            i += 1  // the separator
        }
    }
}
