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
    /// `normalizer` (a `BertNormalizer`).
    public var normalizer: BertNormalizerOptions
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

// MARK: - Reading

extension HFTokenizerJSON {
    /// Reads the `tokenizer.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HFTokenizerJSONError.io(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: url.path)
    }

    /// Parses `tokenizer.json` contents; `path` names the source in errors.
    public init(data: Data, path: String) throws {
        let root: JSONValue
        do { root = try JSONValue(parsing: [UInt8](data)) } catch let error as JSONSyntaxError {
            throw HFTokenizerJSONError.notJSON(path: path, reason: error.description)
        }
        try self.init(json: root, path: path)
    }

    /// Reads a parsed `tokenizer.json` (object keys kept byte for byte, so canonically equivalent
    /// tokens of `model.vocab` stay distinct); `path` names the source in errors.
    public init(json root: JSONValue, path: String) throws {
        guard case .object = root else {
            throw HFTokenizerJSONError.notJSON(path: path, reason: "the top level is not an object")
        }
        let reader = JSONReader(path: path)

        // model
        let model = try reader.object(root, "model", at: "model")
        let modelType = model.member("type")?.stringValue ?? "WordPiece"
        guard modelType == "WordPiece" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "model.type", found: modelType,
                                                   supported: "WordPiece")
        }
        let unk = try reader.string(model, "unk_token", at: "model.unk_token")
        let prefix = try reader.string(model, "continuing_subword_prefix", at: "model.continuing_subword_prefix")
        let maxChars = try reader.int(model, "max_input_chars_per_word", at: "model.max_input_chars_per_word")
        guard case .object(let members) = try reader.object(model, "vocab", at: "model.vocab") else {
            throw HFTokenizerJSONError.badKey(path: path, key: "model.vocab", problem: "is not an object")
        }
        var tokens = [String?](repeating: nil, count: members.count)
        for (token, value) in members {
            guard let id = value.intValue else {
                throw HFTokenizerJSONError.badKey(path: path, key: "model.vocab.\(token)", problem: "is not an integer id")
            }
            guard id >= 0, id < tokens.count else {
                throw HFTokenizerJSONError.badIds(path: path,
                                                  problem: "gives '\(token)' id \(id), outside 0..<\(tokens.count) (ids must be contiguous)")
            }
            if let other = tokens[id] {
                throw HFTokenizerJSONError.badIds(path: path, problem: "gives id \(id) to both '\(other)' and '\(token)'")
            }
            tokens[id] = token
        }
        let vocabulary = tokens.compactMap { $0 }  // complete: n distinct ids in 0..<n

        // added_tokens, with the ids HF's AddedVocabulary gives them: a token the model holds
        // keeps the model's id, any other gets the next id past the model and earlier additions.
        var added: [AddedToken] = []
        if let list = root.member("added_tokens"), !list.isNull {
            guard case .array(let entries) = list else {
                throw HFTokenizerJSONError.badKey(path: path, key: "added_tokens", problem: "is not an array")
            }
            var modelIds: [ExactToken: Int] = [:]
            for (id, token) in vocabulary.enumerated() { modelIds[ExactToken(token)] = id }
            for (index, entry) in entries.enumerated() {
                let key = "added_tokens[\(index)]"
                guard case .object = entry else {
                    throw HFTokenizerJSONError.badKey(path: path, key: key, problem: "is not an object")
                }
                var token = AddedToken(
                    id: try reader.int(entry, "id", at: "\(key).id"),
                    content: try reader.string(entry, "content", at: "\(key).content"),
                    singleWord: try reader.bool(entry, "single_word", at: "\(key).single_word", default: false),
                    lstrip: try reader.bool(entry, "lstrip", at: "\(key).lstrip", default: false),
                    rstrip: try reader.bool(entry, "rstrip", at: "\(key).rstrip", default: false),
                    normalized: try reader.bool(entry, "normalized", at: "\(key).normalized", default: false),
                    special: try reader.bool(entry, "special", at: "\(key).special", default: false))
                guard !token.content.isEmpty else { continue }
                if let existing = added.last(where: { $0.content.utf8.elementsEqual(token.content.utf8) }) {
                    token.id = existing.id
                    added.removeAll { $0.id == existing.id }
                } else if let id = modelIds[ExactToken(token.content)] {
                    token.id = id
                } else {
                    let highest = added.map(\.id).max() ?? -1
                    token.id = highest >= vocabulary.count ? highest + 1 : vocabulary.count
                }
                added.append(token)
            }
        }

        // normalizer
        let normalizerObject = try reader.object(root, "normalizer", at: "normalizer")
        let normalizerType = normalizerObject.member("type")?.stringValue ?? "(none)"
        guard normalizerType == "BertNormalizer" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "normalizer.type", found: normalizerType,
                                                   supported: "BertNormalizer")
        }
        let strip: Bool?
        switch normalizerObject.member("strip_accents") {
        case nil, .null?: strip = nil
        default: strip = try reader.bool(normalizerObject, "strip_accents", at: "normalizer.strip_accents", default: false)
        }
        let normalizer = BertNormalizerOptions(
            cleanText: try reader.bool(normalizerObject, "clean_text", at: "normalizer.clean_text", default: true),
            handleChineseChars: try reader.bool(normalizerObject, "handle_chinese_chars",
                                                at: "normalizer.handle_chinese_chars", default: true),
            stripAccents: strip,
            lowercase: try reader.bool(normalizerObject, "lowercase", at: "normalizer.lowercase", default: true))

        // pre_tokenizer
        let preTokenizer = try reader.object(root, "pre_tokenizer", at: "pre_tokenizer")
        let preType = preTokenizer.member("type")?.stringValue ?? "(none)"
        guard preType == "BertPreTokenizer" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "pre_tokenizer.type", found: preType,
                                                   supported: "BertPreTokenizer")
        }

        // post_processor
        var processor: PostProcessor?
        if let post = root.member("post_processor"), !post.isNull {
            guard case .object = post else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor", problem: "is not an object")
            }
            processor = try reader.postProcessor(post, vocabulary: vocabulary)
        }

        // decoder
        var cleanup = true
        var hasDecoder = true
        if let decoder = root.member("decoder"), !decoder.isNull {
            guard case .object = decoder else {
                throw HFTokenizerJSONError.badKey(path: path, key: "decoder", problem: "is not an object")
            }
            let decoderType = decoder.member("type")?.stringValue ?? "(none)"
            guard decoderType == "WordPiece" else {
                throw HFTokenizerJSONError.unsupported(path: path, key: "decoder.type", found: decoderType,
                                                       supported: "WordPiece")
            }
            let decoderPrefix = decoder.member("prefix")?.stringValue ?? prefix
            guard decoderPrefix.utf8.elementsEqual(prefix.utf8) else {
                throw HFTokenizerJSONError.badKey(
                    path: path, key: "decoder.prefix",
                    problem: "is '\(decoderPrefix)' but model.continuing_subword_prefix is '\(prefix)'")
            }
            cleanup = try reader.bool(decoder, "cleanup", at: "decoder.cleanup", default: true)
        } else if root.member("decoder") != nil {
            hasDecoder = false
        }

        self.init(vocabulary: vocabulary, addedTokens: added, normalizer: normalizer, unknownToken: unk,
                  continuingSubwordPrefix: prefix, maxInputCharactersPerWord: maxChars, decoderCleanup: cleanup)
        self.processor = processor
        self.hasDecoder = hasDecoder
        self.truncation = try reader.truncation(root.member("truncation"))
        self.padding = try reader.padding(root.member("padding"))
    }
}

