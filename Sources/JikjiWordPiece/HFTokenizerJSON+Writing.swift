import Foundation
import JikjiIO

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
        out.normalizer(normalizer, after: normalizers)
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
            throw HFTokenizerJSONError.io(path: url.path, reason: "cannot write: \(SystemErrorText.plainReason(error))")
        }
    }
}

/// Appends JSON text to a byte buffer, escaping strings as serde_json does.
private struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `"normalizer": …,`: the `BertNormalizer` alone, or a `Sequence` of `before` and it.
    mutating func normalizer(_ bert: BertNormalizerOptions, after before: [HFNormalizer]) {
        func bertObject(_ indent: String) {
            raw("\(indent)  \"type\": \"BertNormalizer\",\n")
            raw("\(indent)  \"clean_text\": \(bert.cleanText),\n")
            raw("\(indent)  \"handle_chinese_chars\": \(bert.handleChineseChars),\n")
            raw("\(indent)  \"strip_accents\": \(bert.stripAccents.map { "\($0)" } ?? "null"),\n")
            raw("\(indent)  \"lowercase\": \(bert.lowercase)\n")
        }
        guard !before.isEmpty else {
            raw("  \"normalizer\": {\n")
            bertObject("  ")
            raw("  },\n")
            return
        }
        raw("  \"normalizer\": {\n    \"type\": \"Sequence\",\n    \"normalizers\": [\n")
        for step in before {
            raw("      {\n        \"type\": \"\(step.typeName)\"")
            switch step {
            case .nfc, .nfd, .nfkc, .nfkd, .lowercase:
                break
            case let .strip(left, right):
                raw(",\n        \"strip_left\": \(left),\n        \"strip_right\": \(right)")
            case let .prepend(prefix):
                raw(",\n        \"prepend\": "); string(prefix)
            case let .replace(pattern, content):
                raw(",\n        \"pattern\": {\n")
                switch pattern {
                case .string(let literal): raw("          \"String\": "); string(literal)
                case .regex(let regex): raw("          \"Regex\": "); string(regex)
                }
                raw("\n        },\n        \"content\": "); string(content)
            }
            raw("\n      },\n")
        }
        raw("      {\n")
        bertObject("      ")
        raw("      }\n    ]\n  },\n")
    }

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
