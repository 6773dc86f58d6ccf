import Foundation

/// HuggingFace `tokenizers`' `tokenizer.json` for a BERT WordPiece tokenizer: read and written.
///
/// Covers what `BertWordPieceTokenizer` produces: a `BertNormalizer`, the `BertPreTokenizer`, a
/// `WordPiece` model, an optional `BertProcessing` (or equivalent `TemplateProcessing`)
/// post-processor and the `WordPiece` decoder. ``serialized()`` reproduces HF's own layout
/// byte for byte (serde_json's pretty printer: two-space indent, vocab in id order, non-ASCII
/// written as UTF-8), so an exported file diffs cleanly against one HF saved.
public struct HFTokenizerJSON: Equatable, Sendable {
    /// An entry of `added_tokens`.
    public struct AddedToken: Equatable, Sendable {
        public var id: Int
        public var content: String
        public var singleWord = false
        public var lstrip = false
        public var rstrip = false
        public var normalized = false
        public var special = true

        /// An added token; the defaults are those HF gives the trainer's special tokens.
        public init(id: Int, content: String, singleWord: Bool = false, lstrip: Bool = false,
                    rstrip: Bool = false, normalized: Bool = false, special: Bool = true) {
            self.id = id
            self.content = content
            self.singleWord = singleWord
            self.lstrip = lstrip
            self.rstrip = rstrip
            self.normalized = normalized
            self.special = special
        }
    }

    /// `BertProcessing`: `[CLS] A [SEP]` (and `[CLS] A [SEP] B [SEP]` for pairs).
    public struct BertPostProcessor: Equatable, Sendable {
        public var cls: String
        public var clsId: Int
        public var sep: String
        public var sepId: Int

        /// A post-processor adding `cls` and `sep` with their ids.
        public init(cls: String, clsId: Int, sep: String, sepId: Int) {
            self.cls = cls
            self.clsId = clsId
            self.sep = sep
            self.sepId = sepId
        }
    }

    /// A `post_processor` Jikji applies.
    public enum PostProcessor: Equatable, Sendable {
        /// `BertProcessing`.
        case bert(BertPostProcessor)
        /// `TemplateProcessing`, kept as written (its special-token ids and type ids included).
        case template(TemplatePostProcessor)
    }

    /// The model's vocabulary in id order (`model.vocab`, which must number 0…n-1 without gaps).
    public var vocabulary: [String]
    /// `added_tokens`, in file order, with the ids HF gives them when it loads the file.
    public var addedTokens: [AddedToken]
    /// `normalizer` (a `BertNormalizer`, alone or last of a `Sequence`).
    public var normalizer: BertNormalizerOptions
    /// The members of a `Sequence` normalizer before its `BertNormalizer` (empty: the
    /// `BertNormalizer` alone): a cleaning pipeline as HF runs it (``cleaningPipeline()``).
    public var normalizers: [HFNormalizer] = []
    /// `model.unk_token`.
    public var unknownToken: String
    /// `model.continuing_subword_prefix`.
    public var continuingSubwordPrefix: String
    /// `model.max_input_chars_per_word`.
    public var maxInputCharactersPerWord: Int
    /// `post_processor`, or nil for none (as HF saves a freshly trained tokenizer).
    public var processor: PostProcessor?
    /// `decoder.cleanup`: whether decoding removes spaces before punctuation.
    public var decoderCleanup: Bool
    /// Whether there is a `WordPiece` decoder; false for `"decoder": null` (HF then joins tokens
    /// with spaces).
    public var hasDecoder: Bool = true
    /// `truncation`: applied by default when the file is used to encode.
    public var truncation: TruncationOptions?
    /// `padding`: applied by default when the file is used to encode.
    public var padding: PaddingOptions?

    /// The post-processor as `BertProcessing`: the file's, or the BERT equivalent of its template
    /// (nil when the template is not BERT's). Setting it replaces the post-processor.
    public var postProcessor: BertPostProcessor? {
        get {
            switch processor {
            case .bert(let p)?: return p
            case .template(let t)?:
                return t.bertEquivalent.map { .init(cls: $0.cls, clsId: Int($0.clsId), sep: $0.sep, sepId: Int($0.sepId)) }
            case nil: return nil
            }
        }
        set { processor = newValue.map(PostProcessor.bert) }
    }

    /// A tokenizer description from its parts.
    public init(vocabulary: [String], addedTokens: [AddedToken], normalizer: BertNormalizerOptions,
                unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharactersPerWord: Int = 100, postProcessor: BertPostProcessor? = nil,
                decoderCleanup: Bool = true) {
        self.vocabulary = vocabulary
        self.addedTokens = addedTokens
        self.normalizer = normalizer
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.processor = postProcessor.map(PostProcessor.bert)
        self.decoderCleanup = decoderCleanup
    }

