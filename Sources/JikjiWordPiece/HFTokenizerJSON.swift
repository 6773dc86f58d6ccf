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

    /// The model's vocabulary in id order (`model.vocab`, which must number 0…n-1 without gaps).
    public var vocabulary: [String]
    /// `added_tokens`, in file order.
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
    public var postProcessor: BertPostProcessor?
    /// `decoder.cleanup`: whether decoding removes spaces before punctuation.
    public var decoderCleanup: Bool

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
        self.postProcessor = postProcessor
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

    /// The vocabulary as a ``WordPieceVocabulary`` with this file's special tokens and settings.
    public func wordPieceVocabulary() throws -> WordPieceVocabulary {
        try WordPieceVocabulary(tokens: vocabulary, unknownToken: unknownToken,
                                continuingSubwordPrefix: continuingSubwordPrefix,
                                specialTokens: specialTokens,
                                maxInputCharactersPerWord: maxInputCharactersPerWord)
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
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw HFTokenizerJSONError.notJSON(path: path, reason: "the top level is not an object")
            }
            root = object
        } catch let error as HFTokenizerJSONError {
            throw error
        } catch {
            throw HFTokenizerJSONError.notJSON(path: path, reason: "\(error.localizedDescription)")
        }
        let reader = JSONReader(path: path)

        // model
        let model = try reader.object(root, "model", at: "model")
        let modelType = model["type"] as? String ?? "WordPiece"
        guard modelType == "WordPiece" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "model.type", found: modelType,
                                                   supported: "WordPiece")
        }
        let unk = try reader.string(model, "unk_token", at: "model.unk_token")
        let prefix = try reader.string(model, "continuing_subword_prefix", at: "model.continuing_subword_prefix")
        let maxChars = try reader.int(model, "max_input_chars_per_word", at: "model.max_input_chars_per_word")
        let vocabObject = try reader.object(model, "vocab", at: "model.vocab")
        var tokens = [String?](repeating: nil, count: vocabObject.count)
        for (token, value) in vocabObject {
            guard let id = reader.intValue(value) else {
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

        // added_tokens
        var added: [AddedToken] = []
        if let list = root["added_tokens"], !(list is NSNull) {
            guard let entries = list as? [Any] else {
                throw HFTokenizerJSONError.badKey(path: path, key: "added_tokens", problem: "is not an array")
            }
            for (index, entry) in entries.enumerated() {
                let key = "added_tokens[\(index)]"
                guard let object = entry as? [String: Any] else {
                    throw HFTokenizerJSONError.badKey(path: path, key: key, problem: "is not an object")
                }
                let token = AddedToken(
                    id: try reader.int(object, "id", at: "\(key).id"),
                    content: try reader.string(object, "content", at: "\(key).content"),
                    singleWord: try reader.bool(object, "single_word", at: "\(key).single_word", default: false),
                    lstrip: try reader.bool(object, "lstrip", at: "\(key).lstrip", default: false),
                    rstrip: try reader.bool(object, "rstrip", at: "\(key).rstrip", default: false),
                    normalized: try reader.bool(object, "normalized", at: "\(key).normalized", default: false),
                    special: try reader.bool(object, "special", at: "\(key).special", default: false))
                guard token.id < vocabulary.count, vocabulary[token.id] == token.content else {
                    throw HFTokenizerJSONError.badKey(
                        path: path, key: key,
                        problem: "adds '\(token.content)' with id \(token.id), which model.vocab does not hold; Jikji needs added tokens inside the WordPiece vocabulary")
                }
                added.append(token)
            }
        }

        // normalizer
        let normalizerObject = try reader.object(root, "normalizer", at: "normalizer")
        let normalizerType = normalizerObject["type"] as? String ?? "(none)"
        guard normalizerType == "BertNormalizer" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "normalizer.type", found: normalizerType,
                                                   supported: "BertNormalizer")
        }
        let strip: Bool?
        switch normalizerObject["strip_accents"] {
        case nil, is NSNull: strip = nil
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
        let preType = preTokenizer["type"] as? String ?? "(none)"
        guard preType == "BertPreTokenizer" else {
            throw HFTokenizerJSONError.unsupported(path: path, key: "pre_tokenizer.type", found: preType,
                                                   supported: "BertPreTokenizer")
        }

        // post_processor
        var processor: BertPostProcessor?
        if let post = root["post_processor"], !(post is NSNull) {
            guard let object = post as? [String: Any] else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor", problem: "is not an object")
            }
            processor = try reader.postProcessor(object, vocabulary: vocabulary)
        }

        // decoder
        var cleanup = true
        if let decoder = root["decoder"], !(decoder is NSNull) {
            guard let object = decoder as? [String: Any] else {
                throw HFTokenizerJSONError.badKey(path: path, key: "decoder", problem: "is not an object")
            }
            let decoderType = object["type"] as? String ?? "(none)"
            guard decoderType == "WordPiece" else {
                throw HFTokenizerJSONError.unsupported(path: path, key: "decoder.type", found: decoderType,
                                                       supported: "WordPiece")
            }
            let decoderPrefix = object["prefix"] as? String ?? prefix
            guard decoderPrefix == prefix else {
                throw HFTokenizerJSONError.badKey(
                    path: path, key: "decoder.prefix",
                    problem: "is '\(decoderPrefix)' but model.continuing_subword_prefix is '\(prefix)'")
            }
            cleanup = try reader.bool(object, "cleanup", at: "decoder.cleanup", default: true)
        }

        self.init(vocabulary: vocabulary, addedTokens: added, normalizer: normalizer, unknownToken: unk,
                  continuingSubwordPrefix: prefix, maxInputCharactersPerWord: maxChars,
                  postProcessor: processor, decoderCleanup: cleanup)
    }
}

