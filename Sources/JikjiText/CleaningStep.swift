import JikjiIO

/// One step of a ``CleaningPipeline``: what it does and its parameters.
///
/// In YAML or JSON a step is its name (`nfkc`), or a one-key mapping from its name to its
/// parameters (`{repeat-limit: 2}`, `{punctuation-to-space: {except: "'"}}`).
public enum CleaningStep: Hashable, Sendable {
    /// Unicode normalization through ICU (`nfc`, `nfd`, `nfkc`, `nfkd`, `nfkc-casefold`).
    case normalize(NormalizationForm)
    /// Full Unicode lowercasing (`lowercase`).
    case lowercase
    /// Full Unicode case folding (`casefold`).
    case casefold
    /// Syllables → conjoining jamo (`hangul-to-jamo`): 한 → ᄒ ᅡ ᆫ.
    case hangulToJamo
    /// Conjoining jamo → syllables (`jamo-to-hangul`).
    case jamoToHangul
    /// Compatibility jamo → conjoining jamo (`compat-jamo-to-conjoining`): ㅋ U+314B → U+110F.
    case compatibilityJamoToConjoining
    /// Conjoining jamo → compatibility jamo (`conjoining-jamo-to-compat`).
    case conjoiningJamoToCompatibility
    /// HTML/XML tags and comments → `replace` (`html-tags`; default a space). `<br />` and
    /// `</p>` go; `<영화제목>` stays, since a tag name must start with a Latin letter.
    case htmlTags(replace: String)
    /// `http(s)://…`, `ftp://…` and `www.…` links → `replace` (`urls`; default a space).
    case urls(replace: String)
    /// E-mail addresses → `replace` (`emails`; default a space).
    case emails(replace: String)
    /// Whitespace runs → one space, ends trimmed (`collapse-whitespace`), as Python's
    /// `" ".join(s.split())`.
    case collapseWhitespace
    /// Removes control, format and private-use characters (`strip-control`); tab and other
    /// whitespace controls become spaces.
    case stripControl
    /// Punctuation (and symbols unless `symbols: false`) → space, except the characters of
    /// `except` (`punctuation-to-space`).
    case punctuationToSpace(except: String, symbols: Bool)
    /// Keeps Hangul, whitespace and optionally Latin letters, digits and the characters of
    /// `keep`; the rest becomes spaces (`hangul-only`).
    case hangulOnly(latin: Bool, digits: Bool, keep: String)
    /// Runs of a repeated unit of 1…`unit` characters longer than `max` are cut to `max`
    /// repetitions (`repeat-limit`): ㅋㅋㅋㅋㅋ → ㅋㅋ, 안ㅋㅋㅋ → 안ㅋㅋ. Units with a decimal digit
    /// are left alone (5000원 stays) unless `digits` is true.
    case repeatLimit(max: Int, unit: Int, digits: Bool)
    /// An ICU regular expression; `replace` may use `$1` (`regex`). Applied to each line (or
    /// field) separately.
    case regex(pattern: String, replace: String, ignoreCase: Bool)
    /// An ICU transliterator by id, e.g. `Hangul-Latin` (`transliterate`).
    case transliterate(id: String)

    /// Every step name accepted in pipeline files.
    public static let names: [String] = [
        "nfc", "nfd", "nfkc", "nfkd", "nfkc-casefold", "lowercase", "casefold",
        "hangul-to-jamo", "jamo-to-hangul", "compat-jamo-to-conjoining", "conjoining-jamo-to-compat",
        "html-tags", "urls", "emails", "collapse-whitespace", "strip-control",
        "punctuation-to-space", "hangul-only", "repeat-limit", "regex", "transliterate",
    ]

    /// The step's name in pipeline files.
    public var name: String {
        switch self {
        case .normalize(let form): return form.rawValue
        case .lowercase: return "lowercase"
        case .casefold: return "casefold"
        case .hangulToJamo: return "hangul-to-jamo"
        case .jamoToHangul: return "jamo-to-hangul"
        case .compatibilityJamoToConjoining: return "compat-jamo-to-conjoining"
        case .conjoiningJamoToCompatibility: return "conjoining-jamo-to-compat"
        case .htmlTags: return "html-tags"
        case .urls: return "urls"
        case .emails: return "emails"
        case .collapseWhitespace: return "collapse-whitespace"
        case .stripControl: return "strip-control"
        case .punctuationToSpace: return "punctuation-to-space"
        case .hangulOnly: return "hangul-only"
        case .repeatLimit: return "repeat-limit"
        case .regex: return "regex"
        case .transliterate: return "transliterate"
        }
    }
}

// MARK: Reading steps

