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
    /// The name used in errors: the path as given (`-` for standard input); for a byte range
    /// read from its middle, the path and where the range's first record starts (lines are
    /// then counted from there: the lines before it were never read).
    public private(set) var name: String
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
    /// The file offset of `buffer[0]`.
    private var bufferOffset = 0
    /// The byte range whose records ``next()`` hands out (nil: all).
    private let range: Range<Int>?
    /// After a seek into the middle of a line: the bytes up to its end are another shard's.
    private var skipsToNewline = false
    /// Whether the range's last record has been handed out.
    private var rangeDone = false
    /// Where the bytes handed out for a byte range begin in the file (nil until the first
    /// block): the part's bytes are `partStart ..< partStart + bytesRead`.
    public private(set) var partStart: Int64?

    /// Opens `path` (`-`: standard input) and, for TSV and CSV, reads the header line.
    /// Throws ``TextInputError`` when the file cannot be opened, is empty where a header is
    /// needed, or its header is not UTF-8 or has a bad quote.
    public init(path: String, format: RecordFormat, blockSize: Int = 8 << 20,
                maximumRecordLength: Int = 1 << 28) throws {
        try self.init(source: InputDescriptor(path: path), name: path, format: format, blockSize: blockSize,
                      maximumRecordLength: maximumRecordLength, range: nil)
    }

    /// Opens `path` to read only the records whose first byte lies in `byteRange` (a shard's
    /// share, ``InputShard/byteRanges(sizes:)``): the header is read as usual, and the blocks
    /// hold those records and the bytes from the first one's line to the next one's, so the
    /// parts of all shards laid end to end are the file. Lines, TSV and JSONL seek to the range
    /// (a record is a line: the first record starts after the first newline before the range's
    /// start); CSV, whose quoted fields may span lines, is framed from the start of the file and
    /// the records before the range skipped, so that a record is never cut.
    public init(path: String, format: RecordFormat, blockSize: Int = 8 << 20, maximumRecordLength: Int = 1 << 28,
                byteRange: Range<Int64>) throws {
        try self.init(source: InputDescriptor(path: path), name: path, format: format, blockSize: blockSize,
                      maximumRecordLength: maximumRecordLength,
                      range: Int(clamping: byteRange.lowerBound)..<Int(clamping: byteRange.upperBound))
    }

    /// Reads an open descriptor (not closed by the reader), named `name` in errors.
    public init(descriptor: Int32, name: String, format: RecordFormat, blockSize: Int = 8 << 20,
                maximumRecordLength: Int = 1 << 28) throws {
        try self.init(source: InputDescriptor(descriptor: descriptor, closesOnDeinit: false), name: name,
                      format: format, blockSize: blockSize, maximumRecordLength: maximumRecordLength, range: nil)
    }

    private init(source: InputDescriptor, name: String, format: RecordFormat, blockSize: Int,
                 maximumRecordLength: Int, range: Range<Int>?) throws {
        self.source = source
        self.name = name
        self.format = format
        self.maximumRecordLength = maximumRecordLength
        self.range = range
        buffer = [UInt8](repeating: 0, count: max(blockSize, 16))
        switch format {
        case .lines: header = [RecordFormat.linesColumn]
        case .jsonl: header = []
        case .tsv, .csv: try readHeader()
        }
        // A range past what the header's read holds: seek there, unless a quoted field may span lines.
        if let range, range.lowerBound > 0, format != .csv, source.size != nil,
           range.lowerBound - 1 > bufferOffset + filled {
            try source.seek(to: Int64(range.lowerBound - 1), name: name)
            pending = nil
            filled = 0
            atStart = false
            bufferOffset = range.lowerBound - 1
            skipsToNewline = true
            recordSeen = true
        }
    }

    /// The header's column names resolved into a ``ColumnSelection`` (see there).
    public func columns(_ names: [String]) throws -> ColumnSelection {
        try ColumnSelection(names, header: header, format: format, file: name)
    }

    /// The next block of whole records, or nil at the end of the input (or of the byte range).
    public mutating func next() throws -> RecordBlock? {
        guard let range else { return try nextFramed()?.block }
        // An empty range has no byte, so no record starts in it.
        guard !range.isEmpty else { return nil }
        while !rangeDone, let (block, offset) = try nextFramed() {
            // The file's first record starts, for sharding, at byte 0: its shard reads the
            // byte-order mark and the header with it (a block of the header alone included).
            let firstOfFile = !recordSeen && !block.records.isEmpty
            if block.records.isEmpty {
                guard range.lowerBound == 0 && !recordSeen else { continue }
                if partStart == nil { partStart = Int64(offset) }
                rangeBytes += block.bytes.count
                return block
            }
            recordSeen = true
            let first = Self.firstRecord(of: block, at: offset, from: 0, startingAtOrAfter: range.lowerBound, firstOfFile: firstOfFile)
            let end = Self.firstRecord(of: block, at: offset, from: first, startingAtOrAfter: range.upperBound, firstOfFile: firstOfFile)
            // The next record after this block starts where it ends.
            if end < block.count || offset + block.bytes.count >= range.upperBound { rangeDone = true }
            guard first < end else { continue }
            let cutStart = first == 0 && firstOfFile ? 0 : block.records[first].lowerBound
            let cutEnd = end < block.count ? block.records[end].lowerBound : block.bytes.count
            if partStart == nil { partStart = Int64(offset + cutStart) }
            if cutStart == 0 && cutEnd == block.bytes.count && first == 0 && end == block.count {
                rangeBytes += block.bytes.count
                return block
            }
            let bytes = Array(block.bytes[cutStart..<cutEnd])
            var lines = bytes.withUnsafeBufferPointer { raw in raw.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            if let last = bytes.last, last != 0x0A { lines += 1 }
            rangeBytes += bytes.count
            return RecordBlock(bytes: bytes, records: block.records[first..<end].map { ($0.lowerBound - cutStart)..<($0.upperBound - cutStart) },
                               format: format, file: name, physicalLines: lines, firstLine: block.line(of: first),
                               recordLines: block.recordLines.isEmpty ? [] : Array(block.recordLines[first..<end]))
        }
        return nil
    }

    /// Bytes handed out for a byte range: the part is `partStart ..< partStart + rangeBytes`.
    public private(set) var rangeBytes = 0

    /// Whether a record of the file has been framed (for a byte range).
    private var recordSeen = false

    /// The first record of `block` (read at file offset `offset`) from index `from` on whose first
    /// byte is at or after file offset `limit` (the file's first record counting as starting at
    /// byte 0); the records' count when there is none.
    private static func firstRecord(of block: RecordBlock, at offset: Int, from: Int, startingAtOrAfter limit: Int,
                                    firstOfFile: Bool) -> Int {
        var low = from, high = block.count
        while low < high {
            let mid = low + (high - low) / 2
            let start = mid == 0 && firstOfFile ? 0 : offset + block.records[mid].lowerBound
            if start >= limit { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The next framed block and the file offset of its first byte.
    private mutating func nextFramed() throws -> (block: RecordBlock, offset: Int)? {
        if let block = pending {
            pending = nil
            return (block, 0)
        }
        while true {
            if skipsToNewline {
                // The bytes up to the first newline belong to the record before the range.
                if !atEnd && filled < buffer.count {
                    let n = try source.read(into: &buffer, from: filled, name: name, line: 1)
                    if n == 0 { atEnd = true }
                    filled += n
                }
                let newline = buffer[0..<filled].firstIndex(of: 0x0A)
                let drop = newline.map { $0 + 1 } ?? filled
                if drop > 0 {
                    buffer.withUnsafeMutableBufferPointer { raw in
                        let base = raw.baseAddress!
                        memmove(base, base + drop, filled - drop)
                    }
                    filled -= drop
                    bufferOffset += drop
                }
                if newline != nil {
                    // The lines before were never read: errors count lines from here.
                    skipsToNewline = false
                    name = "\(name) (from byte \(bufferOffset))"
                } else if atEnd {
                    return nil
                }
                continue
            }
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
            let offset = bufferOffset
            bufferOffset += framed.usable
            let block = RecordBlock(bytes: bytes, records: framed.records, format: format, file: name,
                                    physicalLines: framed.lines, firstLine: lineCount + 1,
                                    recordLines: framed.recordLines)
            lineCount += framed.lines
            bytesRead += bytes.count
            return (block, offset)
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
        guard let first = try nextFramed()?.block, !first.records.isEmpty else {
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
