import Foundation
import JikjiIO
import JikjiText
import JikjiWordPiece

/// The file formats a vocabulary is imported from and exported to.
public enum VocabularyFileFormat: String, CaseIterable, Sendable {
    /// HF / BERT `vocab.txt`: one token per line, id = line index.
    case vocabTxt = "vocab-txt"
    /// HF `tokenizer.json` with a WordPiece model and the BERT normalizer.
    case tokenizerJSON = "tokenizer-json"

    /// The format of `url`: `tokenizer-json` when its name ends in `.json` (whatever it holds,
    /// so that `[]`, `null` or text in a `.json` file is refused as a tokenizer.json instead of
    /// read as a one-line vocab.txt) or its first non-blank byte is `{`, else `vocab-txt`.
    public static func detect(_ url: URL) throws -> VocabularyFileFormat {
        if url.pathExtension.lowercased() == "json" { return .tokenizerJSON }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw VocabularyFileError.unreadable(path: url.path, reason: SystemErrorText.plainReason(error))
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        let first = head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        return first == UInt8(ascii: "{") ? .tokenizerJSON : .vocabTxt
    }
}

/// Why a vocabulary file cannot be imported or exported.
public enum VocabularyFileError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// A special token asked for is not in the file.
    case missingSpecialToken(path: String, token: String)
    /// A `vocab.txt` without the unknown token, which WordPiece gives every word it cannot split.
    case missingUnknownToken(path: String, token: String)
    /// A `vocab.txt` listing a token twice (HF would silently keep the later id and leave a hole).
    case duplicateToken(path: String, token: String, firstLine: Int, line: Int)
    /// The vocabulary's cleaning pipeline has steps HF's normalizers cannot express (each
    /// described with its number, name and why), so HF would encode the export differently.
    case inexpressiblePipeline(vocabulary: String, steps: [String], pipeline: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        case let .missingSpecialToken(path, token):
            return "\(path) has no token \(token); pass --special-tokens with the special tokens it does have"
        case let .missingUnknownToken(path, token):
            return "\(path) has no line \(token), the unknown token every word WordPiece cannot split becomes; "
                + "add it, or name the file's own unknown token with --unk-token"
        case let .duplicateToken(path, token, firstLine, line):
            return "\(path):\(line): token '\(token)' is already on line \(firstLine); a vocab.txt lists each token once"
        case let .inexpressiblePipeline(vocabulary, steps, pipeline):
            return "\(vocabulary) cleans text with a pipeline that HF's normalizers cannot express: "
                + steps.joined(separator: "; ")
                + ". HF loading the export would encode differently from jikji encode; pass --drop-pipeline to "
                + "export without the whole pipeline (\(pipeline.joined(separator: ", "))): HF then skips it"
        }
    }
}

