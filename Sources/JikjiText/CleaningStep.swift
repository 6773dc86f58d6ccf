import JikjiIO
import JikjiConfig

/// One step of a ``CleaningPipeline``: what it does and its parameters.
///
/// In YAML or JSON a step is its name (`nfkc`), or a one-key mapping from its name to its
/// parameters (`{repeat-limit: 2}`, `{punctuation-to-space: {except: "'"}}`).
public enum CleaningStep: Hashable, Sendable {
    /// Unicode normalization through ICU (`nfc`, `nfd`, `nfkc`, `nfkd`, `nfkc-casefold`).
    case normalize(NormalizationForm)
    /// NFKC, except that compatibility jamo (ㅋ U+314B, ㅠ U+3160, … U+3131–U+318E) stay as they
    /// are (`nfkc-keep-compat-jamo`), so they never compose with their neighbours: ㅋㅠ stays
    /// ㅋㅠ where NFKC makes 큐, and 가ㄳ stays 가ㄳ where NFKC makes 갃. Halfwidth jamo
    /// (ﾻ U+FFBB) become the compatibility jamo they are narrow forms of, on their own too.
    case nfkcKeepingCompatibilityJamo
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

    /// Every step name accepted in pipeline files (``Kind``'s names, in its order).
    public static let names: [String] = Kind.allCases.map(\.rawValue)

    /// The step's name in pipeline files.
    public var name: String { kind.rawValue }
}

// MARK: Reading steps

extension CleaningStep {
    /// Reads step number `index` (1-based) of a pipeline: a step name, or a one-key mapping from
    /// the name to its parameters. Errors name the step as `steps[index]` and its parameters as
    /// `steps[index].name.key`.
    static func parse(_ value: ConfigValue, index: Int, location fallback: ConfigLocation?) throws -> CleaningStep {
        let path = ConfigPath.item(index, in: "steps")
        let location = value.location ?? fallback
        let name: String
        var parameters: ConfigValue? = nil
        switch value {
        case .scalar(let text, _):
            name = text
        case .mapping(let pairs, _) where pairs.count == 1:
            name = pairs[0].key
            // `- nfkc:` (an empty or null value) means no parameters.
            let given = pairs[0].value
            if !given.isNull, given != .scalar("", at: nil) { parameters = given }
        case .mapping(let pairs, _):
            let keys = pairs.map { "'\($0.key)'" }.joined(separator: ", ")
            throw ConfigError(.wrongType, at: location, path: path,
                              "several keys (\(keys)): write one step per list item, as 'name' or 'name: parameters'")
        case .list:
            throw ConfigError(.wrongType, at: location, path: path, "expected a step name or 'name: parameters', found a list")
        }
        guard let kind = Kind(rawValue: name) else {
            throw ConfigError(.notAllowed, at: location, path: path, "unknown step '\(name)'", allowed: CleaningStep.names)
        }
        let stepPath = ConfigPath.key(name, in: path)
        if case .scalar(let text, let at)? = parameters {
            guard let key = kind.shorthandKey else {
                throw ConfigError(.wrongType, at: at ?? location, path: stepPath,
                                  !kind.takesParameters ? "'\(name)' takes no parameters, found '\(text)'"
                                    : "expected a mapping of parameters, found '\(text)'")
            }
            parameters = .mapping([(key, parameters!)], at: at)
        }
        if !kind.takesParameters, case .mapping(let pairs, _)? = parameters, let first = pairs.first {
            throw ConfigError(.unknownKey, at: first.value.location ?? location, path: ConfigPath.key(first.key, in: stepPath),
                              "unknown key; '\(name)' takes no parameters")
        }
        let r = try ConfigReader(parameters, path: stepPath, location: location)
        let step: CleaningStep
        switch kind {
        case .htmlTags: step = .htmlTags(replace: try r.string("replace", default: " "))
        case .urls: step = .urls(replace: try r.string("replace", default: " "))
        case .emails: step = .emails(replace: try r.string("replace", default: " "))
        case .punctuationToSpace:
            step = .punctuationToSpace(except: try r.string("except", default: ""),
                                       symbols: try r.bool("symbols", default: true))
        case .hangulOnly:
            step = .hangulOnly(latin: try r.bool("latin", default: true),
                               digits: try r.bool("digits", default: true),
                               keep: try r.string("keep", default: ""))
        case .repeatLimit:
            step = .repeatLimit(max: try r.int("max", default: 2, range: 1...1000),
                                unit: try r.int("unit", default: 3, range: 1...16),
                                digits: try r.bool("digits", default: false))
        case .regex:
            step = .regex(pattern: try r.requiredString("pattern", what: "give an ICU regular expression, e.g. '(\\d+)원'"),
                          replace: try r.string("replace", default: ""),
                          ignoreCase: try r.bool("ignore-case", default: false))
        case .transliterate:
            step = .transliterate(id: try r.requiredString("id", what: "name an ICU transliterator, e.g. Hangul-Latin"))
        case .nfc, .nfd, .nfkc, .nfkd, .nfkcCasefold, .nfkcKeepingCompatibilityJamo, .lowercase, .casefold, .hangulToJamo,
             .jamoToHangul, .compatibilityJamoToConjoining, .conjoiningJamoToCompatibility, .collapseWhitespace, .stripControl:
            // Parameterless: the default step is the only one (never nil for these kinds).
            guard let only = kind.defaultStep else {
                throw ConfigError(.missing, at: location, path: stepPath, "'\(name)' has no default")
            }
            step = only
        }
        try r.finish()
        return step
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
