import JikjiConfig
import JikjiData
import JikjiIO

/// `data:` — where the examples come from.
public struct DataSection: Sendable {
    /// Training corpus files (TSV/CSV/JSONL/plain lines, by extension unless `format` is set).
    public var train: [String]
    /// Validation files; when empty, `valid_ratio` of the training rows are held out.
    public var valid: [String]
    /// Test files, evaluated once at the end.
    public var test: [String]
    /// The corpus files' layout, or `auto` to tell it from each file's extension.
    public var format: Format
    /// The text column (classifier, language model).
    public var textColumn: String?
    /// The label column (classifier).
    public var labelColumn: String?
    /// Raw label → class index; rows whose label is not listed are dropped and counted.
    /// Empty: labels must be integers 0..<classes.
    public var labelMap: [(String, Int)]
    /// Source and target columns (seq2seq).
    public var sourceColumn: String?
    public var targetColumn: String?
    /// Fraction of training rows held out for validation when `valid` is empty.
    public var validRatio: Double
    /// `fail` or `skip` bad rows (skipped rows are counted by reason).
    public var onBadRow: BadRowPolicy
    /// `train_limit`: train on only the first N training examples (after the valid split is
    /// drawn; valid and test unchanged), for learning curves. nil: all of them.
    public var trainLimit: Int?

    /// `data.format`: a corpus layout, or `auto`.
    public enum Format: String, Sendable, CaseIterable {
        /// Each file's layout from its extension (`.csv`, `.jsonl`, `.tsv`, `.txt` with tabs).
        case auto
        /// Tab-separated values with a header row.
        case tsv
        /// Comma-separated values with a header row (RFC 4180).
        case csv
        /// One JSON object per line.
        case jsonl
        /// One text per line.
        case lines

        /// The layout, or nil for `auto`.
        public var recordFormat: RecordFormat? {
            switch self {
            case .auto: return nil
            case .tsv: return .tsv
            case .csv: return .csv
            case .jsonl: return .jsonl
            case .lines: return .lines
            }
        }
    }

    init(_ r: ConfigReader, task: JobConfig.Task) throws {
        train = try r.stringList("train", default: [])
        if train.isEmpty {
            throw ConfigError(.missing, at: r.location(of: "train"), path: r.keyPath("train"),
                              "missing; name one or more corpus files, e.g. corpora/nsmc/ratings_train.txt")
        }
        valid = try r.stringList("valid", default: [])
        test = try r.stringList("test", default: [])
        format = try r.choice("format", default: Format.auto)
        switch task {
        case .classifier:
            textColumn = try r.string("text_column", default: "document")
            labelColumn = try r.string("label_column", default: "label")
            sourceColumn = nil; targetColumn = nil
        case .languageModel:
            textColumn = try r.string("text_column", default: "document")
            labelColumn = nil; sourceColumn = nil; targetColumn = nil
        case .seq2seq:
            sourceColumn = try r.string("source_column", default: "Q")
            targetColumn = try r.string("target_column", default: "A")
            textColumn = nil; labelColumn = nil
        }
        labelMap = task == .classifier ? try r.stringToIntMap("label_map", default: []) : []
        validRatio = try r.double("valid_ratio", default: valid.isEmpty ? 0.1 : 0, range: 0...0.9)
        onBadRow = try r.choice("on_bad_row", default: BadRowPolicy.fail)
        // Read only when written, so the resolved job of a run on all examples stays as it was.
        trainLimit = r.has("train_limit") ? try r.int("train_limit", default: 1, range: 1...1_000_000_000) : nil
    }
}
