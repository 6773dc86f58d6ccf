import JikjiIO
import Foundation

/// The shape of the examples a dataset holds.
public enum DatasetKind: String, Codable, Sendable, CaseIterable {
    /// Token ids of a text and an integer label (sentiment, topic).
    case classification
    /// Source and target token ids, for encoder-decoders (the chatbot's Q → A).
    case pairs
    /// Documents of token ids, joined with a separator and cut into fixed windows at batching time.
    case lm
}

/// What to do with a malformed row (wrong field count, unparseable label, invalid UTF-8, empty text).
public enum BadRowPolicy: String, Codable, Sendable, CaseIterable {
    /// Stop at the first bad row, naming file, line and problem.
    case fail
    /// Leave the row out and count it by reason; every skipped row is reported.
    case skip
}

/// Maps raw label strings to class ids: exact strings (`"daily": 0`), integers (`"3": 1`) or
/// inclusive integer ranges (`"1-4": 0`, `"9-10": 1`). Values no rule matches are dropped and
/// counted as ``BadRowReason/unmappedLabel`` (never a failure: dropping them is the point).
public struct LabelMapping: Codable, Sendable, Equatable {
    /// One rule of the mapping.
    public enum Rule: Sendable, Equatable {
        case exact(String, Int32)
        case range(ClosedRange<Int>, Int32)
    }

    /// The rules in match order.
    public private(set) var rules: [Rule]

    /// A mapping from rules, first match wins.
    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// Parses `"1-4=0,9-10=1"` or `"daily=0,breakup=1"` (commas between rules, `=` or `:` before the id).
    /// - Throws: ``DatasetSpecError/invalidLabelMapping(_:_:)`` naming the bad rule.
    public init(parsing text: String) throws {
        var rules: [Rule] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(whereSeparator: { $0 == "=" || $0 == ":" }).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let id = Int32(pieces[1]) else {
                throw DatasetSpecError.invalidLabelMapping(String(part), "expected VALUE=ID or LOW-HIGH=ID with an integer ID")
            }
            rules.append(try Self.rule(key: pieces[0], id: id))
        }
        guard !rules.isEmpty else { throw DatasetSpecError.invalidLabelMapping(text, "no rules") }
        self.rules = rules
    }

    static func rule(key: String, id: Int32) throws -> Rule {
        // "1-4" is a range; "-3" alone is the integer -3.
        if let dash = key.dropFirst().firstIndex(of: "-"),
           let low = Int(key[..<dash].trimmingCharacters(in: .whitespaces)),
           let high = Int(key[key.index(after: dash)...].trimmingCharacters(in: .whitespaces)) {
            guard low <= high else { throw DatasetSpecError.invalidLabelMapping(key, "range start is above its end") }
            return .range(low...high, id)
        }
        return .exact(key, id)
    }

    /// The class id of `value`, or nil when no rule covers it.
    public func map(_ value: String) -> Int32? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let integer = Int(trimmed)
        for rule in rules {
            switch rule {
            case let .exact(key, id):
                if key == trimmed { return id }
                if let integer, let keyInt = Int(key), keyInt == integer { return id }
            case let .range(range, id):
                if let integer, range.contains(integer) { return id }
            }
        }
        return nil
    }

    /// The rules as text (`"1-4=0,9-10=1"`), the form ``init(parsing:)`` reads.
    public var text: String {
        rules.map { rule in
            switch rule {
            case let .exact(key, id): return "\(key)=\(id)"
            case let .range(range, id): return "\(range.lowerBound)-\(range.upperBound)=\(id)"
            }
        }.joined(separator: ",")
    }

    /// Whether every rule is an integer or range (so a non-integer value is unparseable, not unmapped).
    var isNumeric: Bool {
        rules.allSatisfy { rule in
            if case let .exact(key, _) = rule { return Int(key) != nil }
            return true
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            try self.init(parsing: text)
            return
        }
        let dictionary = try container.decode([String: Int32].self)
        // JSON objects are unordered: sort keys so the mapping (and its text) is stable.
        self.init(rules: try dictionary.sorted { $0.key < $1.key }.map { try Self.rule(key: $0.key, id: $0.value) })
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// How to split one file's examples into train/valid/test when the splits are not separate files.
public struct SplitRatios: Codable, Sendable, Equatable {
    /// Shares of train, valid and test (summing to 1).
    public var train: Double
    public var valid: Double
    public var test: Double

    /// Ratios from their values (not checked; ``init(parsing:)`` checks).
    public init(train: Double, valid: Double = 0, test: Double = 0) {
        self.train = train
        self.valid = valid
        self.test = test
    }

    /// Parses `"0.8,0.2"` or `"0.8,0.1,0.1"` (train, valid[, test]); the ratios must sum to 1.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw DatasetSpecError.invalidSplit(text)
        }
        let values = parts.map { $0! }
        self.init(train: values[0], valid: values.count > 1 ? values[1] : 0, test: values.count > 2 ? values[2] : 0)
        guard abs(train + valid + test - 1) < 1e-6 else { throw DatasetSpecError.invalidSplit(text) }
    }
}

/// Which part of a dataset an example belongs to.
public enum Split: UInt8, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case train = 0, valid = 1, test = 2

    public var description: String { ["train", "valid", "test"][Int(rawValue)] }

    /// Parses "train", "valid"/"validation"/"dev", "test".
    public init?(name: String) {
        switch name.lowercased() {
        case "train": self = .train
        case "valid", "validation", "dev": self = .valid
        case "test": self = .test
        default: return nil
        }
    }
}

