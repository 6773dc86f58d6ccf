import JikjiIO
import Foundation
import JikjiText
import JikjiWordPiece

/// Where a token of a vocabulary came from.
public enum TokenKind: String, Codable, CaseIterable, Sendable {
    /// A special token such as `[PAD]` (ids 0… in trained vocabularies).
    case special
    /// A single character in word-initial form (no prefix).
    case alphabet
    /// A single character with the continuation prefix (`##x`).
    case continuation
    /// A longer piece made by merging two tokens.
    case merged

    /// The integer stored in the database (stable; never reorder).
    var code: Int {
        switch self {
        case .special: return 0
        case .alphabet: return 1
        case .continuation: return 2
        case .merged: return 3
        }
    }

    init?(code: Int) {
        switch code {
        case 0: self = .special
        case 1: self = .alphabet
        case 2: self = .continuation
        case 3: self = .merged
        default: return nil
        }
    }

    /// The kind a token of an imported file most likely has, judged from its shape alone:
    /// specials by name, one character → alphabet, prefix + one character → continuation.
    public static func inferred(for token: String, prefix: String, specials: Set<String>) -> TokenKind {
        if specials.contains(token) { return .special }
        let scalars = token.unicodeScalars
        if scalars.count == 1 { return .alphabet }
        // Scalars, not `hasPrefix`: `#` + a combining mark is one grapheme cluster, so
        // `"##\u{093E}".hasPrefix("##")` is false.
        if !prefix.isEmpty, scalars.starts(with: prefix.unicodeScalars),
           scalars.count == prefix.unicodeScalars.count + 1 {
            return .continuation
        }
        return .merged
    }
}

/// One token of a stored vocabulary; its id is its index in ``StoredVocabulary/tokens``.
public struct StoredToken: Equatable, Sendable {
    /// The token text (with the prefix for continuation pieces).
    public var text: String
    /// Where the token came from.
    public var kind: TokenKind
    /// How often it occurred in the training corpus (characters) or how often the pair was
    /// seen when it was merged; nil when unknown (imported vocabularies).
    public var count: Int64?
    /// The 0-based merge step that created it (merged tokens only; imported files give the
    /// order of their merged tokens).
    public var mergeRank: Int?

    /// A token with every field given.
    public init(text: String, kind: TokenKind, count: Int64? = nil, mergeRank: Int? = nil) {
        self.text = text
        self.kind = kind
        self.count = count
        self.mergeRank = mergeRank
    }
}

/// What a vocabulary was trained on: enough to tell whether a corpus changed since.
public struct CorpusFingerprint: Codable, Equatable, Sendable {
    /// The input files in the order they were read, as they were when the vocabulary was trained.
    public var files: [FileFingerprint]
    /// The column that was read from delimited files, if one was.
    public var column: String?

    /// A fingerprint of `files` (read through `column`, if any).
    public init(files: [FileFingerprint], column: String? = nil) {
        self.files = files
        self.column = column
    }
}

/// A vocabulary with everything Jikji keeps about it: its tokens, how they were made, and the
/// settings an encoder needs to reproduce the trainer's view of text.
public struct StoredVocabulary: Equatable, Sendable {
    /// The name it is stored under.
    public var name: String
    /// Its version under that name: 1, 2, …; 0 until saved (``VocabularyStore/save(_:)`` assigns it).
    public var version: Int
    /// Every token; the id of a token is its index. A text may appear twice (an HF `vocab.txt`
    /// with a repeated line), in which case the later id wins, as in HF.
    public var tokens: [StoredToken]
    /// The token for unmatchable words.
    public var unknownToken: String
    /// The prefix of word-continuing pieces.
    public var continuingSubwordPrefix: String
    /// Words longer than this many Unicode scalars become the unknown token.
    public var maxInputCharactersPerWord: Int
    /// The BERT normalizer flags used in training, which encoding must repeat.
    public var normalizer: BertNormalizerOptions
    /// The trainer's settings as a JSON object (nil for imported vocabularies).
    public var trainerSettings: String?
    /// The Jikji cleaning pipeline that ran before the normalizer, as JSON (nil: none).
    public var pipeline: String?
    /// The files it was trained on (nil for imported vocabularies).
    public var corpus: CorpusFingerprint?
    /// Figures of the training run (distinct words, merges, memory, …) as a JSON object, if any.
    public var statistics: String?
    /// An imported tokenizer.json's settings beyond the tokens (added-token flags,
    /// post-processor, decoder, truncation, padding): the file as Jikji writes it with an empty
    /// `model.vocab`; nil for other vocabularies.
    public var hfSettings: String?
    /// How it was made, e.g. `trained`, `imported vocab.txt /path/vocab.txt`.
    public var origin: String
    /// The version of Jikji that made it.
    public var toolVersion: String
    /// When it was made.
    public var createdAt: Date

