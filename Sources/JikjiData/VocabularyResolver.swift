import JikjiVocabStore
import JikjiWordPiece

/// Finds the vocabulary a dataset build names (`NAME[@VERSION]` in the vocabulary store) and
/// returns the encoder that cleans and encodes text exactly as that vocabulary was trained.
public struct VocabularyResolver {
    /// The Jikji database holding the vocabularies.
    public let databasePath: String

    /// A resolver over the database at `databasePath`.
    public init(databasePath: String) {
        self.databasePath = databasePath
    }

    /// The encoder of vocabulary `reference` (`name` for the latest version, or `name@version`).
    /// - Throws: the store's errors (unknown name or version, missing database) as they are.
    public func encoder(for reference: String) throws -> WordPieceDatasetEncoder {
        let store = try VocabularyStore(path: databasePath, create: false, readOnly: true)
        return try WordPieceDatasetEncoder(try store.load(reference))
    }

    /// The ids of user-given start and end tokens of batches (`dataset batches --start-token`) in
    /// vocabulary `reference`; nil for a token not given. The store is not opened when neither is.
    /// - Throws: ``VocabularyResolverError/unknownToken(_:vocabulary:)``, or the store's errors.
    public func tokenIDs(start: String?, end: String?, in reference: String) throws -> (start: TokenID?, end: TokenID?) {
        guard start != nil || end != nil else { return (nil, nil) }
        let encoder = try encoder(for: reference)
        func lookup(_ token: String) throws -> TokenID {
            guard let id = encoder.id(of: token) else { throw VocabularyResolverError.unknownToken(token, vocabulary: reference) }
            return id
        }
        return (try start.map(lookup), try end.map(lookup))
    }
}

/// A token a command names that the vocabulary does not have.
public enum VocabularyResolverError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `token` is not in vocabulary `vocabulary` (`NAME[@VERSION]`).
    case unknownToken(String, vocabulary: String)

    public var description: String {
        switch self {
        case let .unknownToken(token, vocabulary): return "token '\(token)' is not in vocabulary \(vocabulary)"
        }
    }
}