extension StoredVocabulary {
    /// A vocabulary read from an HF `vocab.txt` or `tokenizer.json`, ready to ``VocabularyStore/save(_:)``.
    ///
    /// Kinds are inferred from each token's shape (see ``TokenKind/inferred(for:prefix:specials:)``);
    /// merged tokens get their order in the file as merge rank; counts are unknown.
    ///
    /// - Parameters:
    ///   - format: the file's format; nil detects it from the contents.
    ///   - normalizer: the normalizer flags for a `vocab.txt`, which does not record them
    ///     (a `tokenizer.json` carries its own).
    ///   - specialTokens: the special tokens of a `vocab.txt`; nil takes those of
    ///     `[PAD] [UNK] [CLS] [SEP] [MASK]` it contains, as `BertWordPieceTokenizer` does.
    ///   - unknownToken: a `vocab.txt`'s unknown token, which it must contain.
    /// - Throws: ``VocabularyFileError`` for a `vocab.txt` without the unknown token or with a
    ///   token on two lines, the readers' errors for a file that is not a vocab.txt or tokenizer.json.
    public static func importing(_ url: URL, name: String, format: VocabularyFileFormat? = nil,
                                 normalizer: BertNormalizerOptions = .korean, specialTokens: [String]? = nil,
                                 unknownToken: String = "[UNK]", toolVersion: String) throws -> StoredVocabulary {
        let format = try format ?? VocabularyFileFormat.detect(url)
        switch format {
        case .vocabTxt:
            let data: Data
            do { data = try WholeFile.read(url.path) } catch {
                throw VocabularyFileError.unreadable(path: url.path, reason: SystemErrorText.plainReason(error))
            }
            let texts = try WordPieceVocabulary.parseVocabTxt(data, path: url.path)
            // Compared as bytes: Swift's `String ==` treats canonically equivalent tokens as equal
            // (`##é` precomposed and decomposed, U+F90A and 金), but HF's own vocab.txt files hold
            // such pairs as distinct tokens; only byte-identical lines are duplicates.
            var lines: [[UInt8]: Int] = [:]
            for (index, text) in texts.enumerated() {
                if let first = lines.updateValue(index + 1, forKey: Array(text.utf8)) {
                    throw VocabularyFileError.duplicateToken(path: url.path, token: text, firstLine: first, line: index + 1)
                }
            }
            guard lines[Array(unknownToken.utf8)] != nil else {
                throw VocabularyFileError.missingUnknownToken(path: url.path, token: unknownToken)
            }
            let present = Set(texts)
            let specials: [String]
            if let specialTokens {
                for token in specialTokens where !present.contains(token) {
                    throw VocabularyFileError.missingSpecialToken(path: url.path, token: token)
                }
                specials = specialTokens
            } else {
                specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter(present.contains)
            }
            return StoredVocabulary(name: name, tokens: inferredTokens(texts, prefix: "##", specials: Set(specials)),
                                    normalizer: normalizer, unknownToken: unknownToken,
                                    origin: "imported vocab.txt \(url.path)", toolVersion: toolVersion)
        case .tokenizerJSON:
            let file = try HFTokenizerJSON(contentsOf: url)
            var settings = file
            settings.vocabulary = []
            var stored = StoredVocabulary(
                name: name,
                tokens: inferredTokens(file.vocabulary, prefix: file.continuingSubwordPrefix,
                                       specials: Set(file.specialTokens)),
                normalizer: file.normalizer, unknownToken: file.unknownToken,
                continuingSubwordPrefix: file.continuingSubwordPrefix,
                maxInputCharactersPerWord: file.maxInputCharactersPerWord,
                origin: "imported tokenizer.json \(url.path)", toolVersion: toolVersion)
            stored.hfSettings = String(decoding: settings.serialized(), as: UTF8.self)
            // A Sequence normalizer's members before the BertNormalizer are the cleaning pipeline.
            stored.pipeline = try file.cleaningPipeline(path: url.path)?.jsonString
            return stored
        }
    }

    /// The tokenizer that encodes and decodes with this vocabulary: an imported tokenizer.json's
    /// own settings when it has them (added tokens, post-processor, decoder, truncation,
    /// padding), else the vocabulary with its normalizer and `[CLS]`/`[SEP]`.
    public func wordPieceTokenizer() throws -> WordPieceTokenizer {
        // The pipeline runs in the TextEncoder, not in the tokenizer.
        if hfSettings != nil { return try hfTokenizerJSON(dropPipeline: true).tokenizer() }
        return WordPieceTokenizer(vocabulary: try wordPieceVocabulary(), normalizer: normalizer)
    }

    private static func inferredTokens(_ texts: [String], prefix: String, specials: Set<String>) -> [StoredToken] {
        var rank = 0
        return texts.map { text in
            let kind = TokenKind.inferred(for: text, prefix: prefix, specials: specials)
            defer { if kind == .merged { rank += 1 } }
            return StoredToken(text: text, kind: kind, mergeRank: kind == .merged ? rank : nil)
        }
    }

    /// Writes the vocabulary to `url` atomically (temporary file, then rename) in `format`,
    /// creating the folder when missing.
    ///
    /// `postProcessor` (tokenizer-json only) adds `BertProcessing`, so HF's `encode` wraps text in
    /// `[CLS] … [SEP]` as `jikji encode` does; without it the file matches what HF saves right
    /// after training.
    ///
    /// A tokenizer-json carries the cleaning pipeline as HF normalizers before the BERT normalizer
    /// (see ``hfTokenizerJSON(postProcessor:dropPipeline:)``); `dropPipeline` leaves it out.
    /// - Throws: ``VocabularyFileError/inexpressiblePipeline(vocabulary:steps:pipeline:)`` when HF
    ///   cannot express some step and `dropPipeline` is false.
    public func export(to url: URL, format: VocabularyFileFormat, postProcessor: Bool = true,
                       dropPipeline: Bool = false) throws {
        let data: Data
        switch format {
        case .vocabTxt:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(tokens.reduce(0) { $0 + $1.text.utf8.count + 1 })
            for token in tokens {
                bytes.append(contentsOf: token.text.utf8)
                bytes.append(0x0A)
            }
            data = Data(bytes)
        case .tokenizerJSON:
            data = try hfTokenizerJSON(postProcessor: postProcessor, dropPipeline: dropPipeline).serialized()
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw VocabularyFileError.unwritable(path: url.path, reason: SystemErrorText.plainReason(error))
        }
    }
}
