/// Streams the records of a file or standard input one at a time, as the values of the columns
/// asked for: what sequential readers (dataset builds, `predict`, `translate`) use. Framing,
/// field splitting and checks are those of ``RecordBlockReader`` and ``RecordCursor``; the file
/// is fingerprinted as it is read.
///
/// ```swift
/// var reader = try RecordReader(path: "ratings_train.txt", format: .tsv, columns: ["document", "label"])
/// while let record = try reader.next() { use(record.values) }
/// let fingerprint = try reader.finish()
/// ```
///
/// A record-level error (``TextInputError/Kind/isRecordLevel``: wrong field count, bad quote,
/// malformed JSON, invalid UTF-8, NUL byte) is thrown after its record is consumed, so a
/// caller that skips bad rows calls ``next()`` again; any other error ends the reading.
public struct RecordReader {
    /// One record: where it starts and the values of the selected columns, in order.
    public struct Record: Sendable, Equatable {
        /// The 1-based line the record starts on.
        public var line: Int
        /// The selected columns' values.
        public var values: [String]

        /// A record starting on `line` with `values`.
        public init(line: Int, values: [String]) {
            self.line = line
            self.values = values
        }
    }

    /// The name used in errors (the path as given, `-` for standard input).
    public var file: String { blocks.name }
    /// The format being read.
    public var format: RecordFormat { blocks.format }
    /// The header's column names (`["text"]` for lines, empty for JSONL).
    public var header: [String] { blocks.header }
    /// The columns read.
    public let columns: ColumnSelection

    private var blocks: RecordBlockReader
    private var cursor: RecordCursor
    private var block: RecordBlock?
    private var index = 0
    private var fingerprint = FingerprintAccumulator()

    /// Opens `path` (`-`: standard input), reads its header and resolves `columns`; columns in
    /// `optionalColumns` are read too when the header has them (see ``hasColumn(_:)``).
    ///
    /// With `byteRange`, only the records starting in it are read (a shard's share; see
    /// ``RecordBlockReader/init(path:format:blockSize:maximumRecordLength:byteRange:)``), and the
    /// fingerprint is that of the part read.
    public init(path: String, format: RecordFormat, columns: [String], optionalColumns: [String] = [],
                blockSize: Int = 1 << 20, byteRange: Range<Int64>? = nil) throws {
        blocks = try byteRange.map { try RecordBlockReader(path: path, format: format, blockSize: blockSize, byteRange: $0) }
            ?? RecordBlockReader(path: path, format: format, blockSize: blockSize)
        let present = format.hasHeader ? optionalColumns.filter(blocks.header.contains) : []
        self.columns = try blocks.columns(columns + present)
        cursor = RecordCursor(columns: self.columns, format: format)
    }

    /// Where the part read of a byte range starts in the file (nil before its first record, or
    /// without a range).
    public var partStart: Int64? { blocks.partStart }

    /// Whether `name` is among the columns read.
    public func hasColumn(_ name: String) -> Bool { columns.names.contains(name) }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> Record? {
        while true {
            if let current = block, index < current.count {
                let at = index
                index += 1
                try cursor.select(at, in: current)
                var values: [String] = []
                values.reserveCapacity(columns.names.count)
                for column in 0..<columns.names.count {
                    values.append(try cursor.string(column, in: current))
                }
                return Record(line: current.line(of: at), values: values)
            }
            guard let next = try blocks.next() else {
                block = nil
                return nil
            }
            fingerprint.add(next)
            block = next
            index = 0
        }
    }

    /// Reads the rest of the input and returns its fingerprint, recorded under `path`.
    public mutating func finish(path: String) throws -> FileFingerprint {
        block = nil
        while let next = try blocks.next() { fingerprint.add(next) }
        return fingerprint.fingerprint(path: path)
    }
}

extension RecordReader {
    /// The texts of `path` (`-`: standard input) that inference commands (`predict`,
    /// `translate`) take: column `column` of a file in the format its name gives, or every
    /// line without a column; also the `labelColumn` values when the header has that column.
    /// Every problem, record-level or not, is thrown.
    public static func readTexts(path: String, column: String?, labelColumn: String?) throws
        -> (texts: [String], labels: [String]?) {
        let format = RecordFormat.inferred(fromPath: path, readsColumns: column != nil)
        var reader = try RecordReader(path: path, format: format, columns: [column ?? RecordFormat.linesColumn],
                                      optionalColumns: labelColumn.map { [$0] } ?? [])
        let withLabels = labelColumn.map(reader.hasColumn) ?? false
        var texts: [String] = [], labels: [String] = []
        while let record = try reader.next() {
            texts.append(record.values[0])
            if withLabels { labels.append(record.values[1]) }
        }
        return (texts, withLabels ? labels : nil)
    }
}
