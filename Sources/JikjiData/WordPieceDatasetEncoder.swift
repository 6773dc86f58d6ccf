import Foundation
import JikjiText
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

/// A ``DatasetEncoder`` over a stored WordPiece vocabulary: the vocabulary's cleaning pipeline,
/// its BERT normalizer, then WordPiece without special tokens, texts spread over all cores.
public struct WordPieceDatasetEncoder: DatasetEncoder {
    public let vocabulary: WordPieceVocabulary
    public let normalizer: BertNormalizerOptions
    public let vocabularyReference: String
    private let pieces: PieceTable
    /// The cleaning pipeline stored with the vocabulary (nil: none), run before the normalizer.
    public let pipeline: CleaningPipeline?

    /// An encoder for `stored`.
    public init(_ stored: StoredVocabulary) throws {
        if let json = stored.pipeline, !json.isEmpty, json != "null" {
            // Text must be cleaned exactly as the vocabulary's training corpus was.
            let pipeline = try CleaningPipeline(json: json, source: "cleaning pipeline of vocabulary \(stored.reference)")
            _ = try TextCleaner(pipeline: pipeline)  // compile once here so a bad step is an error, not a trap
            self.pipeline = pipeline.steps.isEmpty ? nil : pipeline
        } else {
            pipeline = nil
        }
        vocabulary = try stored.wordPieceVocabulary()
        pieces = PieceTable(tokens: vocabulary.tokens, prefix: vocabulary.continuingSubwordPrefix)
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
                    // One compiled cleaner per worker: a TextCleaner is not thread-safe. Compiling
                    // was checked in init, so `try?` cannot drop a pipeline here.
                    let cleaner = pipeline.flatMap { try? TextCleaner(pipeline: $0) }
                    var out: [UInt32] = []
                    var counts: [Int] = []
                    counts.reserveCapacity(range.count)
                    for i in range {
                        let before = out.count
                        let text = cleaner.map { $0.clean(texts[i]) } ?? texts[i]
                        encodeOne(text, preTokenizer: &preTokenizer, into: &out)
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

    /// Greedy longest-match-first WordPiece over one text's words (HF's `WordPiece` model).
    private func encodeOne(_ text: String, preTokenizer: inout BertPreTokenizer, into out: inout [UInt32]) {
        let unk = UInt32(vocabulary.unknownTokenId ?? 0)
        preTokenizer.forEachWord(in: text) { word in
            let count = word.codePoints.count
            guard count <= vocabulary.maxInputCharactersPerWord else { out.append(unk); return }
            let base = Int(word.utf8Starts[0])
            let mark = out.count
            var start = 0
            while start < count {
                var end = count
                var found: UInt32?
                while end > start {
                    let bytes = UnsafeBufferPointer(rebasing: word.utf8[(Int(word.utf8Starts[start]) - base)..<(Int(word.utf8Starts[end]) - base)])
                    if let id = pieces.id(of: bytes, continuation: start > 0) { found = id; break }
                    end -= 1
                }
                guard let found else {
                    out.removeLast(out.count - mark)
                    out.append(unk)
                    return
                }
                out.append(found)
                start = end
            }
        }
    }
}

/// Token lookup by UTF-8 bytes without making a `String` per candidate piece: a map from the
/// 64-bit FNV-1a hash of a piece's bytes (continuation pieces hashed with their prefix) to its id,
/// confirmed by comparing bytes, so a hash collision can never return a wrong id.
struct PieceTable: Sendable {
    private var ids: [UInt64: UInt32] = [:]
    private var bytes: [UInt8] = []
    private var offsets: [Int] = [0]
    private let prefix: [UInt8]
    /// Ids whose hash collided with another token's; looked up by their string instead.
    private var collided: [[UInt8]: UInt32] = [:]

    init(tokens: [String], prefix: String) {
        self.prefix = Array(prefix.utf8)
        for (id, token) in tokens.enumerated() {
            let utf8 = Array(token.utf8)
            bytes.append(contentsOf: utf8)
            offsets.append(bytes.count)
            let hash = Self.hash(utf8[...], seed: Self.offsetBasis)
            if let other = ids[hash], Array(token.utf8) != storedBytes(Int(other)) {
                collided[utf8] = UInt32(id)
            } else {
                // A later duplicate of a token wins, as in HF's vocab.txt reading.
                ids[hash] = UInt32(id)
            }
        }
    }

    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    static func hash<C: Collection>(_ bytes: C, seed: UInt64) -> UInt64 where C.Element == UInt8 {
        var h = seed
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    private func storedBytes(_ id: Int) -> [UInt8] { Array(bytes[offsets[id]..<offsets[id + 1]]) }

    /// The id of the piece `bytes` (with the continuation prefix when `continuation`), or nil.
    func id(of piece: UnsafeBufferPointer<UInt8>, continuation: Bool) -> UInt32? {
        let seed = continuation ? Self.hash(prefix, seed: Self.offsetBasis) : Self.offsetBasis
        let hash = Self.hash(piece, seed: seed)
        if let id = ids[hash] {
            let start = offsets[Int(id)], end = offsets[Int(id) + 1]
            let prefixLength = continuation ? prefix.count : 0
            if end - start == prefixLength + piece.count,
               bytes[start..<(start + prefixLength)].elementsEqual(prefix[0..<prefixLength]),
               bytes[(start + prefixLength)..<end].elementsEqual(piece) {
                return id
            }
        }
        guard !collided.isEmpty else { return nil }
        return collided[(continuation ? prefix : []) + Array(piece)]
    }
}