extension HFTokenizerJSON {
    /// A file from stored `settings` (a tokenizer.json, usually with an empty `model.vocab`) and
    /// `tokens` as its vocabulary, read as HF reads the whole file.
    public static func withVocabulary(_ tokens: [String], settings: String, source: String) throws -> HFTokenizerJSON {
        let root: JSONValue
        do { root = try JSONValue(parsing: Array(settings.utf8)) } catch let error as JSONSyntaxError {
            throw HFTokenizerJSONError.notJSON(path: source, reason: error.description)
        }
        guard let model = root.member("model") else {
            throw HFTokenizerJSONError.badKey(path: source, key: "model", problem: "is missing")
        }
        let vocab = JSONValue.object(tokens.enumerated().map { (key: $0.element, value: .number(String($0.offset))) })
        return try HFTokenizerJSON(json: root.replacing("model", with: model.replacing("vocab", with: vocab)), path: source)
    }
}

/// Typed access to a parsed tokenizer.json, with errors naming the key path.
private struct JSONReader {
    let path: String

    func value(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> JSONValue {
        guard let value = parent.member(key) else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is missing")
        }
        return value
    }

    func object(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> JSONValue {
        let value = try value(parent, key, at: keyPath)
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an object")
        }
        return value
    }

    func string(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> String {
        guard let string = try value(parent, key, at: keyPath).stringValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not a string")
        }
        return string
    }

