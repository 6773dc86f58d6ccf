import Foundation
import JikjiText

/// The complete text encoder of a vocabulary, and its decoder: text → clean → ids → text.
///
/// Encoding runs, in order, the vocabulary's cleaning pipeline (optional: the one its training
/// corpus went through), then ``WordPieceTokenizer``: HF's BERT normalizer, pre-tokenizer,
/// WordPiece and `[CLS] … [SEP]` post-processing. Decoding is HF's WordPiece decoder. Every
/// command that turns text into ids (`encode`, `dataset build`, jobs, `predict`, `generate`,
/// `translate`) and back uses this type, so they all agree.
///
/// Batches run on all cores; each worker cleans with its own compiled ``TextCleaner`` (a cleaner
/// is not thread-safe), so cleaning scales with cores. The pipeline is compiled once when the
/// encoder is made: a bad step is an error there, never a trap later.
///
/// Immutable and `Sendable`: one encoder serves every thread.
public struct TextEncoder: Sendable {
    /// The HF stages: normalizer, pre-tokenizer, WordPiece, post-processor, decoder.
    public let tokenizer: WordPieceTokenizer
    /// The cleaning pipeline run before the normalizer; nil when there is none (an empty
    /// pipeline counts as none).
    public let pipeline: CleaningPipeline?
    /// The compiled cleaners of `pipeline`, one per worker.
    let cleaners: CleanerPool?

    /// An encoder that cleans with `pipeline` (when given and not empty), then runs `tokenizer`.
    /// - Throws: the compile error of the pipeline's first invalid step (a bad regex or
    ///   transliterator id), naming the step.
    public init(tokenizer: WordPieceTokenizer, pipeline: CleaningPipeline? = nil) throws {
        self.tokenizer = tokenizer
        let effective = pipeline.flatMap { $0.steps.isEmpty ? nil : $0 }
        self.pipeline = effective
        cleaners = try effective.map { try CleanerPool(pipeline: $0) }
    }

    /// The vocabulary.
    public var vocabulary: WordPieceVocabulary { tokenizer.vocabulary }

    /// The id of `token` in the vocabulary, or nil.
    public func id(of token: String) -> Int32? { tokenizer.vocabulary.id(for: token).map { Int32($0) } }

    // MARK: Cleaning

    /// `text` as the cleaning pipeline leaves it (`text` itself when there is no pipeline).
    public func clean(_ text: String) throws -> String {
        guard let cleaners else { return text }
        var copy = text
        return try cleaners.withCleaner { cleaner in
            var output: [UInt8] = []
            try copy.withUTF8 { try cleaner.clean(utf8: $0, into: &output) }
            return String(decoding: output, as: UTF8.self)
        }
    }

    // MARK: Encoding

    /// Cleans and encodes one text, then truncates and post-processes it. Offsets index `text`
    /// as given, traced back through the cleaning pipeline (``CleaningAlignment``).
    ///
    /// - Throws: what ``WordPieceTokenizer/encode(_:pair:addSpecialTokens:truncation:)`` throws.
    public func encode(_ text: String, addSpecialTokens: Bool = true,
                       truncation: TruncationOptions? = nil) throws -> Encoding {
        guard let cleaners else {
            return try tokenizer.encode(text, addSpecialTokens: addSpecialTokens, truncation: truncation)
        }
        return try cleaners.withCleaner { cleaner in
            var scratch = EncoderScratch(options: tokenizer.normalizerOptions)
            var sequence = Encoding()
            try tokenizer.encodeSequence(of: text, cleanedBy: cleaner, aligning: true, into: &sequence, scratch: &scratch)
            return try tokenizer.finish(sequence, nil, addSpecialTokens: addSpecialTokens, truncation: truncation)
        }
    }

    /// Cleans and encodes every text on all cores, then pads as `padding` says. Offsets index
    /// each text as given.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, truncation: TruncationOptions? = nil,
                            padding: PaddingOptions? = nil) throws -> [Encoding] {
        try tokenizer.encodeBatch(texts, addSpecialTokens: addSpecialTokens, truncation: truncation,
                                  padding: padding, cleaners: cleaners)
    }

    /// Ids of many texts, cleaned and encoded on all cores, back to back: `ids[ends[i-1]..<ends[i]]`
    /// are text `i`'s ids (`[CLS]`/`[SEP]` included when `addSpecialTokens`).
    public func encodeIds(_ texts: [String], addSpecialTokens: Bool = true) throws -> (ids: [Int32], ends: [Int]) {
        try tokenizer.encodeIds(texts, addSpecialTokens: addSpecialTokens, cleaners: cleaners)
    }

    // MARK: Decoding

    /// The text of `ids` (HF's WordPiece decoder; see ``WordPieceTokenizer/decode(_:skipSpecialTokens:)``).
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true) -> String {
        tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    /// Decodes many id sequences on all cores.
    public func decodeBatch(_ sequences: [[Int32]], skipSpecialTokens: Bool = true) -> [String] {
        tokenizer.decodeBatch(sequences, skipSpecialTokens: skipSpecialTokens)
    }
}
