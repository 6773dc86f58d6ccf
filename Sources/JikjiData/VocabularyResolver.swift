import JikjiVocabStore

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
}