    func int(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> Int {
        guard let int = try value(parent, key, at: keyPath).intValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an integer")
        }
        return int
    }

    func bool(_ parent: JSONValue, _ key: String, at keyPath: String, default fallback: Bool) throws -> Bool {
        guard let value = parent.member(key), !value.isNull else { return fallback }
        guard let bool = value.boolValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not true or false")
        }
        return bool
    }

    /// `BertProcessing` or `TemplateProcessing`; HF reads a post-processor without `type` by
    /// its fields (`cls`/`sep`, or `single`/`pair`/`special_tokens`), and so does Jikji.
    func postProcessor(_ object: JSONValue, vocabulary: [String]) throws -> HFTokenizerJSON.PostProcessor {
        var type = object.member("type")?.stringValue
        if type == nil {
            if object.member("single") != nil { type = "TemplateProcessing" }
            else if object.member("cls") != nil, object.member("sep") != nil, object.member("trim_offsets") == nil {
                type = "BertProcessing"
            }
        }
        switch type {
        case "BertProcessing"?:
            // HF uses the ids written here, whatever the vocabulary gives those tokens.
            func pair(_ key: String) throws -> (String, Int) {
                guard case .array(let array)? = object.member(key), array.count == 2,
                      let token = array[0].stringValue, let id = array[1].intValue, id >= 0, id <= Int(Int32.max) else {
                    throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.\(key)",
                                                      problem: "is not a [token, id] pair")
                }
                return (token, id)
            }
            let cls = try pair("cls"), sep = try pair("sep")
            return .bert(.init(cls: cls.0, clsId: cls.1, sep: sep.0, sepId: sep.1))
        case "TemplateProcessing"?:
            return .template(try template(object, vocabulary: vocabulary))
        default:
            throw HFTokenizerJSONError.unsupported(path: path, key: "post_processor.type", found: type ?? "(none)",
                                                   supported: "BertProcessing, TemplateProcessing or null")
        }
    }

    /// A `TemplateProcessing` as written. Hub files without `special_tokens` take the ids from
    /// the vocabulary; without `pair`, pairs follow BERT's template.
    func template(_ object: JSONValue, vocabulary: [String]) throws -> TemplatePostProcessor {
        func pieces(_ key: String) throws -> [TemplatePostProcessor.Piece] {
            guard let list = object.member(key), !list.isNull else { return [] }
            guard case .array(let items) = list else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.\(key)", problem: "is not an array")
            }
            return try items.enumerated().map { index, item in
                let at = "post_processor.\(key)[\(index)]"
                let typeId = try item.member("SpecialToken").map { try self.typeId($0, at: at) }
                    ?? item.member("Sequence").map { try self.typeId($0, at: at) } ?? 0
                if let special = item.member("SpecialToken"), let name = special.member("id")?.stringValue {
                    return .special(name, typeId: typeId)
                }
                if let sequence = item.member("Sequence"), let id = sequence.member("id")?.stringValue,
                   let which = TemplatePostProcessor.Sequence(rawValue: id) {
                    return .sequence(which, typeId: typeId)
                }
                throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "is neither a SpecialToken nor a Sequence A/B")
            }
        }
        let single = try pieces("single"), pair = try pieces("pair")
        guard single.filter({ if case .sequence(.a, _) = $0 { return true }; return false }).count == 1,
              !single.contains(where: { if case .sequence(.b, _) = $0 { return true }; return false }) else {
            throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.single", problem: "must hold $A once and no $B")
        }
        var specials: [TemplatePostProcessor.SpecialToken] = []
        if case .object(let members)? = object.member("special_tokens") {
            for (name, value) in members {
                let at = "post_processor.special_tokens.\(name)"
                guard case .array(let ids)? = value.member("ids"), case .array(let tokens)? = value.member("tokens") else {
                    throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "lacks ids or tokens")
                }
                let idValues = try ids.map { v -> Int32 in
                    guard let id = v.intValue, id >= 0, id <= Int(Int32.max) else {
                        throw HFTokenizerJSONError.badKey(path: path, key: "\(at).ids", problem: "holds a value that is not an id")
                    }
                    return Int32(id)
                }
                let tokenValues = try tokens.map { v -> String in
                    guard let t = v.stringValue else {
                        throw HFTokenizerJSONError.badKey(path: path, key: "\(at).tokens", problem: "holds a value that is not a string")
                    }
                    return t
                }
                guard idValues.count == tokenValues.count else {
                    throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "has \(idValues.count) ids but \(tokenValues.count) tokens")
                }
                specials.append(.init(name: value.member("id")?.stringValue ?? name, ids: idValues, tokens: tokenValues))
            }
        }
        // Every special token the templates name must be defined.
        for piece in single + pair {
            guard case let .special(name, _) = piece,
                  !specials.contains(where: { $0.name.utf8.elementsEqual(name.utf8) }) else { continue }
            guard let id = vocabulary.firstIndex(where: { $0.utf8.elementsEqual(name.utf8) }) else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.special_tokens",
                                                  problem: "does not define '\(name)', which the template uses")
            }
            specials.append(.init(name: name, ids: [Int32(id)], tokens: [name]))
        }
        return TemplatePostProcessor(single: single, pair: pair, specialTokens: specials)
    }

    func typeId(_ piece: JSONValue, at keyPath: String) throws -> UInt8 {
        guard let value = piece.member("type_id") else { return 0 }
        guard let id = value.intValue, id >= 0, id <= 255 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "\(keyPath).type_id", problem: "is not a type id (0…255)")
        }
        return UInt8(id)
    }

    /// `truncation`: null, or `{max_length, stride, strategy, direction}`.
    func truncation(_ value: JSONValue?) throws -> TruncationOptions? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation", problem: "is not an object or null")
        }
        let maxLength = try int(value, "max_length", at: "truncation.max_length")
        let stride = value.member("stride") == nil ? 0 : try int(value, "stride", at: "truncation.stride")
        guard maxLength >= 0, stride >= 0 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation", problem: "has a negative max_length or stride")
        }
        let strategies: [String: TruncationOptions.Strategy] = ["LongestFirst": .longestFirst, "OnlyFirst": .onlyFirst,
                                                                "OnlySecond": .onlySecond]
        let strategyName = value.member("strategy")?.stringValue ?? "LongestFirst"
        guard let strategy = strategies[strategyName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation.strategy",
                                              problem: "is '\(strategyName)'; allowed: LongestFirst, OnlyFirst, OnlySecond")
        }
        let directionName = value.member("direction")?.stringValue ?? "Right"
        guard let direction = ["Right": TruncationOptions.Direction.right, "Left": .left][directionName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation.direction", problem: "is '\(directionName)'; allowed: Right, Left")
        }
        return TruncationOptions(maxLength: maxLength, stride: stride, strategy: strategy, direction: direction)
    }

    /// `padding`: null, or `{strategy: "BatchLongest" | {"Fixed": n}, direction, pad_to_multiple_of, pad_id, pad_type_id, pad_token}`.
    func padding(_ value: JSONValue?) throws -> PaddingOptions? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding", problem: "is not an object or null")
        }
        let strategy: PaddingOptions.Strategy
        switch value.member("strategy") {
        case .string("BatchLongest")?, nil: strategy = .batchLongest
        case let fixed? where fixed.member("Fixed") != nil:
            let n = try int(fixed, "Fixed", at: "padding.strategy.Fixed")
            guard n >= 0 else { throw HFTokenizerJSONError.badKey(path: path, key: "padding.strategy.Fixed", problem: "is negative") }
            strategy = .fixed(n)
        default:
            throw HFTokenizerJSONError.badKey(path: path, key: "padding.strategy", problem: "is not \"BatchLongest\" or {\"Fixed\": n}")
        }
        let directionName = value.member("direction")?.stringValue ?? "Right"
        guard let direction = ["Right": PaddingOptions.Direction.right, "Left": .left][directionName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding.direction", problem: "is '\(directionName)'; allowed: Right, Left")
        }
        var multiple: Int?
        if let m = value.member("pad_to_multiple_of"), !m.isNull {
            guard let n = m.intValue, n >= 0 else {
                throw HFTokenizerJSONError.badKey(path: path, key: "padding.pad_to_multiple_of", problem: "is not a count")
            }
            multiple = n
        }
        let padId = value.member("pad_id") == nil ? 0 : try int(value, "pad_id", at: "padding.pad_id")
        let padTypeId = value.member("pad_type_id") == nil ? 0 : try int(value, "pad_type_id", at: "padding.pad_type_id")
        guard padId >= 0, padId <= Int(Int32.max), padTypeId >= 0, padTypeId <= 255 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding", problem: "has a pad_id or pad_type_id out of range")
        }
        let padToken = value.member("pad_token") == nil ? "[PAD]" : try string(value, "pad_token", at: "padding.pad_token")
        return PaddingOptions(strategy: strategy, direction: direction, padToMultipleOf: multiple, padId: Int32(padId),
                              padTypeId: UInt8(padTypeId), padToken: padToken)
    }
}

