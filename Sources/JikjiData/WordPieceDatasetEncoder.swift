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
/// then ``WordPieceTokenizer`` (HF's BERT normalizer, pre-tokenizer and WordPiece) without
/// special tokens, texts spread over all cores.
public struct WordPieceDatasetEncoder: DatasetEncoder {
    public let tokenizer: WordPieceTokenizer
    public let vocabularyReference: String
    /// The cleaning pipeline stored with the vocabulary (nil: none), run before the normalizer.
    public let pipeline: CleaningPipeline?

    /// An encoder for `stored`.
    /// - Throws: when the stored vocabulary or its cleaning pipeline cannot be used.
    public init(_ stored: StoredVocabulary) throws {
        if let json = stored.pipeline, !json.isEmpty, json != "null" {
            // Text must be cleaned exactly as the vocabulary's training corpus was.
            let pipeline = try CleaningPipeline(json: json, source: "cleaning pipeline of vocabulary \(stored.reference)")
            _ = try TextCleaner(pipeline: pipeline)  // compile once here so a bad step is an error, not a trap
            self.pipeline = pipeline.steps.isEmpty ? nil : pipeline
        } else {
            pipeline = nil
        }
        tokenizer = WordPieceTokenizer(vocabulary: try stored.wordPieceVocabulary(), normalizer: stored.normalizer,
                                       postProcessor: nil)
        vocabularyReference = stored.reference
    }

    public var vocabularySize: Int { tokenizer.vocabulary.count }

    public func id(of token: String) -> UInt32? { tokenizer.vocabulary.id(for: token).map { UInt32($0) } }

    public func encode(_ texts: [String], appendingTo ids: inout [UInt32], ends: inout [Int]) throws {
        let cleaned = pipeline.map { clean(texts, with: $0) } ?? texts
        let encodings = try tokenizer.encodeBatch(cleaned, addSpecialTokens: false)
        var total = ids.count
        for encoding in encodings { total += encoding.ids.count }
        ids.reserveCapacity(total)
        for encoding in encodings {
            for id in encoding.ids { ids.append(UInt32(bitPattern: id)) }
            ends.append(ids.count)
        }
    }

    /// Runs the cleaning pipeline over `texts` on all cores (one compiled cleaner per worker:
    /// a `TextCleaner` is not thread-safe).
    private func clean(_ texts: [String], with pipeline: CleaningPipeline) -> [String] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count / 256))
        let per = (texts.count + workers - 1) / workers
        var output = [String](repeating: "", count: texts.count)
        output.withUnsafeMutableBufferPointer { buffer in
            // Safe to share: worker `w` writes only its own slots `w * per ..< (w + 1) * per`.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                // Compiling was checked in init, so `try?` cannot silently skip cleaning here.
                guard let cleaner = try? TextCleaner(pipeline: pipeline) else { return }
                for i in (w * per)..<min(texts.count, (w + 1) * per) { out[i] = cleaner.clean(texts[i]) }
            }
        }
        return output
    }
}
