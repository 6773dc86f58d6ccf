import JikjiConfig

/// One HF `tokenizers` normalizer that runs before the `BertNormalizer` of a `tokenizer.json`,
/// as a member of a `"type": "Sequence"` normalizer.
///
/// These are the normalizers a Jikji cleaning pipeline can be written as (and read from): see
/// ``HFNormalizer/sequence(expressing:)`` and ``HFNormalizer/cleaningSteps(_:)``.
public enum HFNormalizer: Equatable, Sendable {
    /// What a `Replace` normalizer looks for.
    public enum Pattern: Equatable, Sendable {
        /// `{"String": …}`: a literal string.
        case string(String)
        /// `{"Regex": …}`: an Oniguruma regular expression (HF's regex engine).
        case regex(String)
    }

    /// `NFC`.
    case nfc
    /// `NFD`.
    case nfd
    /// `NFKC`.
    case nfkc
    /// `NFKD`.
    case nfkd
    /// `Lowercase` (Rust's `str::to_lowercase`: full Unicode lowercasing).
    case lowercase
    /// `Strip`: removes White_Space characters at the start and/or the end.
    case strip(left: Bool, right: Bool)
    /// `Replace`: every match of `pattern` becomes `content`, taken literally (HF has no `$1`).
    case replace(Pattern, content: String)
    /// `Prepend`: `prefix` is put before a text that is not empty.
    case prepend(String)

    /// The normalizer's `type` in a tokenizer.json.
    public var typeName: String {
        switch self {
        case .nfc: return "NFC"
        case .nfd: return "NFD"
        case .nfkc: return "NFKC"
        case .nfkd: return "NFKD"
        case .lowercase: return "Lowercase"
        case .strip: return "Strip"
        case .replace: return "Replace"
        case .prepend: return "Prepend"
        }
    }

    /// The `type`s Jikji reads in a `Sequence` (besides the `BertNormalizer`).
    public static let readableTypes = ["NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip", "Replace", "Prepend"]
}

// MARK: Reading

extension HFTokenizerJSONReader {
    /// The `BertNormalizer` object of `normalizer` and the normalizers before it: the object
    /// itself with none, or the members of a `Sequence` whose last member is the
    /// `BertNormalizer` and whose other members are ``HFNormalizer``s.
    func normalizerParts(_ root: JSONValue) throws -> (bert: JSONValue, before: [HFNormalizer]) {
        let normalizer = try object(root, "normalizer", at: "normalizer")
        let type = normalizer.member("type")?.stringValue ?? "(none)"
        if type == "BertNormalizer" { return (normalizer, []) }
        guard type == "Sequence" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "normalizer.type", found: type,
                                                   supported: "BertNormalizer, or a Sequence ending in one")
        }
        guard case .array(let members)? = normalizer.member("normalizers") else {
            throw HFTokenizerJSONError.badKey(path: path, key: "normalizer.normalizers", problem: "is not an array")
        }
        guard let last = members.last, last.member("type")?.stringValue == "BertNormalizer" else {
            throw HFTokenizerJSONError.unsupported(
                path: path, key: "normalizer.normalizers", found: "a Sequence that does not end in a BertNormalizer",
                supported: "a Sequence of \(HFNormalizer.readableTypes.joined(separator: ", ")) ending in a BertNormalizer")
        }
        let before = try members.dropLast().enumerated().map { index, member in
            try hfNormalizer(member, at: "normalizer.normalizers[\(index)]")
        }
        return (last, before)
    }

    /// One member of a normalizer `Sequence`.
    private func hfNormalizer(_ value: JSONValue, at key: String) throws -> HFNormalizer {
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: key, problem: "is not an object")
        }
        let type = value.member("type")?.stringValue ?? "(none)"
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(left: try bool(value, "strip_left", at: "\(key).strip_left", default: true),
                          right: try bool(value, "strip_right", at: "\(key).strip_right", default: true))
        case "Prepend":
            return .prepend(try string(value, "prepend", at: "\(key).prepend"))
        case "Replace":
            let pattern = try object(value, "pattern", at: "\(key).pattern")
            let content = try string(value, "content", at: "\(key).content")
            if let literal = pattern.member("String")?.stringValue { return .replace(.string(literal), content: content) }
            if let regex = pattern.member("Regex")?.stringValue { return .replace(.regex(regex), content: content) }
            throw HFTokenizerJSONError.badKey(path: path, key: "\(key).pattern", problem: "has neither a String nor a Regex")
        default:
            throw HFTokenizerJSONError.unsupported(path: path, key: "\(key).type", found: type,
                                                   supported: HFNormalizer.readableTypes.joined(separator: ", "))
        }
    }
}
