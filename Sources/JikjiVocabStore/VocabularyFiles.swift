import Foundation
import JikjiText
import JikjiWordPiece

/// The file formats a vocabulary is imported from and exported to.
public enum VocabularyFileFormat: String, CaseIterable, Sendable {
    /// HF / BERT `vocab.txt`: one token per line, id = line index.
    case vocabTxt = "vocab-txt"
    /// HF `tokenizer.json` with a WordPiece model and the BERT normalizer.
    case tokenizerJSON = "tokenizer-json"

    /// The format of `url`: `tokenizer-json` when the first non-blank byte is `{`, else `vocab-txt`.
    public static func detect(_ url: URL) throws -> VocabularyFileFormat {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw VocabularyFileError.unreadable(path: url.path, reason: error.localizedDescription)
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
    /// The vocabulary's cleaning pipeline has steps HF's normalizers cannot express (each
    /// described with its number, name and why), so HF would encode the export differently.
    case inexpressiblePipeline(vocabulary: String, steps: [String], pipeline: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        case let .missingSpecialToken(path, token):
            return "\(path) has no token \(token); pass --special-tokens with the special tokens it does have"
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
    public static func importing(_ url: URL, name: String, format: VocabularyFileFormat? = nil,
                                 normalizer: BertNormalizerOptions = .korean, specialTokens: [String]? = nil,
                                 toolVersion: String) throws -> StoredVocabulary {
        let format = try format ?? VocabularyFileFormat.detect(url)
        switch format {
        case .vocabTxt:
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw VocabularyFileError.unreadable(path: url.path, reason: error.localizedDescription)
            }
            let texts = try WordPieceVocabulary.parseVocabTxt(data, path: url.path)
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
                                    normalizer: normalizer, origin: "imported vocab.txt \(url.path)",
                                    toolVersion: toolVersion)
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
            throw VocabularyFileError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }
}

extension StoredVocabulary {
    /// The vocabulary a `--vocab` argument names: an HF `vocab.txt` or `tokenizer.json` when a
    /// file exists at that path, otherwise `NAME` or `NAME@VERSION` in the store at `databasePath`.
    ///
    /// A file is read as ``importing(_:name:format:normalizer:specialTokens:toolVersion:)`` does
    /// (a `vocab.txt` gets `normalizer`), named after the file and not saved (version 0).
    /// An argument that looks like a path (it has a `/` or ends in `.txt` or `.json`) but names
    /// no file is reported as a missing file rather than as an unknown vocabulary.
    public static func resolve(_ argument: String, databasePath: String = VocabularyStore.defaultPath,
                               normalizer: BertNormalizerOptions = .korean,
                               toolVersion: String) throws -> StoredVocabulary {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            let url = URL(fileURLWithPath: argument)
            return try importing(url, name: url.lastPathComponent, normalizer: normalizer, toolVersion: toolVersion)
        }
        if argument.contains("/") || argument.hasSuffix(".txt") || argument.hasSuffix(".json") {
            throw VocabularyFileError.unreadable(
                path: argument, reason: "no such file (to use a stored vocabulary, give NAME or NAME@VERSION)")
        }
        return try VocabularyStore(path: databasePath, create: false).load(argument)
    }
}