    /// The description of `vocabulary` as `BertWordPieceTokenizer` saves it: its special tokens
    /// as added tokens with HF's default flags, and `BertProcessing` with `[CLS]`/`[SEP]` when
    /// `postProcessor` is true.
    ///
    /// - Throws: ``HFTokenizerJSONError/missingToken(token:role:)`` when `postProcessor` is true
    ///   and `[CLS]` or `[SEP]` is not in the vocabulary, and
    ///   ``HFTokenizerJSONError/duplicateToken(token:firstId:secondId:)`` when the vocabulary has
    ///   holes (a token twice), which `model.vocab`, a JSON object, cannot represent.
    public init(vocabulary: WordPieceVocabulary, normalizer: BertNormalizerOptions,
                postProcessor: Bool, cls: String = "[CLS]", sep: String = "[SEP]") throws {
        // Compared as bytes: Swift's `String ==` treats canonically equivalent tokens as equal
        // (a CJK compatibility ideograph such as U+F90A and U+91D1 it decomposes to), but they are
        // distinct keys in JSON and distinct tokens to HF; only byte-identical tokens collide.
        var seen: [[UInt8]: Int] = [:]
        for (id, token) in vocabulary.tokens.enumerated() {
            if let first = seen.updateValue(id, forKey: Array(token.utf8)) {
                throw HFTokenizerJSONError.duplicateToken(token: token, firstId: first, secondId: id)
            }
        }
        var processor: BertPostProcessor?
        if postProcessor {
            guard let clsId = vocabulary.id(for: cls) else {
                throw HFTokenizerJSONError.missingToken(token: cls, role: "post-processor CLS")
            }
            guard let sepId = vocabulary.id(for: sep) else {
                throw HFTokenizerJSONError.missingToken(token: sep, role: "post-processor SEP")
            }
            processor = BertPostProcessor(cls: cls, clsId: clsId, sep: sep, sepId: sepId)
        }
        // HF lists added tokens by id, whatever order they were registered in.
        let added = vocabulary.specialTokens
            .compactMap { token in vocabulary.id(for: token).map { AddedToken(id: $0, content: token) } }
            .sorted { $0.id < $1.id }
        self.init(vocabulary: vocabulary.tokens, addedTokens: added, normalizer: normalizer,
                  unknownToken: vocabulary.unknownToken,
                  continuingSubwordPrefix: vocabulary.continuingSubwordPrefix,
                  maxInputCharactersPerWord: vocabulary.maxInputCharactersPerWord,
                  postProcessor: processor)
    }

    /// The special tokens (`added_tokens` marked `special`), in file order.
    public var specialTokens: [String] { addedTokens.filter(\.special).map(\.content) }

    /// The vocabulary as a ``WordPieceVocabulary`` with this file's special tokens (those the
    /// vocabulary holds; added tokens past it live in the tokenizer) and settings.
    public func wordPieceVocabulary() throws -> WordPieceVocabulary {
        var inVocabulary = Set<ExactToken>()
        for token in vocabulary { inVocabulary.insert(ExactToken(token)) }
        return try WordPieceVocabulary(tokens: vocabulary, unknownToken: unknownToken,
                                       continuingSubwordPrefix: continuingSubwordPrefix,
                                       specialTokens: specialTokens.filter { inVocabulary.contains(ExactToken($0)) },
                                       maxInputCharactersPerWord: maxInputCharactersPerWord)
    }

    /// The tokenizer HF builds from this file: normalizer, added tokens with their flags,
    /// post-processor as written, decoder, and the file's truncation and padding as defaults.
    public func tokenizer() throws -> WordPieceTokenizer {
        let bert: JikjiWordPiece.BertPostProcessor?
        var template: TemplatePostProcessor?
        switch processor {
        case .bert(let p)?: bert = JikjiWordPiece.BertPostProcessor(cls: p.cls, clsId: Int32(p.clsId), sep: p.sep, sepId: Int32(p.sepId))
        case .template(let t)?: bert = nil; template = t
        case nil: bert = nil
        }
        var tokenizer = WordPieceTokenizer(vocabulary: try wordPieceVocabulary(), normalizer: normalizer, postProcessor: bert,
                                           decoderCleanup: decoderCleanup, template: template, addedTokens: addedTokens,
                                           wordPieceDecoder: hasDecoder)
        tokenizer.truncation = truncation
        tokenizer.padding = padding
        return tokenizer
    }
}

/// Why a `tokenizer.json` cannot be read or written.
public enum HFTokenizerJSONError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file cannot be read or written.
    case io(path: String, reason: String)
    /// The file is not JSON.
    case notJSON(path: String, reason: String)
    /// A key is missing or has the wrong type (`key` is a dotted path such as `model.vocab`).
    case badKey(path: String, key: String, problem: String)
    /// A component Jikji does not implement (e.g. a BPE model or a different normalizer).
    case unsupported(path: String, key: String, found: String, supported: String)
    /// `model.vocab` does not number its tokens 0…n-1.
    case badIds(path: String, problem: String)
    /// A token needed for a role is not in the vocabulary.
    case missingToken(token: String, role: String)
    /// The vocabulary holds a token twice, which a JSON object cannot represent.
    case duplicateToken(token: String, firstId: Int, secondId: Int)

    public var description: String {
        switch self {
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .notJSON(path, reason):
            return "\(path) is not a JSON tokenizer file: \(reason)"
        case let .badKey(path, key, problem):
            return "\(path): key '\(key)' \(problem)"
        case let .unsupported(path, key, found, supported):
            return "\(path): '\(key)' is \(found); Jikji reads only \(supported)"
        case let .badIds(path, problem):
            return "\(path): model.vocab \(problem)"
        case let .missingToken(token, role):
            return "token \(token) (\(role)) is not in the vocabulary"
        case let .duplicateToken(token, first, second):
            return "token '\(token)' has ids \(first) and \(second); tokenizer.json cannot hold a token twice"
        }
    }
}
