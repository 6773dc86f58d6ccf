/// The layout of a text file, one record per line (CSV: a quoted field may span lines).
public enum RecordFormat: String, Codable, Sendable, CaseIterable {
    /// One text per line, no header; its one column is called `text`.
    case lines
    /// Tab-separated values with a header line naming the columns (NSMC: `id<TAB>document<TAB>label`).
    /// No quoting: a field cannot contain a tab or a line break, and quotes are data.
    case tsv
    /// Comma-separated values with a header line, RFC 4180 quoting (`"a, ""b"""`); a quoted
    /// field may span lines (the chatbot corpus: `Q,A,label`).
    case csv
    /// One JSON object per line, no header; columns are keys whose values are strings or numbers.
    case jsonl

    /// The one column of ``lines`` records.
    public static let linesColumn = "text"

    /// Whether the first line names the columns.
    public var hasHeader: Bool { self == .tsv || self == .csv }

    /// The field separator byte of TSV and CSV.
    public var separator: UInt8 { self == .csv ? 0x2C : 0x09 }

    /// The format a file is read in when none is given — the one rule every command follows.
    ///
    /// The extension decides: `.csv` is CSV, `.tsv` is TSV, `.jsonl` and `.ndjson` are JSONL.
    /// Any other name (`.txt`, none, `-` for standard input) is TSV when the caller reads named
    /// columns (NSMC's `.txt` files are TSV with a header), else plain lines.
    public static func inferred(fromPath path: String, readsColumns: Bool) -> RecordFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { name[name.index(after: $0)...].lowercased() } ?? ""
        switch ext {
        case "csv": return .csv
        case "tsv": return .tsv
        case "jsonl", "ndjson": return .jsonl
        default: return readsColumns ? .tsv : .lines
        }
    }
}