// MARK: - Writing

extension HFTokenizerJSON {
    /// The file as HF writes it (serde_json pretty printer), ending without a newline like HF's.
    public func serialized() -> Data {
        var out = JSONWriter()
        out.raw("{\n")
        out.raw("  \"version\": \"1.0\",\n")
        if let t = truncation {
            let strategy = ["longest_first": "LongestFirst", "only_first": "OnlyFirst", "only_second": "OnlySecond"][t.strategy.rawValue] ?? "LongestFirst"
            out.raw("  \"truncation\": {\n")
            out.raw("    \"direction\": \"\(t.direction == .left ? "Left" : "Right")\",\n")
            out.raw("    \"max_length\": \(t.maxLength),\n")
            out.raw("    \"strategy\": \"\(strategy)\",\n")
            out.raw("    \"stride\": \(t.stride)\n")
            out.raw("  },\n")
        } else {
            out.raw("  \"truncation\": null,\n")
        }
        if let p = padding {
            out.raw("  \"padding\": {\n")
            switch p.strategy {
            case .batchLongest: out.raw("    \"strategy\": \"BatchLongest\",\n")
            case .fixed(let n): out.raw("    \"strategy\": {\n      \"Fixed\": \(n)\n    },\n")
            }
            out.raw("    \"direction\": \"\(p.direction == .left ? "Left" : "Right")\",\n")
            out.raw("    \"pad_to_multiple_of\": \(p.padToMultipleOf.map(String.init) ?? "null"),\n")
            out.raw("    \"pad_id\": \(p.padId),\n")
            out.raw("    \"pad_type_id\": \(p.padTypeId),\n")
            out.raw("    \"pad_token\": "); out.string(p.padToken); out.raw("\n")
            out.raw("  },\n")
        } else {
            out.raw("  \"padding\": null,\n")
        }
        if addedTokens.isEmpty {
            out.raw("  \"added_tokens\": [],\n")
        } else {
            out.raw("  \"added_tokens\": [\n")
            for (index, token) in addedTokens.enumerated() {
                out.raw("    {\n")
                out.raw("      \"id\": \(token.id),\n")
                out.raw("      \"content\": "); out.string(token.content); out.raw(",\n")
                out.raw("      \"single_word\": \(token.singleWord),\n")
                out.raw("      \"lstrip\": \(token.lstrip),\n")
                out.raw("      \"rstrip\": \(token.rstrip),\n")
                out.raw("      \"normalized\": \(token.normalized),\n")
                out.raw("      \"special\": \(token.special)\n")
                out.raw(index == addedTokens.count - 1 ? "    }\n" : "    },\n")
            }
            out.raw("  ],\n")
        }
        out.raw("  \"normalizer\": {\n")
        out.raw("    \"type\": \"BertNormalizer\",\n")
        out.raw("    \"clean_text\": \(normalizer.cleanText),\n")
        out.raw("    \"handle_chinese_chars\": \(normalizer.handleChineseChars),\n")
        out.raw("    \"strip_accents\": \(normalizer.stripAccents.map { "\($0)" } ?? "null"),\n")
        out.raw("    \"lowercase\": \(normalizer.lowercase)\n")
        out.raw("  },\n")
        out.raw("  \"pre_tokenizer\": {\n    \"type\": \"BertPreTokenizer\"\n  },\n")
        if case .template(let template)? = processor {
            out.template(template)
        } else if let post = postProcessor {
            out.raw("  \"post_processor\": {\n")
            out.raw("    \"type\": \"BertProcessing\",\n")
            out.raw("    \"sep\": [\n      "); out.string(post.sep); out.raw(",\n      \(post.sepId)\n    ],\n")
            out.raw("    \"cls\": [\n      "); out.string(post.cls); out.raw(",\n      \(post.clsId)\n    ]\n")
            out.raw("  },\n")
        } else {
            out.raw("  \"post_processor\": null,\n")
        }
        if hasDecoder {
            out.raw("  \"decoder\": {\n")
            out.raw("    \"type\": \"WordPiece\",\n")
            out.raw("    \"prefix\": "); out.string(continuingSubwordPrefix); out.raw(",\n")
            out.raw("    \"cleanup\": \(decoderCleanup)\n")
            out.raw("  },\n")
        } else {
            out.raw("  \"decoder\": null,\n")
        }
        out.raw("  \"model\": {\n")
        out.raw("    \"type\": \"WordPiece\",\n")
        out.raw("    \"unk_token\": "); out.string(unknownToken); out.raw(",\n")
        out.raw("    \"continuing_subword_prefix\": "); out.string(continuingSubwordPrefix); out.raw(",\n")
        out.raw("    \"max_input_chars_per_word\": \(maxInputCharactersPerWord),\n")
        if vocabulary.isEmpty {
            out.raw("    \"vocab\": {}\n")
        } else {
            out.raw("    \"vocab\": {\n")
            for (id, token) in vocabulary.enumerated() {
                out.raw("      "); out.string(token); out.raw(": \(id)")
                out.raw(id == vocabulary.count - 1 ? "\n" : ",\n")
            }
            out.raw("    }\n")
        }
        out.raw("  }\n")
        out.raw("}")
        return Data(out.bytes)
    }