/// A parsed YAML or JSON value, with the line it came from when known.
enum PipelineValue {
    case scalar(String, line: Int?)
    case list([PipelineValue], line: Int?)
    case map([(key: String, value: PipelineValue)], line: Int?)

    var line: Int? {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): return line
        }
    }

    var shortDescription: String {
        switch self {
        case .scalar(let text, _): return "'\(text)'"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}

extension CleaningStep {
    /// Reads step number `index` (1-based) of a pipeline named `source`.
    static func parse(_ value: PipelineValue, index: Int, source: String) throws -> CleaningStep {
        let name: String
        var parameters: PipelineValue? = nil
        switch value {
        case .scalar(let text, _):
            name = text
        case .map(let pairs, _) where pairs.count == 1:
            name = pairs[0].key
            // `- nfkc:` (a null value) means no parameters.
            if case .scalar("", _) = pairs[0].value {} else { parameters = pairs[0].value }
        case .map(let pairs, _):
            let keys = pairs.map { "'\($0.key)'" }.joined(separator: ", ")
            throw TextInputError(.badPipeline, file: source, line: value.line,
                                 "step \(index) has several keys (\(keys)): write one step per list item, "
                                 + "as 'name' or 'name: parameters'")
        case .list:
            throw TextInputError(.badPipeline, file: source, line: value.line,
                                 "step \(index) is a list: expected a step name or 'name: parameters'")
        }
        var reader = ParameterReader(step: name, index: index, source: source, value: parameters)
        let step: CleaningStep
        switch name {
        case "nfc", "nfd", "nfkc", "nfkd", "nfkc-casefold":
            step = .normalize(NormalizationForm(rawValue: name)!)
        case "lowercase": step = .lowercase
        case "casefold": step = .casefold
        case "hangul-to-jamo": step = .hangulToJamo
        case "jamo-to-hangul": step = .jamoToHangul
        case "compat-jamo-to-conjoining": step = .compatibilityJamoToConjoining
        case "conjoining-jamo-to-compat": step = .conjoiningJamoToCompatibility
        case "collapse-whitespace": step = .collapseWhitespace
        case "strip-control": step = .stripControl
        case "html-tags": step = .htmlTags(replace: try reader.string("replace", default: " "))
        case "urls": step = .urls(replace: try reader.string("replace", default: " "))
        case "emails": step = .emails(replace: try reader.string("replace", default: " "))
        case "punctuation-to-space":
            step = .punctuationToSpace(except: try reader.string("except", default: ""),
                                       symbols: try reader.bool("symbols", default: true))
        case "hangul-only":
            step = .hangulOnly(latin: try reader.bool("latin", default: true),
                               digits: try reader.bool("digits", default: true),
                               keep: try reader.string("keep", default: ""))
        case "repeat-limit":
            step = .repeatLimit(max: try reader.int("max", default: 2, range: 1...1000, shorthand: true),
                                unit: try reader.int("unit", default: 3, range: 1...16),
                                digits: try reader.bool("digits", default: false))
        case "regex":
            let pattern = try reader.string("pattern", default: nil)
            if pattern.isEmpty { throw reader.error("key 'pattern' must not be empty") }
            step = .regex(pattern: pattern, replace: try reader.string("replace", default: ""),
                          ignoreCase: try reader.bool("ignore-case", default: false))
        case "transliterate":
            let id = try reader.string("id", default: nil, shorthand: true)
            if id.isEmpty { throw reader.error("key 'id' must name an ICU transliterator, e.g. Hangul-Latin") }
            step = .transliterate(id: id)
        default:
            let known = CleaningStep.names.joined(separator: ", ")
            throw TextInputError(.unknownStep, file: source, line: value.line,
                                 "step \(index): unknown step '\(name)' (known steps: \(known))")
        }
        try reader.finish()
        return step
    }
}

/// Reads the parameters of one step, remembering which keys were used so that unknown keys
/// are reported.
private struct ParameterReader {
    let step: String
    let index: Int
    let source: String
    let value: PipelineValue?
    private var used = Set<String>()
    private var shorthandUsed = false

    init(step: String, index: Int, source: String, value: PipelineValue?) {
        self.step = step
        self.index = index
        self.source = source
        self.value = value
    }

    func error(_ message: String, line: Int? = nil) -> TextInputError {
        TextInputError(.badParameter, file: source, line: line ?? value?.line,
                       "step \(index) '\(step)': \(message)")
    }

    /// The raw value of `key`: from the mapping, or the step's scalar itself when `shorthand`.
    private mutating func raw(_ key: String, shorthand: Bool) throws -> PipelineValue? {
        used.insert(key)
        switch value {
        case nil:
            return nil
        case .scalar?:
            if shorthand { shorthandUsed = true; return value }
            return nil
        case .map(let pairs, _)?:
            return pairs.first { $0.key == key }?.value
        case .list?:
            return nil
        }
    }

    mutating func string(_ key: String, default fallback: String?, shorthand: Bool = false) throws -> String {
        guard let found = try raw(key, shorthand: shorthand) else {
            if let fallback { return fallback }
            throw error("missing key '\(key)'")
        }
        guard case .scalar(let text, _) = found else {
            throw error("key '\(key)' must be a string, not \(found.shortDescription)", line: found.line)
        }
        return text
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let found = try raw(key, shorthand: false) else { return fallback }
        if case .scalar(let text, _) = found {
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: break
            }
        }
        throw error("key '\(key)' must be true or false, not \(found.shortDescription)", line: found.line)
    }

    mutating func int(_ key: String, default fallback: Int, range: ClosedRange<Int>,
                      shorthand: Bool = false) throws -> Int {
        guard let found = try raw(key, shorthand: shorthand) else { return fallback }
        if case .scalar(let text, _) = found, let number = Int(text), range.contains(number) {
            return number
        }
        throw error("key '\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound), "
                    + "not \(found.shortDescription)", line: found.line)
    }

    /// Fails on keys the step does not know, and on parameters given to a step that takes none.
    func finish() throws {
        switch value {
        case nil:
            return
        case .scalar(let text, _)?:
            if !shorthandUsed {
                throw error(used.isEmpty ? "takes no parameters, got '\(text)'"
                            : "expected a mapping of parameters (\(used.sorted().joined(separator: ", "))), got '\(text)'")
            }
        case .map(let pairs, _)?:
            for pair in pairs where !used.contains(pair.key) {
                let known = used.isEmpty ? "it takes no parameters" : "known keys: \(used.sorted().joined(separator: ", "))"
                throw error("unknown key '\(pair.key)' (\(known))", line: pair.value.line)
            }
        case .list(_, let line)?:
            throw error("parameters must be a mapping, not a list", line: line)
        }
    }
}

