/// Why a vocabulary cannot be found, saved or loaded.
public enum VocabularyStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A `NAME[@VERSION]` reference that does not parse.
    case badReference(String, reason: String)
    /// A vocabulary name that cannot be stored (empty, contains `@`, whitespace or a slash).
    case badName(String, reason: String)
    /// No vocabulary has this name; `available` lists the names that exist.
    case unknownName(String, available: [String], database: String)
    /// The name exists but not at this version; `available` lists its versions.
    case unknownVersion(name: String, version: Int, available: [Int], database: String)
    /// The database file does not exist (reading commands never create it).
    case databaseMissing(path: String)
    /// A vocabulary to save is unusable (no tokens, no unknown token, …).
    case invalidVocabulary(name: String, reason: String)
    /// A stored row cannot be understood (a damaged or hand-edited database).
    case corruptRecord(database: String, vocabulary: String, problem: String)

    public var description: String {
        switch self {
        case let .badReference(text, reason):
            return "bad vocabulary reference '\(text)': \(reason) (expected NAME or NAME@VERSION, e.g. nsmc@2)"
        case let .badName(name, reason):
            return "bad vocabulary name '\(name)': \(reason)"
        case let .unknownName(name, available, database):
            let list = available.isEmpty ? "the database holds no vocabularies yet"
                : "available: \(available.joined(separator: ", "))"
            return "no vocabulary named '\(name)' in \(database); \(list)"
        case let .unknownVersion(name, version, available, database):
            let list = available.map { "\(name)@\($0)" }.joined(separator: ", ")
            return "vocabulary \(name) has no version \(version) in \(database); available: \(list)"
        case let .databaseMissing(path):
            return "vocabulary database \(path) does not exist; create it with `jikji vocab train` or "
                + "`jikji vocab import`, or pass --db PATH"
        case let .invalidVocabulary(name, reason):
            return "cannot save vocabulary \(name): \(reason)"
        case let .corruptRecord(database, vocabulary, problem):
            return "vocabulary \(vocabulary) in \(database) is damaged: \(problem)"
        }
    }
}
