#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a file or standard input as ``RecordBlock``s: big chunks of whole records, for
/// consumers that process them on all cores. Every reader of the package frames records here.
///
/// It drops a UTF-8 byte-order mark at the start, ends records at `\n` (a `\r` before it is not
/// part of the record), keeps CSV quoted fields that span lines in one record (an unterminated
/// quote is an error naming its line), and, for TSV and CSV, reads the header line on creation.
/// A record longer than the block grows the buffer, up to ``maximumRecordLength``.
///
/// ```swift
/// var reader = try RecordBlockReader(path: "reviews_train.tsv", format: .tsv)
/// let document = try reader.columns(["document"])
/// while let block = try reader.next() { … block.records … }
/// ```
public struct RecordBlockReader {
    /// The name used in errors: the path as given (`-` for standard input).
    public let name: String
    /// The format the records are framed in.
    public let format: RecordFormat
    /// Column names of the header line (TSV, CSV); `["text"]` for lines; empty for JSONL.
    public private(set) var header: [String] = []
    /// The header line's bytes (without its terminator or byte-order mark); empty without one.
    public private(set) var headerBytes: [UInt8] = []
    /// Records longer than this many bytes are an error (``TextInputError/Kind/lineTooLong``).
    public let maximumRecordLength: Int
    /// Bytes handed out in blocks so far (for progress).
    public private(set) var bytesRead = 0
    /// Physical lines handed out in blocks so far, the header's included.
    public private(set) var lineCount = 0
    /// Whether the input started with a UTF-8 byte-order mark (which no record contains).
    public private(set) var hadByteOrderMark = false
    /// Whether the last line ended without a newline.
    public private(set) var missingFinalNewline = false
    /// The size of the input in bytes when it is a regular file, else nil.
    public var inputSize: Int? { source.size }

    private let source: InputDescriptor
    private var buffer: [UInt8]
    private var filled = 0
    private var atEnd = false
    private var atStart = true
    private var pending: RecordBlock?

    /// Opens `path` (`-`: standard input) and, for TSV and CSV, reads the header line.
    /// Throws ``TextInputError`` when the file cannot be opened, is empty where a header is
    /// needed, or its header is not UTF-8 or has a bad quote.
    public init(path: String, format: RecordFormat, blockSize: Int = 8 << 20,
                maximumRecordLength: Int = 1 << 28) throws {
        try self.init(source: InputDescriptor(path: path), name: path, format: format, blockSize: blockSize,
                      maximumRecordLength: maximumRecordLength)
    }

    /// Reads an open descriptor (not closed by the reader), named `name` in errors.
    public init(descriptor: Int32, name: String, format: RecordFormat, blockSize: Int = 8 << 20,
                maximumRecordLength: Int = 1 << 28) throws {
        try self.init(source: InputDescriptor(descriptor: descriptor, closesOnDeinit: false), name: name,
                      format: format, blockSize: blockSize, maximumRecordLength: maximumRecordLength)
    }

    private init(source: InputDescriptor, name: String, format: RecordFormat, blockSize: Int,
                 maximumRecordLength: Int) throws {
        self.source = source
        self.name = name
        self.format = format
        self.maximumRecordLength = maximumRecordLength
        buffer = [UInt8](repeating: 0, count: max(blockSize, 16))
        switch format {
        case .lines: header = [RecordFormat.linesColumn]
        case .jsonl: header = []
        case .tsv, .csv: try readHeader()
        }
    }

    /// The header's column names resolved into a ``ColumnSelection`` (see there).
    public func columns(_ names: [String]) throws -> ColumnSelection {
        try ColumnSelection(names, header: header, format: format, file: name)
    }

