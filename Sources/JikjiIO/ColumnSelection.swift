/// The columns a reader picks from every record, resolved once against the header.
///
/// TSV and CSV columns are found by name in the header (an error naming the file, the column
/// and the header's columns when one is missing); the one column of ``RecordFormat/lines`` is
/// `text`; JSONL columns are keys, looked up in each record.
public struct ColumnSelection: Sendable, Equatable {
    /// The names picked, in the order asked for.
    public let names: [String]
    /// Their field indices (TSV, CSV, lines); empty for JSONL.
    public let indices: [Int]
    /// The number of fields every record must have: the header's (TSV, CSV), else nil.
    public let fieldCount: Int?

    /// Resolves `names` against `header` of a `format` file called `file`.
    public init(_ names: [String], header: [String], format: RecordFormat, file: String) throws {
        self.names = names
        switch format {
        case .jsonl:
            indices = []
            fieldCount = nil
        case .lines:
            for name in names where name != RecordFormat.linesColumn {
                throw TextInputError.missingColumn(file: file, name: name, header: [RecordFormat.linesColumn])
            }
            indices = names.map { _ in 0 }
            fieldCount = nil
        case .tsv, .csv:
            indices = try names.map { name in
                guard let index = header.firstIndex(of: name) else {
                    throw TextInputError.missingColumn(file: file, name: name, header: header)
                }
                return index
            }
            fieldCount = header.count
        }
    }
}