    /// Writes ``serialized()`` to `url` atomically (a temporary file renamed over the target).
    public func write(to url: URL) throws {
        do {
            try serialized().write(to: url, options: .atomic)
        } catch {
            throw HFTokenizerJSONError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// Appends JSON text to a byte buffer, escaping strings as serde_json does.
private struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `"post_processor": {TemplateProcessing …},` as serde_json pretty-prints it (special tokens
    /// sorted by name, as HF's map keeps them).
    mutating func template(_ t: TemplatePostProcessor) {
        func pieces(_ key: String, _ list: [TemplatePostProcessor.Piece], last: Bool = false) {
            if list.isEmpty { raw("    \"\(key)\": [],\n"); return }
            raw("    \"\(key)\": [\n")
            for (index, piece) in list.enumerated() {
                raw("      {\n")
                switch piece {
                case let .special(name, typeId):
                    raw("        \"SpecialToken\": {\n          \"id\": "); string(name)
                    raw(",\n          \"type_id\": \(typeId)\n        }\n")
                case let .sequence(which, typeId):
                    raw("        \"Sequence\": {\n          \"id\": \"\(which.rawValue)\",\n          \"type_id\": \(typeId)\n        }\n")
                }
                raw(index == list.count - 1 ? "      }\n" : "      },\n")
            }
            raw("    ],\n")
        }
        raw("  \"post_processor\": {\n")
        raw("    \"type\": \"TemplateProcessing\",\n")
        pieces("single", t.single)
        pieces("pair", t.pair)
        let specials = t.specialTokens.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        if specials.isEmpty {
            raw("    \"special_tokens\": {}\n")
        } else {
            raw("    \"special_tokens\": {\n")
            for (index, special) in specials.enumerated() {
                raw("      "); string(special.name); raw(": {\n")
                raw("        \"id\": "); string(special.name); raw(",\n")
                raw("        \"ids\": [\n")
                raw(special.ids.map { "          \($0)" }.joined(separator: ",\n")); raw("\n        ],\n")
                raw("        \"tokens\": [\n")
                for (k, token) in special.tokens.enumerated() {
                    raw("          "); string(token); raw(k == special.tokens.count - 1 ? "\n" : ",\n")
                }
                raw("        ]\n")
                raw(index == specials.count - 1 ? "      }\n" : "      },\n")
            }
            raw("    }\n")
        }
        raw("  },\n")
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`,
    /// everything else (including non-ASCII) verbatim UTF-8.
    mutating func string(_ text: String) {
        bytes.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, 0x62])
            case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}
