/// `NAME` (the latest version) or `NAME@VERSION`, as users write it on the command line.
public struct VocabularyReference: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The vocabulary name.
    public var name: String
    /// A specific version (1, 2, …), or nil for the latest.
    public var version: Int?

    /// A reference to `name` at `version` (nil: latest). The name is checked with ``validateName(_:)``.
    public init(name: String, version: Int? = nil) throws {
        try Self.validateName(name)
        if let version, version < 1 {
            throw VocabularyStoreError.badReference("\(name)@\(version)", reason: "versions start at 1")
        }
        self.name = name
        self.version = version
    }

    /// Parses `NAME` or `NAME@VERSION`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 2, omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            try self.init(name: text)
        case 2:
            let name = String(parts[0]), versionText = String(parts[1])
            guard !name.isEmpty else {
                throw VocabularyStoreError.badReference(text, reason: "the name before '@' is empty")
            }
            guard let version = Int(versionText), versionText.allSatisfy(\.isASCII) else {
                throw VocabularyStoreError.badReference(text, reason: "'\(versionText)' after '@' is not a version number")
            }
            guard version >= 1 else {
                throw VocabularyStoreError.badReference(text, reason: "versions start at 1")
            }
            try self.init(name: name, version: version)
        default:
            throw VocabularyStoreError.badReference(text, reason: "more than one '@'")
        }
    }

    /// Throws ``VocabularyStoreError/badName(_:reason:)`` unless `name` is 1–100 characters of
    /// letters, digits, `.`, `_` and `-` (any script), not starting with `-` or `.`.
    public static func validateName(_ name: String) throws {
        guard !name.isEmpty else { throw VocabularyStoreError.badName(name, reason: "it is empty") }
        guard name.count <= 100 else { throw VocabularyStoreError.badName(name, reason: "it is longer than 100 characters") }
        if let bad = name.unicodeScalars.first(where: { !($0.properties.isAlphabetic || $0.properties.numericType != nil
            || $0 == "." || $0 == "_" || $0 == "-") }) {
            throw VocabularyStoreError.badName(
                name, reason: "'\(bad.escaped(asASCII: true))' is not allowed (use letters, digits, '.', '_' and '-')")
        }
        if name.hasPrefix("-") || name.hasPrefix(".") {
            throw VocabularyStoreError.badName(name, reason: "it must not start with '-' or '.'")
        }
    }

    /// `name` or `name@version`.
    public var description: String { version.map { "\(name)@\($0)" } ?? name }
}