    /// The next block of whole records, or nil at the end of the input.
    public mutating func next() throws -> RecordBlock? {
        if let block = pending {
            pending = nil
            return block
        }
        while true {
            if !atEnd && filled < buffer.count {
                let n = try source.read(into: &buffer, from: filled, name: name, line: lineCount + 1)
                if n == 0 { atEnd = true }
                filled += n
            }
            if filled == 0 { return nil }
            var bomLength = 0
            if atStart {
                // A byte-order mark needs three bytes to be recognized.
                if filled < 3 && !atEnd { continue }
                if filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                    bomLength = 3
                    hadByteOrderMark = true
                }
            }
            let framed = try frame(from: bomLength)
            if framed.usable == 0 {
                // Not one whole record in the buffer: make room for more of it.
                if filled == buffer.count {
                    guard buffer.count < maximumRecordLength else {
                        throw TextInputError(.lineTooLong, file: name, line: lineCount + 1,
                                             "line is longer than \(maximumRecordLength) bytes")
                    }
                    buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, maximumRecordLength)))
                }
                continue
            }
            atStart = false
            let bytes = Array(buffer[0..<framed.usable])
            if framed.usable < filled {
                buffer.withUnsafeMutableBufferPointer { raw in
                    let base = raw.baseAddress!
                    memmove(base, base + framed.usable, filled - framed.usable)
                }
            }
            filled -= framed.usable
            let block = RecordBlock(bytes: bytes, records: framed.records, format: format, file: name,
                                    physicalLines: framed.lines, firstLine: lineCount + 1,
                                    recordLines: framed.recordLines)
            lineCount += framed.lines
            bytesRead += bytes.count
            return block
        }
    }

    // MARK: Framing

    private struct Framed {
        var records: [Range<Int>] = []
        var recordLines: [Int] = []
        /// Bytes of `buffer` that hold whole records (a prefix).
        var usable = 0
        /// Physical lines in the usable bytes.
        var lines = 0
        /// Line breaks inside the unfinished last record (a CSV quoted field spanning lines).
        var tailLineBreaks = 0
    }

    /// Finds the whole records in `buffer[start..<filled]`; at the end of the input the rest is
    /// the last record.
    private mutating func frame(from start: Int) throws -> Framed {
        var framed = Framed()
        if format == .csv {
            try frameCSV(from: start, into: &framed)
        } else {
            frameLines(from: start, into: &framed)
        }
        if atEnd && framed.usable < filled {
            // The last line has no newline: it is a record all the same.
            var end = filled
            if end > framed.usable && buffer[end - 1] == 0x0D { end -= 1 }
            let recordStart = framed.usable == 0 ? start : framed.usable
            if format == .csv { framed.recordLines.append(lineCount + framed.lines + 1) }
            framed.records.append(recordStart..<max(recordStart, end))
            framed.usable = filled
            framed.lines += 1 + framed.tailLineBreaks
            missingFinalNewline = true
        }
        return framed
    }

    /// Lines, TSV and JSONL: a record is a line.
    private func frameLines(from start: Int, into framed: inout Framed) {
        buffer.withUnsafeBufferPointer { raw in
            let base = raw.baseAddress!
            var lineStart = start
            while lineStart < filled, let hit = memchr(base + lineStart, 0x0A, filled - lineStart) {
                let newline = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let end = newline > lineStart && raw[newline - 1] == 0x0D ? newline - 1 : newline
                framed.records.append(lineStart..<end)
                lineStart = newline + 1
            }
            if !framed.records.isEmpty {
                framed.usable = lineStart
                framed.lines = framed.records.count
            }
        }
    }

    /// CSV: a newline ends a record unless it is inside a quoted field. A quote opens a quoted
    /// field only at the start of a field, as RFC 4180 has it; `""` inside one is a quote.
    private func frameCSV(from start: Int, into framed: inout Framed) throws {
        try buffer.withUnsafeBufferPointer { raw in
            var i = start
            var recordStart = start
            var recordLine = lineCount + 1
            var line = lineCount + 1
            var inQuotes = false
            var atFieldStart = true
            let end = filled
            while i < end {
                let byte = raw[i]
                if inQuotes {
                    if byte == 0x22 {
                        if i + 1 < end && raw[i + 1] == 0x22 {
                            i += 2
                            continue
                        }
                        if i + 1 == end && !atEnd { break }  // `"` or `""`: the next read tells
                        inQuotes = false
                    } else if byte == 0x0A {
                        line += 1
                    }
                } else if byte == 0x0A {
                    let recordEnd = i > recordStart && raw[i - 1] == 0x0D ? i - 1 : i
                    framed.records.append(recordStart..<recordEnd)
                    framed.recordLines.append(recordLine)
                    line += 1
                    recordStart = i + 1
                    recordLine = line
                    framed.usable = recordStart
                    framed.lines = line - lineCount - 1
                    atFieldStart = true
                    i += 1
                    continue
                } else if byte == 0x2C {
                    atFieldStart = true
                    i += 1
                    continue
                } else if byte == 0x22 && atFieldStart {
                    inQuotes = true
                }
                atFieldStart = false
                i += 1
            }
            if atEnd && inQuotes {
                throw TextInputError.unterminatedQuote(file: name, line: recordLine)
            }
            framed.tailLineBreaks = line - recordLine
        }
    }

    // MARK: Header

    /// Reads the first record as the header and keeps the rest of its block for ``next()``.
    private mutating func readHeader() throws {
        guard let first = try next(), !first.records.isEmpty else {
            throw TextInputError.missingHeader(file: name)
        }
        let record = first.records[0]
        try first.check(record, inRecord: 0)
        var fields = RecordFields(format: format)
        try first.bytes.withUnsafeBufferPointer { bytes in
            try fields.split(record, of: bytes, file: name, line: 1)
            header = (0..<fields.count).map { index in
                fields.withValue(index, of: bytes) { String(decoding: $0, as: UTF8.self) }
            }
        }
        headerBytes = Array(first.bytes[record])
        pending = RecordBlock(bytes: first.bytes, records: Array(first.records.dropFirst()), format: format,
                              file: name, physicalLines: first.physicalLines, firstLine: first.line(of: 0) + 1,
                              recordLines: Array(first.recordLines.dropFirst()))
    }
}
