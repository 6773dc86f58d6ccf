import Foundation
import JikjiIO

/// Cleans a whole file (or standard input) with a pipeline, line by line or one column of a
/// TSV/CSV file, streaming in large batches and writing atomically: what `jikji clean` runs.
public struct CleaningJob {
    /// What to clean and how to treat bad input.
    public struct Options: Sendable {
        /// The input path, or `-` for standard input.
        public var input: String = "-"
        /// The output path, or `-` for standard output.
        public var output: String = "-"
        /// Clean only this column of a delimited file with a header; other columns are copied.
        public var column: String? = nil
        /// The format of the input; nil: inferred from its name (``RecordFormat/inferred(fromPath:readsColumns:)``).
        public var format: RecordFormat? = nil
        /// Replace ill-formed UTF-8 with U+FFFD (counted) instead of stopping with an error.
        public var repairInvalidUTF8 = false
        /// Remove NUL bytes (counted) instead of stopping with an error.
        public var removeNULs = false
        /// Copy rows with the wrong number of fields unchanged (counted) instead of stopping.
        public var keepBadRows = false
        /// Bytes of text cleaned per batch.
        public var batchBytes = 1 << 20

        /// Options with every default: standard input to standard output, line mode, strict.
        public init() {}
    }

    /// What a run did.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Lines (line mode) or records (column mode) read, header excluded.
        public var lines = 0
        /// Bytes read and written.
        public var bytesIn = 0, bytesOut = 0
        /// Lines (or fields) whose text the pipeline changed.
        public var linesChanged = 0
        /// Ill-formed UTF-8 sequences replaced with U+FFFD (with ``Options/repairInvalidUTF8``).
        public var invalidUTF8Replaced = 0
        /// NUL bytes removed (with ``Options/removeNULs``).
        public var nulsRemoved = 0
        /// Rows copied unchanged because their field count was wrong (``Options/keepBadRows``).
        public var badRowsKept = 0
        /// Wall-clock seconds.
        public var seconds = 0.0
        /// The column cleaned, if any.
        public var column: String? = nil

        /// One line for people: counts, sizes, time, throughput and repairs.
        public var description: String {
            let unit = column == nil ? "lines" : "rows (column '\(column!)')"
            var text = "cleaned \(lines) \(unit): \(megabytes(bytesIn)) in, \(megabytes(bytesOut)) out, "
                + "\(linesChanged) changed, "
                + String(format: "%.2f s (%.1f MB/s)", seconds, seconds > 0 ? Double(bytesIn) / 1e6 / seconds : 0)
            var repairs = [String]()
            if invalidUTF8Replaced > 0 { repairs.append("\(invalidUTF8Replaced) invalid UTF-8 sequences replaced") }
            if nulsRemoved > 0 { repairs.append("\(nulsRemoved) NUL bytes removed") }
            if badRowsKept > 0 { repairs.append("\(badRowsKept) rows with a wrong field count copied unchanged") }
            if !repairs.isEmpty { text += "; repaired: " + repairs.joined(separator: ", ") }
            return text
        }

        private func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
    }

    /// The pipeline being run.
    public let pipeline: CleaningPipeline
    /// The options.
    public let options: Options

    /// A job running `pipeline` with `options`.
    public init(pipeline: CleaningPipeline, options: Options) {
        self.pipeline = pipeline
        self.options = options
    }

    /// Runs the job. `progress` is called after every batch with the bytes read so far and the
    /// input's size when known. On any error the output file is not created (or left as it was).
    public func run(progress: ((_ bytesRead: Int, _ total: Int?) -> Void)? = nil) throws -> Summary {
        let started = Date()
        let cleaner = try TextCleaner(pipeline: pipeline)
        let format = options.format ?? .inferred(fromPath: options.input, readsColumns: options.column != nil)
        var reader = try RecordBlockReader(path: options.input, format: options.column == nil ? .lines : format,
                                           blockSize: options.batchBytes)
        let output = try OutputFile(path: options.output)
        var state = BatchState(cleaner: cleaner, options: options, output: output)
        do {
            try state.run(&reader, progress: progress)
            try output.commit()
        } catch {
            output.abort()
            throw error
        }
        state.summary.bytesOut = output.bytesWritten
        state.summary.seconds = Date().timeIntervalSince(started)
        return state.summary
    }
}

/// The batch being built and written by a ``CleaningJob``: one block of records at a time.
private struct BatchState {
    let cleaner: TextCleaner
    let options: CleaningJob.Options
    let output: OutputFile
    var summary = CleaningJob.Summary()

    /// Texts to clean, each followed by a NUL.
    var batch = [UInt8]()
    /// The cleaned batch.
    var cleaned = [UInt8]()
    /// For each text in the batch: its record and where its bytes lie in the block.
    var origins = [(record: Int, range: Range<Int>)]()
    /// Column mode: for every record, the raw bytes before and after the cleaned field.
    var frames = [UInt8]()
    var records = [Record]()

