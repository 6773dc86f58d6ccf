import Foundation
import JikjiConfig
import JikjiIO

// MARK: - Reading

extension HFTokenizerJSON {
    /// Reads the `tokenizer.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try WholeFile.read(url.path) } catch {
            throw HFTokenizerJSONError.io(path: url.path, reason: "cannot read: \(SystemErrorText.plainReason(error))")
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
        let reader = HFTokenizerJSONReader(path: path)

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
        // (a Sequence's members before its BertNormalizer: HFNormalizer.swift)
        let (normalizerObject, normalizersBefore) = try reader.normalizerParts(root)
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
        self.normalizers = normalizersBefore
        _ = try cleaningPipeline(path: path)  // refuse here a Sequence member Jikji cannot run as HF does
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