// MARK: Writing steps

extension CleaningStep {
    /// The step's parameters that differ from their defaults, in a fixed order, or for steps
    /// with a one-value shorthand, that value alone (`repeat-limit: 2`).
    var writtenParameters: WrittenParameters {
        switch self {
        case .htmlTags(let replace), .urls(let replace), .emails(let replace):
            return replace == " " ? .none : .map([("replace", .string(replace))])
        case .punctuationToSpace(let except, let symbols):
            var pairs: [(String, WrittenScalar)] = []
            if !except.isEmpty { pairs.append(("except", .string(except))) }
            if !symbols { pairs.append(("symbols", .bool(false))) }
            return pairs.isEmpty ? .none : .map(pairs)
        case .hangulOnly(let latin, let digits, let keep):
            var pairs: [(String, WrittenScalar)] = []
            if !latin { pairs.append(("latin", .bool(false))) }
            if !digits { pairs.append(("digits", .bool(false))) }
            if !keep.isEmpty { pairs.append(("keep", .string(keep))) }
            return pairs.isEmpty ? .none : .map(pairs)
        case .repeatLimit(let max, let unit, let digits):
            if unit == 3 && !digits { return .scalar(.int(max)) }
            var pairs: [(String, WrittenScalar)] = [("max", .int(max))]
            if unit != 3 { pairs.append(("unit", .int(unit))) }
            if digits { pairs.append(("digits", .bool(true))) }
            return .map(pairs)
        case .regex(let pattern, let replace, let ignoreCase):
            var pairs: [(String, WrittenScalar)] = [("pattern", .string(pattern)), ("replace", .string(replace))]
            if ignoreCase { pairs.append(("ignore-case", .bool(true))) }
            return .map(pairs)
        case .transliterate(let id):
            return .scalar(.string(id))
        default:
            return .none
        }
    }

    enum WrittenScalar {
        case string(String), int(Int), bool(Bool)

        /// The value as JSON, which is also a valid YAML flow scalar.
        var json: String {
            switch self {
            case .string(let text): return jsonQuoted(text)
            case .int(let number): return String(number)
            case .bool(let flag): return flag ? "true" : "false"
            }
        }
    }

    enum WrittenParameters {
        case none
        case scalar(WrittenScalar)
        case map([(String, WrittenScalar)])
    }
}

/// `text` as a JSON string literal (also a valid YAML double-quoted scalar): quotes, backslashes,
/// control characters and what YAML does not allow raw (U+2028/9, U+FEFF, U+FFFE/F) escaped,
/// everything else as is.
func jsonQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