    struct Record {
        /// `frames[prefixStart..<prefixEnd]` goes before the field, `frames[prefixEnd..<suffixEnd]` after.
        var prefixStart: Int, prefixEnd: Int, suffixEnd: Int
        /// False for a row copied unchanged (its raw bytes are the prefix).
        var hasField: Bool
        /// Whether the field was quoted in the input (CSV): keep it quoted.
        var wasQuoted: Bool
    }

    init(cleaner: TextCleaner, options: CleaningJob.Options, output: OutputFile) {
        self.cleaner = cleaner
        self.options = options
        self.output = output
        batch.reserveCapacity(options.batchBytes + (1 << 16))
    }

    mutating func run(_ reader: inout RecordBlockReader, progress: ((Int, Int?) -> Void)?) throws {
        var cursor: RecordCursor? = nil
        if let name = options.column {
            guard reader.format.hasHeader else {
                throw TextInputError(.badParameter, file: reader.name,
                                     "a column is cleaned in TSV or CSV files, not \(reader.format.rawValue)")
            }
            let selection = try reader.columns([name])
            var columns = RecordCursor(columns: selection, format: reader.format)
            columns.checksText = false  // the cleaner checks (or repairs) the bytes it is given
            cursor = columns
            summary.column = name
            try output.write(reader.headerBytes)
            try output.write(byte: 0x0A)
        }
        while let block = try reader.next() {
            summary.lines += block.count
            if cursor != nil {
                try appendRecords(of: block, cursor: &cursor!)
                try flushRecords(block)
            } else {
                for index in 0..<block.count { try append(block.records[index], record: index, of: block) }
                try flushLines(block)
            }
            summary.bytesIn = reader.bytesRead
            progress?(reader.bytesRead, reader.inputSize)
        }
        summary.bytesIn = reader.bytesRead
    }

    // MARK: Line mode

    private mutating func flushLines(_ block: RecordBlock) throws {
        guard !origins.isEmpty else { return }
        try cleanBatch(block)
        // Every text came out as one NUL-terminated segment: NUL → newline gives the lines.
        summary.linesChanged += countChanged()
        cleaned.withUnsafeMutableBufferPointer { raw in
            for i in 0..<raw.count where raw[i] == 0 { raw[i] = 0x0A }
        }
        try output.write(cleaned)
        batch.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
    }

    // MARK: Column mode

    private mutating func appendRecords(of block: RecordBlock, cursor: inout RecordCursor) throws {
        let column = cursor.columns.indices[0]
        for index in 0..<block.count {
            let raw = block.records[index]
            let prefixStart = frames.count
            let matches = options.keepBadRows
                ? try cursor.selectAllowingFieldCountMismatch(index, in: block)
                : try { try cursor.select(index, in: block); return true }()
            if !matches {
                frames.append(contentsOf: block.bytes[raw])
                records.append(Record(prefixStart: prefixStart, prefixEnd: frames.count, suffixEnd: frames.count,
                                      hasField: false, wasQuoted: false))
                summary.badRowsKept += 1
                continue
            }
            let range = cursor.fields.ranges[column]
            frames.append(contentsOf: block.bytes[raw.lowerBound..<range.lowerBound])
            let prefixEnd = frames.count
            frames.append(contentsOf: block.bytes[range.upperBound..<raw.upperBound])
            let (quoted, content) = block.bytes.withUnsafeBufferPointer {
                (cursor.fields.isQuoted(column, in: $0), cursor.fields.contentRange(column, in: $0))
            }
            records.append(Record(prefixStart: prefixStart, prefixEnd: prefixEnd, suffixEnd: frames.count,
                                  hasField: true, wasQuoted: quoted))
            if quoted {
                // The unquoted value is a copy: NULs and bad bytes are looked for in the raw field.
                try checkNUL(content, record: index, of: block)
                let removeNULs = options.removeNULs
                summary.nulsRemoved += try cursor.withColumn(0, in: block) { value in
                    var removed = 0
                    for byte in value {
                        if removeNULs && byte == 0 { removed += 1 } else { batch.append(byte) }
                    }
                    return removed
                }
                batch.append(0)
                origins.append((index, content))
            } else {
                try append(content, record: index, of: block)
            }
        }
    }

