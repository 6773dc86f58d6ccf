/// What is wrong with a configuration (a job file, a cleaning pipeline, a `--set` override),
/// in one style everywhere: `file:line: key.path: problem; allowed: …`.
///
/// The location is left out when the value has none (a default), the key path when the problem
/// is the whole text (a syntax error), and `allowed:` when there is no closed set to list.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of problem it is, for callers and tests that react to each.
    public enum Kind: String, Sendable, CaseIterable {
        /// The file could not be read (missing, unreadable, not UTF-8).
        case cannotRead
        /// Not valid YAML or JSON.
        case syntax
        /// Nested deeper than ``ConfigLimits/maximumDepth``, refused before parsing.
        case tooDeep
        /// More nodes than ``ConfigLimits/maximumNodes`` (YAML aliases expanding without end).
        case tooLarge
        /// A key the mapping does not have.
        case unknownKey
        /// A value of the wrong type.
        case wrongType
        /// A value outside the allowed set or range.
        case notAllowed
        /// A required value is absent.
        case missing
        /// Settings that cannot go together.
        case impossible
        /// A `--set key.path=value` argument that cannot be applied.
        case badOverride
    }

    /// The kind of problem.
    public let kind: Kind
    /// Where the offending value was written: file and line, `--set`, or nil for a default.
    public let location: ConfigLocation?
    /// The dotted key path (`model.encoder.cell`, `steps[2].regex.pattern`), or nil.
    public let path: String?
    /// What is wrong, and where possible what to write instead.
    public let problem: String
    /// The closed set (or range) of what is allowed; empty when there is none to list.
    public let allowed: [String]

    /// An error; `allowed` lists the choices when the value must be one of a closed set.
    public init(_ kind: Kind, at location: ConfigLocation?, path: String?, _ problem: String, allowed: [String] = []) {
        self.kind = kind
        self.location = location
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
        self.problem = problem
        self.allowed = allowed
    }

    /// The source file (or `--set`) of the problem, when known.
    public var source: String? { location?.source }
    /// The 1-based line of the problem, when known.
    public var line: Int? { location?.line }

    /// `file:line: key.path: problem; allowed: a, b, c`, each part present when known.
    public var description: String {
        var text = ""
        if let location { text += location.description + ": " }
        if let path { text += path + ": " }
        text += problem
        if !allowed.isEmpty { text += "; allowed: " + allowed.joined(separator: ", ") }
        return text
    }
}
