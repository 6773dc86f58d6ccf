import JikjiConfig

extension CleaningStep {
    /// The kinds of cleaning step, by their names in pipeline files: the closed list of what a
    /// pipeline can do. Every ``CleaningStep`` has one (``CleaningStep/kind``), so a new step
    /// cannot be added without a name, a default and a place in ``CleaningStep/names``.
    public enum Kind: String, CaseIterable, Sendable {
        case nfc, nfd, nfkc, nfkd
        case nfkcCasefold = "nfkc-casefold"
        case nfkcKeepingCompatibilityJamo = "nfkc-keep-compat-jamo"
        case lowercase, casefold
        case hangulToJamo = "hangul-to-jamo"
        case jamoToHangul = "jamo-to-hangul"
        case compatibilityJamoToConjoining = "compat-jamo-to-conjoining"
        case conjoiningJamoToCompatibility = "conjoining-jamo-to-compat"
        case htmlTags = "html-tags"
        case urls, emails
        case collapseWhitespace = "collapse-whitespace"
        case stripControl = "strip-control"
        case punctuationToSpace = "punctuation-to-space"
        case hangulOnly = "hangul-only"
        case repeatLimit = "repeat-limit"
        case regex, transliterate

        /// The step of this kind with every parameter at its default; nil for the kinds that
        /// have a required parameter (``requiredParameter``).
        public var defaultStep: CleaningStep? {
            switch self {
            case .nfc: return .normalize(.nfc)
            case .nfd: return .normalize(.nfd)
            case .nfkc: return .normalize(.nfkc)
            case .nfkd: return .normalize(.nfkd)
            case .nfkcCasefold: return .normalize(.nfkcCasefold)
            case .nfkcKeepingCompatibilityJamo: return .nfkcKeepingCompatibilityJamo
            case .lowercase: return .lowercase
            case .casefold: return .casefold
            case .hangulToJamo: return .hangulToJamo
            case .jamoToHangul: return .jamoToHangul
            case .compatibilityJamoToConjoining: return .compatibilityJamoToConjoining
            case .conjoiningJamoToCompatibility: return .conjoiningJamoToCompatibility
            case .htmlTags: return .htmlTags(replace: " ")
            case .urls: return .urls(replace: " ")
            case .emails: return .emails(replace: " ")
            case .collapseWhitespace: return .collapseWhitespace
            case .stripControl: return .stripControl
            case .punctuationToSpace: return .punctuationToSpace(except: "", symbols: true)
            case .hangulOnly: return .hangulOnly(latin: true, digits: true, keep: "")
            case .repeatLimit: return .repeatLimit(max: 2, unit: 3, digits: false)
            case .regex, .transliterate: return nil
            }
        }

        /// The parameter a step of this kind cannot do without (`pattern`, `id`), with an
        /// example of a step that gives it; nil when every parameter has a default.
        public var requiredParameter: (key: String, example: String)? {
            switch self {
            case .regex: return ("pattern", #"{regex: {pattern: '(\d+)원', replace: '$1 won'}}"#)
            case .transliterate: return ("id", "{transliterate: Hangul-Latin}")
            default: return nil
            }
        }

        /// Whether steps of this kind take parameters at all.
        var takesParameters: Bool {
            switch self {
            case .htmlTags, .urls, .emails, .punctuationToSpace, .hangulOnly, .repeatLimit, .regex, .transliterate:
                return true
            default:
                return false
            }
        }

        /// The key that a step's single scalar value stands for (`repeat-limit: 2` is
        /// `repeat-limit: {max: 2}`), for kinds that have one.
        var shorthandKey: String? {
            switch self {
            case .repeatLimit: return "max"
            case .transliterate: return "id"
            default: return nil
            }
        }
    }

    /// The kind of this step.
    public var kind: Kind {
        switch self {
        case .normalize(let form):
            switch form {
            case .nfc: return .nfc
            case .nfd: return .nfd
            case .nfkc: return .nfkc
            case .nfkd: return .nfkd
            case .nfkcCasefold: return .nfkcCasefold
            }
        case .nfkcKeepingCompatibilityJamo: return .nfkcKeepingCompatibilityJamo
        case .lowercase: return .lowercase
        case .casefold: return .casefold
        case .hangulToJamo: return .hangulToJamo
        case .jamoToHangul: return .jamoToHangul
        case .compatibilityJamoToConjoining: return .compatibilityJamoToConjoining
        case .conjoiningJamoToCompatibility: return .conjoiningJamoToCompatibility
        case .htmlTags: return .htmlTags
        case .urls: return .urls
        case .emails: return .emails
        case .collapseWhitespace: return .collapseWhitespace
        case .stripControl: return .stripControl
        case .punctuationToSpace: return .punctuationToSpace
        case .hangulOnly: return .hangulOnly
        case .repeatLimit: return .repeatLimit
        case .regex: return .regex
        case .transliterate: return .transliterate
        }
    }

    /// The one-step pipeline that a step's name alone stands for (`--pipeline nfd`): the step
    /// with its default parameters. Throws when the name is not a step, or names a step that
    /// needs a parameter (`regex`, `transliterate`), saying how to give it.
    static func alone(named name: String) throws -> CleaningStep? {
        guard let kind = Kind(rawValue: name) else { return nil }
        if let step = kind.defaultStep { return step }
        let required = kind.requiredParameter.map { "'\($0.key)'; write it in a pipeline file, e.g. 'steps: [\($0.example)]'" }
            ?? "parameters"
        throw ConfigError(.missing, at: ConfigLocation(source: name), path: nil,
                          "the step '\(name)' cannot run without its \(required)")
    }
}
