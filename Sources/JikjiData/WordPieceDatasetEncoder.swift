import Foundation
import JikjiVocabStore
import JikjiWordPiece

/// Finds the vocabulary a dataset build names (`NAME[@VERSION]` in the vocabulary store) and
/// returns the encoder that cleans and encodes text exactly as that vocabulary was trained.
public struct VocabularyResolver {
    /// The Jikji database holding the vocabularies.
    public let databasePath: String

    public init(databasePath: String) {
        self.databasePath = databasePath
    }

    /// The encoder of vocabulary `reference` (`name` for the latest version, or `name@version`).
    /// - Throws: the store's errors (unknown name or version, missing database) as they are.
    public func encoder(for reference: String) throws -> WordPieceDatasetEncoder {
        let store = try VocabularyStore(path: databasePath, create: false)
        return try WordPieceDatasetEncoder(try store.load(reference))
    }
}

/// A ``DatasetEncoder`` over a stored WordPiece vocabulary: the vocabulary's normalizer, then
/// WordPiece without special tokens, texts spread over all cores.
public struct WordPieceDatasetEncoder: DatasetEncoder {
    public let vocabulary: WordPieceVocabulary
    public let normalizer: BertNormalizerOptions
    public let vocabularyReference: String

    /// An encoder for `stored`.
    public init(_ stored: StoredVocabulary) throws {
        vocabulary = try stored.wordPieceVocabulary()
        normalizer = stored.normalizer
        vocabularyReference = stored.reference
    }

    public var vocabularySize: Int { vocabulary.count }

    public func id(of token: String) -> UInt32? { vocabulary.id(for: token).map { UInt32($0) } }

    public func encode(_ texts: [String], appendingTo ids: inout [UInt32], ends: inout [Int]) throws {
        // Split the texts into one contiguous slice per core; each slice encodes into its own buffer.
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count / 256))
        let per = (texts.count + workers - 1) / max(1, workers)
        var parts = [[UInt32]](repeating: [], count: workers)
        var lengths = [[Int]](repeating: [], count: workers)
        parts.withUnsafeMutableBufferPointer { partsOut in
            lengths.withUnsafeMutableBufferPointer { lengthsOut in
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let range = (w * per)..<min(texts.count, (w + 1) * per)
                    var preTokenizer = BertPreTokenizer(normalizer: normalizer)
                    var out: [UInt32] = []
                    var counts: [Int] = []
                    counts.reserveCapacity(range.count)
                    for i in range {
                        let before = out.count
                        encodeOne(texts[i], preTokenizer: &preTokenizer, into: &out)
                        counts.append(out.count - before)
                    }
                    partsOut[w] = out
                    lengthsOut[w] = counts
                }
            }
        }
        for w in 0..<workers {
            let base = ids.count
            ids.append(contentsOf: parts[w])
            var end = base
            for length in lengths[w] { end += length; ends.append(end) }
        }
    }

    /// Greedy longest-match-first WordPiece over one text's words.
    private func encodeOne(_ text: String, preTokenizer: inout BertPreTokenizer, into out: inout [UInt32]) {
        let unk = UInt32(vocabulary.unknownTokenId ?? 0)
        let prefix = vocabulary.continuingSubwordPrefix
        preTokenizer.forEachWord(in: text) { word in
            let scalars = word.codePoints
            guard scalars.count <= vocabulary.maxInputCharactersPerWord else { out.append(unk); return }
            let mark = out.count
            var start = 0
            while start < scalars.count {
                var end = scalars.count
                var found: Int?
                while end > start {
                    var piece = start > 0 ? prefix : ""
                    piece.unicodeScalars.append(contentsOf: scalars[start..<end].lazy.compactMap(Unicode.Scalar.init))
                    if let id = vocabulary.id(for: piece) { found = id; break }
                    end -= 1
                }
                guard let found else {
                    out.removeLast(out.count - mark)
                    out.append(unk)
                    return
                }
                out.append(UInt32(found))
                start = end
            }
        }
    }
}
