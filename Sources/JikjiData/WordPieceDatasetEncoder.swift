import JikjiVocabStore
import JikjiWordPiece

/// A ``DatasetEncoder`` over a stored WordPiece vocabulary: its ``TextEncoder`` (the stored
/// cleaning pipeline, then HF's BERT normalizer, pre-tokenizer and WordPiece) without special
/// tokens, texts spread over all cores, each worker cleaning with its own cleaner.
public struct WordPieceDatasetEncoder: DatasetEncoder {
    /// The vocabulary's complete encoder and decoder.
    public let textEncoder: TextEncoder
    public let vocabularyReference: String

    /// The encoder of `stored` (see ``StoredVocabulary/textEncoder()``).
    /// - Throws: when the stored vocabulary or its cleaning pipeline cannot be used.
    public init(_ stored: StoredVocabulary) throws {
        self.init(try stored.textEncoder(), vocabularyReference: stored.reference)
    }

    /// A dataset encoder over `textEncoder`, recording `vocabularyReference` as provenance.
    public init(_ textEncoder: TextEncoder, vocabularyReference: String) {
        self.textEncoder = textEncoder
        self.vocabularyReference = vocabularyReference
    }

    public var vocabularySize: Int { textEncoder.vocabulary.count }

    public func id(of token: String) -> TokenID? { textEncoder.id(of: token) }

    public func encode(_ texts: [String], appendingTo ids: inout [TokenID], ends: inout [Int]) throws {
        let encoded = try textEncoder.encodeIds(texts, addSpecialTokens: false)
        let base = ids.count
        ids.reserveCapacity(base + encoded.ids.count)
        ids.append(contentsOf: encoded.ids)
        ends.reserveCapacity(ends.count + encoded.ends.count)
        for end in encoded.ends { ends.append(base + end) }
    }
}