/// Everything that describes how a dataset is read from its corpus files (JSON, or CLI options).
///
/// ```json
/// {"kind": "classification", "train": ["corpora/nsmc/ratings_train.txt"], "format": "tsv",
///  "text": ["document"], "label": "label", "split": "0.8,0.2", "seed": 42}
/// ```
public struct DatasetSpec: Codable, Sendable, Equatable {
    /// The shape of the examples.
    public var kind: DatasetKind
    /// Files of the training split, or of all splits when ``split`` gives ratios.
    public var train: [String]
    /// Files of the validation split (when the corpus ships one).
    public var valid: [String]
    /// Files of the test split.
    public var test: [String]
    /// The files' layout; guessed from the first file name when nil.
    public var format: RecordFormat?
    /// Text column(s) of classification and LM examples; several are joined with a space.
    public var text: [String]
    /// The label column (classification; optional for pairs).
    public var label: String?
    /// The label mapping; without one, labels must be integers.
    public var labelMap: LabelMapping?
    /// Source and target columns of pairs.
    public var source: String?
    public var target: String?
    /// Ratios that split the ``train`` files' examples; nil keeps them all in train.
    public var split: SplitRatios?
    /// Seed of the split's shuffle (stable: same seed and corpus, same split).
    public var seed: UInt64
    /// What to do with malformed rows.
    public var onBadRow: BadRowPolicy

    /// A spec from its parts; see each property.
    public init(kind: DatasetKind, train: [String], valid: [String] = [], test: [String] = [],
                format: RecordFormat? = nil, text: [String] = [], label: String? = nil,
                labelMap: LabelMapping? = nil, source: String? = nil, target: String? = nil,
                split: SplitRatios? = nil, seed: UInt64 = 42, onBadRow: BadRowPolicy = .fail) {
        self.kind = kind
        self.train = train
        self.valid = valid
        self.test = test
        self.format = format
        self.text = text
        self.label = label
        self.labelMap = labelMap
        self.source = source
        self.target = target
        self.split = split
        self.seed = seed
        self.onBadRow = onBadRow
    }

    private enum CodingKeys: String, CodingKey {
        case kind, train, valid, test, format, text, label, labelMap, source, target, split, seed, onBadRow
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(DatasetKind.self, forKey: .kind) ?? .classification
        func paths(_ key: CodingKeys) throws -> [String] {
            if let one = try? c.decode(String.self, forKey: key) { return [one] }
            return try c.decodeIfPresent([String].self, forKey: key) ?? []
        }
        train = try paths(.train)
        valid = try paths(.valid)
        test = try paths(.test)
        format = try c.decodeIfPresent(RecordFormat.self, forKey: .format)
        if let one = try? c.decode(String.self, forKey: .text) { text = [one] } else {
            text = try c.decodeIfPresent([String].self, forKey: .text) ?? []
        }
        label = try c.decodeIfPresent(String.self, forKey: .label)
        labelMap = try c.decodeIfPresent(LabelMapping.self, forKey: .labelMap)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        target = try c.decodeIfPresent(String.self, forKey: .target)
        if let text = try? c.decode(String.self, forKey: .split) { split = try SplitRatios(parsing: text) } else {
            split = try c.decodeIfPresent(SplitRatios.self, forKey: .split)
        }
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 42
        onBadRow = try c.decodeIfPresent(BadRowPolicy.self, forKey: .onBadRow) ?? .fail
    }

    /// The columns a reader must extract, in the order ``DatasetSpec`` consumes them, after checks.
    /// - Throws: ``DatasetSpecError`` when the kind lacks a column it needs.
    public func validated() throws -> DatasetSpec {
        guard !train.isEmpty else { throw DatasetSpecError.missing("at least one input file (train)") }
        switch kind {
        case .classification:
            guard !text.isEmpty else { throw DatasetSpecError.missing("a text column for classification") }
            guard label != nil else { throw DatasetSpecError.missing("a label column for classification") }
        case .pairs:
            guard source != nil, target != nil else { throw DatasetSpecError.missing("source and target columns for pairs") }
        case .lm:
            guard !text.isEmpty else { throw DatasetSpecError.missing("a text column for a language-model dataset") }
        }
        if labelMap != nil, label == nil { throw DatasetSpecError.missing("a label column for the label mapping") }
        if split != nil, !(valid.isEmpty && test.isEmpty) {
            throw DatasetSpecError.conflicting("split ratios and separate valid/test files; use one or the other")
        }
        return self
    }

    /// The format of `file`: the spec's, else the one rule of
    /// ``RecordFormat/inferred(fromPath:readsColumns:)`` — by extension, else TSV when the spec
    /// names columns (other than the `text` of plain lines), else plain lines.
    public func format(of file: String) -> RecordFormat {
        if let format { return format }
        let namesColumns = !(text.isEmpty || text == [RecordFormat.linesColumn])
            || label != nil || source != nil || target != nil
        return .inferred(fromPath: file, readsColumns: namesColumns)
    }
}

/// A dataset spec that cannot be used, with what to change.
public enum DatasetSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case missing(String)
    case conflicting(String)
    case invalidLabelMapping(String, String)
    case invalidSplit(String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): return "dataset spec \(path): \(why)"
        case let .missing(what): return "the dataset spec needs \(what)"
        case let .conflicting(what): return "the dataset spec has \(what)"
        case let .invalidLabelMapping(rule, why): return "label mapping '\(rule)': \(why)"
        case let .invalidSplit(text): return "split '\(text)': expected 2 or 3 non-negative ratios that sum to 1, such as 0.8,0.2"
        }
    }
}