    /// A vocabulary to be saved; `version` is assigned on save.
    public init(name: String, tokens: [StoredToken], normalizer: BertNormalizerOptions,
                unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharactersPerWord: Int = 100, trainerSettings: String? = nil,
                pipeline: String? = nil, corpus: CorpusFingerprint? = nil, statistics: String? = nil,
                origin: String, toolVersion: String, createdAt: Date = Date(), version: Int = 0) {
        self.name = name
        self.version = version
        self.tokens = tokens
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.normalizer = normalizer
        self.trainerSettings = trainerSettings
        self.pipeline = pipeline
        self.corpus = corpus
        self.statistics = statistics
        self.origin = origin
        self.toolVersion = toolVersion
        self.createdAt = createdAt
    }

    /// `name@version`.
    public var reference: String { "\(name)@\(version)" }

    /// The token texts in id order.
    public var tokenTexts: [String] { tokens.map(\.text) }

    /// The special tokens in id order.
    public var specialTokens: [String] { tokens.filter { $0.kind == .special }.map(\.text) }

    /// How many tokens of each kind (every kind present, possibly 0).
    public var kindCounts: [TokenKind: Int] {
        var counts = Dictionary(uniqueKeysWithValues: TokenKind.allCases.map { ($0, 0) })
        for token in tokens { counts[token.kind, default: 0] += 1 }
        return counts
    }

    /// The vocabulary as the encoder and decoder use it.
    public func wordPieceVocabulary() throws -> WordPieceVocabulary {
        try WordPieceVocabulary(tokens: tokenTexts, unknownToken: unknownToken,
                                continuingSubwordPrefix: continuingSubwordPrefix,
                                specialTokens: specialTokens,
                                maxInputCharactersPerWord: maxInputCharactersPerWord)
    }

    /// The `tokenizer.json` HF loads for this vocabulary: an imported file's own settings when it
    /// came from one (see ``hfSettings``), otherwise what `BertWordPieceTokenizer(vocab)` saves;
    /// `postProcessor` false leaves the post-processor out.
    ///
    /// The cleaning pipeline goes in as HF normalizers, in a `Sequence` before the BERT
    /// normalizer (``HFNormalizer/sequence(expressing:)``; an imported file keeps its own), so
    /// that HF encodes like Jikji; `dropPipeline` leaves it out.
    /// - Throws: ``VocabularyFileError/inexpressiblePipeline(vocabulary:steps:pipeline:)`` when a
    ///   step has no HF normalizer and `dropPipeline` is false.
    public func hfTokenizerJSON(postProcessor: Bool = true, dropPipeline: Bool = false) throws -> HFTokenizerJSON {
        var file: HFTokenizerJSON
        if let hfSettings {
            file = try HFTokenizerJSON.withVocabulary(tokenTexts, settings: hfSettings, source: "settings of \(reference)")
            if !postProcessor { file.processor = nil }
        } else {
            file = try HFTokenizerJSON(vocabulary: wordPieceVocabulary(), normalizer: normalizer, postProcessor: postProcessor)
        }
        if dropPipeline {
            file.normalizers = []
        } else if file.normalizers.isEmpty, let pipeline = try cleaningPipeline() {
            do {
                file.normalizers = try HFNormalizer.sequence(expressing: pipeline)
            } catch let error as HFPipelineExportError {
                throw VocabularyFileError.inexpressiblePipeline(
                    vocabulary: reference, steps: error.steps.map { "step \($0.number) '\($0.name)': \($0.reason)" },
                    pipeline: pipeline.steps.map(\.name))
            }
        }
        return file
    }
}