/// Typed access to JSONSerialization output, with errors naming the key path.
private struct JSONReader {
    let path: String

    func object(_ parent: [String: Any], _ key: String, at keyPath: String) throws -> [String: Any] {
        guard let value = parent[key] else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is missing")
        }
        guard let object = value as? [String: Any] else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an object")
        }
        return object
    }

    func string(_ parent: [String: Any], _ key: String, at keyPath: String) throws -> String {
        guard let value = parent[key] else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is missing")
        }
        guard let string = value as? String else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not a string")
        }
        return string
    }

    func intValue(_ value: Any) -> Int? {
        // JSONSerialization boxes `true` as an NSNumber too, and `as? Int` would accept it.
        guard !isJSONBoolean(value) else { return nil }
        return value as? Int
    }

    func int(_ parent: [String: Any], _ key: String, at keyPath: String) throws -> Int {
        guard let value = parent[key] else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is missing")
        }
        guard let int = intValue(value) else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an integer")
        }
        return int
    }

    func bool(_ parent: [String: Any], _ key: String, at keyPath: String, default fallback: Bool) throws -> Bool {
        guard let value = parent[key], !(value is NSNull) else { return fallback }
        guard isJSONBoolean(value), let bool = value as? Bool else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not true or false")
        }
        return bool
    }

    /// `BertProcessing`, or a `TemplateProcessing` whose single template is `CLS $A SEP`.
    func postProcessor(_ object: [String: Any], vocabulary: [String]) throws -> HFTokenizerJSON.BertPostProcessor {
        let type = object["type"] as? String ?? "(none)"
        func checked(_ token: String, _ id: Int, _ key: String) throws -> (String, Int) {
            guard id >= 0, id < vocabulary.count, vocabulary[id] == token else {
                throw HFTokenizerJSONError.badKey(path: path, key: key,
                                                  problem: "gives '\(token)' id \(id), which does not match model.vocab")
            }
            return (token, id)
        }
        switch type {
        case "BertProcessing":
            func pair(_ key: String) throws -> (String, Int) {
                guard let array = object[key] as? [Any], array.count == 2,
                      let token = array[0] as? String, let id = intValue(array[1]) else {
                    throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.\(key)",
                                                      problem: "is not a [token, id] pair")
                }
                return try checked(token, id, "post_processor.\(key)")
            }
            let cls = try pair("cls"), sep = try pair("sep")
            return .init(cls: cls.0, clsId: cls.1, sep: sep.0, sepId: sep.1)
        case "TemplateProcessing":
            // [{"SpecialToken": {"id": "[CLS]", ...}}, {"Sequence": {"id": "A", ...}}, {"SpecialToken": {"id": "[SEP]"}}]
            let single = object["single"] as? [Any] ?? []
            let names: [String?] = single.map { piece in
                guard let entry = piece as? [String: Any] else { return nil }
                if let special = entry["SpecialToken"] as? [String: Any] { return special["id"] as? String }
                if entry["Sequence"] != nil { return "$A" }
                return nil
            }
            guard names.count == 3, let clsToken = names[0], names[1] == "$A", let sepToken = names[2],
                  clsToken != "$A", sepToken != "$A",
                  let clsId = vocabulary.firstIndex(of: clsToken), let sepId = vocabulary.firstIndex(of: sepToken)
            else {
                throw HFTokenizerJSONError.unsupported(path: path, key: "post_processor.single",
                                                       found: "a template other than CLS $A SEP",
                                                       supported: "BertProcessing or TemplateProcessing \"[CLS] $A [SEP]\"")
            }
            return .init(cls: clsToken, clsId: clsId, sep: sepToken, sepId: sepId)
        default:
            throw HFTokenizerJSONError.unsupported(path: path, key: "post_processor.type", found: type,
                                                   supported: "BertProcessing, TemplateProcessing or null")
        }
    }
}

/// True when `value` came from JSON `true`/`false` (an NSNumber of type "c"), not from a number.
private func isJSONBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
}

// MARK: - Writing

extension HFTokenizerJSON {
    /// The file as HF writes it (serde_json pretty printer), ending without a newline like HF's.
    public func serialized() -> Data {
        var out = JSONWriter()
        out.raw("{\n")
        out.raw("  \"version\": \"1.0\",\n")
        out.raw("  \"truncation\": null,\n")
        out.raw("  \"padding\": null,\n")
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
        if let post = postProcessor {
            out.raw("  \"post_processor\": {\n")
            out.raw("    \"type\": \"BertProcessing\",\n")
            out.raw("    \"sep\": [\n      "); out.string(post.sep); out.raw(",\n      \(post.sepId)\n    ],\n")
            out.raw("    \"cls\": [\n      "); out.string(post.cls); out.raw(",\n      \(post.clsId)\n    ]\n")
            out.raw("  },\n")
        } else {
            out.raw("  \"post_processor\": null,\n")
        }
        out.raw("  \"decoder\": {\n")
        out.raw("    \"type\": \"WordPiece\",\n")
        out.raw("    \"prefix\": "); out.string(continuingSubwordPrefix); out.raw(",\n")
        out.raw("    \"cleanup\": \(decoderCleanup)\n")
        out.raw("  },\n")
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
