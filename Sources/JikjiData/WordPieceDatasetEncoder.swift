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

    public func id(of token: String) -> UInt32? { textEncoder.id(of: token).map { UInt32(bitPattern: $0) } }

    public func encode(_ texts: [String], appendingTo ids: inout [UInt32], ends: inout [Int]) throws {
        let encoded = try textEncoder.encodeIds(texts, addSpecialTokens: false)
        let base = ids.count
        ids.reserveCapacity(base + encoded.ids.count)
        for id in encoded.ids { ids.append(UInt32(bitPattern: id)) }
        ends.reserveCapacity(ends.count + encoded.ends.count)
        for end in encoded.ends { ends.append(base + end) }
    }
}
