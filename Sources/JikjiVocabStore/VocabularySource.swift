import Foundation
import JikjiWordPiece

/// What a `--vocab` argument names, and the encoder it gives: an HF `vocab.txt` or
/// `tokenizer.json` when a file exists at that path, else a stored vocabulary `NAME[@VERSION]`.
///
/// The one rule every command taking `--vocab` follows (`jikji encode`, `jikji decode`).
public enum VocabularySource: Equatable, Sendable {
    /// An HF / BERT `vocab.txt` with the normalizer flags the user gave.
    case vocabTxt(path: String, normalizer: BertNormalizerOptions)
    /// An HF `tokenizer.json`, which carries its own normalizer and post-processor.
    case tokenizerJSON(path: String)
    /// `NAME` or `NAME@VERSION` in the vocabulary database at `databasePath`.
    case stored(reference: String, databasePath: String)

    /// Reads `argument` as the CLI does.
    ///
    /// An existing file is a `tokenizer.json` when its name ends in `.json` or its first
    /// non-blank byte is `{`, else a `vocab.txt`. An argument that looks like a path (it has a `/`
    /// or ends in `.txt` or `.json`) but names no file is a missing file, not an unknown name.
    ///
    /// - Parameters:
    ///   - lowercase, stripAccents: HF's normalizer flags, for a `vocab.txt` only (nil
    ///     `stripAccents` follows `lowercase`, as HF's `strip_accents=None`; a
    ///     `tokenizer.json` and a stored vocabulary carry their own; giving them is an error).
    /// - Throws: ``VocabularySourceError`` with a message for the user.
    public init(argument: String, databasePath: String = VocabularyStore.defaultPath,
                lowercase: Bool = false, stripAccents: Bool? = nil) throws {
        let normalizerFlags = lowercase || stripAccents != nil
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            if try VocabularyFileFormat.detect(URL(fileURLWithPath: argument)) == .tokenizerJSON {
                if normalizerFlags {
                    throw VocabularySourceError("--lowercase/--strip-accents apply to vocab.txt; \(argument) carries its own normalizer")
                }
                self = .tokenizerJSON(path: argument)
            } else {
                // Without an explicit choice accents follow lowercasing, as HF's strip_accents=None.
                self = .vocabTxt(path: argument, normalizer: BertNormalizerOptions(
                    stripAccents: BertNormalizerOptions.stripAccents(stripAccents, lowercase: lowercase), lowercase: lowercase))
            }
            return
        }
        if argument.contains("/") || argument.hasSuffix(".txt") || argument.hasSuffix(".json") {
            throw VocabularySourceError("vocabulary file \(argument) does not exist")
        }
        if normalizerFlags {
            throw VocabularySourceError("--lowercase/--strip-accents apply to vocab.txt; stored vocabularies carry their own normalizer")
        }
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw VocabularySourceError("\(argument) is neither a file nor a stored vocabulary: database \(databasePath) does not exist")
        }
        self = .stored(reference: argument, databasePath: databasePath)
    }

    /// The complete encoder and decoder of the vocabulary (a stored one with its cleaning pipeline).
    /// - Throws: the file's or the store's errors (unknown name or version, bad file) as they are.
    public func textEncoder() throws -> TextEncoder {
        switch self {
        case let .vocabTxt(path, normalizer):
            return try TextEncoder(vocabTxt: URL(fileURLWithPath: path), normalizer: normalizer)
        case let .tokenizerJSON(path):
            return try TextEncoder(try HFTokenizerJSON(contentsOf: URL(fileURLWithPath: path)))
        case let .stored(reference, databasePath):
            return try VocabularyStore(path: databasePath, create: false, readOnly: true).load(reference).textEncoder()
        }
    }
}

/// A `--vocab` argument that names nothing usable, with the message shown to the user.
public struct VocabularySourceError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What is wrong and what to do about it.
    public let description: String

    /// An error with `description` as its message.
    public init(_ description: String) { self.description = description }
}