    private mutating func flushRecords(_ block: RecordBlock) throws {
        if !origins.isEmpty {
            try cleanBatch(block)
            summary.linesChanged += countChanged()
        }
        // Assemble the rows in one buffer (prefix, cleaned field, suffix, newline) and write once.
        var assembled = [UInt8]()
        assembled.reserveCapacity(frames.count + cleaned.count + records.count * 3)
        var segmentStart = 0, segment = 0
        let format = block.format
        try frames.withUnsafeBufferPointer { frame in
            try cleaned.withUnsafeBufferPointer { text in
                for record in records {
                    assembled.append(contentsOf: UnsafeBufferPointer(rebasing: frame[record.prefixStart..<record.prefixEnd]))
                    guard record.hasField else { assembled.append(0x0A); continue }
                    var end = segmentStart
                    while text[end] != 0 { end += 1 }
                    let field = UnsafeBufferPointer(rebasing: text[segmentStart..<end])
                    if let problem = Self.appendField(field, format: format, quoted: record.wasQuoted, to: &assembled) {
                        throw TextInputError(.badPipeline, file: block.file, line: block.line(of: origins[segment].record),
                                             "the pipeline put \(problem) into column '\(options.column ?? "")', "
                                             + "which would break the TSV row; add collapse-whitespace to the pipeline")
                    }
                    segmentStart = end + 1
                    segment += 1
                    assembled.append(contentsOf: UnsafeBufferPointer(rebasing: frame[record.prefixEnd..<record.suffixEnd]))
                    assembled.append(0x0A)
                }
            }
        }
        try output.write(assembled)
        batch.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
        frames.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        cleaned.removeAll(keepingCapacity: true)
    }

    /// Appends a cleaned field: CSV fields are quoted when they need it (or were quoted). A TSV
    /// field must not contain a tab or a line break, which would change the columns: returns
    /// what was found instead of appending.
    private static func appendField(_ field: UnsafeBufferPointer<UInt8>, format: RecordFormat, quoted: Bool,
                                    to out: inout [UInt8]) -> String? {
        if format != .csv {
            if field.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return "a tab or line break" }
            out.append(contentsOf: field)
            return nil
        }
        let needsQuotes = quoted || field.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { out.append(contentsOf: field); return nil }
        out.append(0x22)
        for byte in field {
            if byte == 0x22 { out.append(0x22) }
            out.append(byte)
        }
        out.append(0x22)
        return nil
    }

    // MARK: Shared

    /// Throws the reader's NUL error for `range` of record `record` unless NULs are removed.
    private func checkNUL(_ range: Range<Int>, record: Int, of block: RecordBlock) throws {
        guard !options.removeNULs, let nul = block.bytes[range].firstIndex(of: 0) else { return }
        let (line, byte) = block.location(of: nul, inRecord: record)
        throw TextInputError.nulByte(file: block.file, line: line, byte: byte)
            .hinting("use --remove-nul to drop NUL bytes")
    }

    /// Adds `range` of the block (part of record `record`) to the batch, handling NUL bytes as
    /// the options say.
    private mutating func append(_ range: Range<Int>, record: Int, of block: RecordBlock) throws {
        let bytes = block.bytes[range]
        if bytes.firstIndex(of: 0) != nil {
            try checkNUL(range, record: record, of: block)
            for byte in bytes {
                if byte == 0 { summary.nulsRemoved += 1 } else { batch.append(byte) }
            }
        } else {
            batch.append(contentsOf: bytes)
        }
        batch.append(0)
        origins.append((record, range))
    }

    /// Cleans `batch` into `cleaned`; an invalid UTF-8 error is traced to its line and byte.
    private mutating func cleanBatch(_ block: RecordBlock) throws {
        cleaned.removeAll(keepingCapacity: true)
        do {
            summary.invalidUTF8Replaced += try batch.withUnsafeBufferPointer {
                try cleaner.cleanSegments($0, substituteInvalidUTF8: options.repairInvalidUTF8, into: &cleaned)
            }
        } catch let error as TextInputError where error.kind == .invalidUTF8 {
            for origin in origins {
                do {
                    try block.check(origin.range, inRecord: origin.record, rejectingNUL: false)
                } catch let located as TextInputError {
                    throw located.hinting("use --repair-utf8 to replace ill-formed bytes with U+FFFD")
                }
            }
            throw error
        }
    }

    /// How many segments of `cleaned` differ from those of `batch`.
    private func countChanged() -> Int {
        if batch == cleaned { return 0 }
        var changed = 0
        batch.withUnsafeBufferPointer { a in
            cleaned.withUnsafeBufferPointer { b in
                var i = 0, j = 0
                while i < a.count && j < b.count {
                    let endA = i + strlenBounded(a, from: i), endB = j + strlenBounded(b, from: j)
                    if endA - i != endB - j || memcmp(a.baseAddress! + i, b.baseAddress! + j, endA - i) != 0 {
                        changed += 1
                    }
                    i = endA + 1
                    j = endB + 1
                }
            }
        }
        return changed
    }

    private func strlenBounded(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let hit = memchr(buffer.baseAddress! + start, 0, buffer.count - start) else { return buffer.count - start }
        return buffer.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self)) - start
    }
}
