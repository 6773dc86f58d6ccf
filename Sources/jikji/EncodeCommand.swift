import ArgumentParser
import JikjiTerminal
import Foundation
import JikjiText
import JikjiVocabStore
import JikjiWordPiece

/// `jikji encode`: text lines in, one line of ids / tokens / JSON out per input line.
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode text with a WordPiece vocabulary, one output line per input line.",
        discussion: """
            Matches HuggingFace tokenizers' BertWordPieceTokenizer: same ids, tokens and \
            character offsets. Runs on all cores; the input is streamed, never held whole.
            Examples:
              jikji encode --vocab vocab.txt --input corpora/nsmc/ratings_test.txt --column document
              echo "정말 재밌게 봤다." | jikji encode --vocab wp150k --format tokens
            """
    )

    @OptionGroup var source: VocabularySourceOptions

    @Option(help: "Text to encode: a file, or - for standard input.")
    var input: String = "-"

    @Option(help: "Read this column of a tab-separated file with a header line (default: whole lines).")
    var column: String?

    @Option(help: "Output: ids, tokens or jsonl (ids, tokens, offsets, attention_mask, type_ids).")
    var format: LineEncodingOptions.Format = .ids

    @Flag(name: .customLong("no-special-tokens"), help: "Do not add [CLS] and [SEP].")
    var noSpecialTokens = false

    @Option(help: "Truncate to N tokens, [CLS] and [SEP] included (as HF: a length that cannot hold them truncates nothing).")
    var maxLength: Int?

    @Flag(help: "Pad every line with [PAD] to --max-length tokens.")
    var pad = false

    @Flag(help: "tokenizer.json: ignore the file's truncation (applied by default, as HF does).")
    var noTruncation = false

    @Flag(help: "tokenizer.json: ignore the file's padding (applied by default, as HF does).")
    var noPadding = false

    func validate() throws {
        if pad, maxLength == nil { throw ValidationError("--pad needs --max-length N (the length to pad to)") }
        if let maxLength, maxLength < 0 { throw ValidationError("--max-length must be 0 or more, not \(maxLength)") }
    }

    func run() throws {
        var resolved = try VocabularySourceOptions.resolve(source)
        if noTruncation { resolved.tokenizer.truncation = nil }
        if noPadding { resolved.tokenizer.padding = nil }
        let options = LineEncodingOptions(format: format, column: column, addSpecialTokens: !noSpecialTokens,
                                          maxLength: maxLength, padToMaxLength: pad,
                                          textTransform: resolved.textTransform)
        let handle = try openInput(input)
        let bar = ProgressBar.reading(input, label: "encoding")
        let summary = try resolved.tokenizer.encodeLines(from: handle, path: input, to: FileHandle.standardOutput,
                                                         options: options, progress: { bar.update(Int64($0)) })
        bar.finish(extra: "\(summary.lines) lines, \(summary.tokens) tokens")
    }
}

extension LineEncodingOptions.Format: ExpressibleByArgument {}

/// `--vocab` and the options that say how to read it, shared by `encode` and `decode`.
struct VocabularySourceOptions: ParsableArguments {
    @Option(help: "vocab.txt, tokenizer.json, or NAME[@VERSION] of a stored vocabulary.")
    var vocab: String

    @Option(help: "The vocabulary database for NAME[@VERSION].")
    var db: String = VocabularyStore.defaultPath

    @Flag(help: "vocab.txt only: lowercase (HF's lowercase=True; accents are then stripped too unless --no-strip-accents).")
    var lowercase = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "vocab.txt only: strip accents (default: as --lowercase, like HF's strip_accents=None).",
        discussion: "Stripping decomposes Korean Hangul syllables into jamo: with --lowercase on Korean text, add --no-strip-accents to keep them."))
    var stripAccents: Bool?

    /// The normalizer a vocab.txt is read with (HF's `BertWordPieceTokenizer(vocab, lowercase=…, strip_accents=…)`).
    var vocabTxtNormalizer: BertNormalizerOptions {
        BertNormalizerOptions(stripAccents: BertNormalizerOptions.stripAccents(stripAccents, lowercase: lowercase),
                              lowercase: lowercase)
    }

    /// A tokenizer and what to run on each text before it (a stored vocabulary's cleaning
    /// pipeline, when one is wired in).
    struct Resolved {
        var tokenizer: WordPieceTokenizer
        var textTransform: (@Sendable (String) throws -> String)?
    }

    /// Turns `--vocab` into a tokenizer. A `static var` so the way names are resolved (e.g. with
    /// a cleaning pipeline) can be swapped without touching the commands.
    nonisolated(unsafe) static var resolve: (VocabularySourceOptions) throws -> Resolved = defaultResolve

    /// A file path (`vocab.txt`, `tokenizer.json`) when such a file exists, else a stored
    /// vocabulary `NAME[@VERSION]` in `--db`.
    static func defaultResolve(_ o: VocabularySourceOptions) throws -> Resolved {
        var isDirectory: ObjCBool = false
        let normalizerFlags = o.lowercase || o.stripAccents != nil
        if FileManager.default.fileExists(atPath: o.vocab, isDirectory: &isDirectory), !isDirectory.boolValue {
            let url = URL(fileURLWithPath: o.vocab)
            if try isJSON(url) {
                if normalizerFlags {
                    throw VocabularySourceError("--lowercase/--strip-accents apply to vocab.txt; \(o.vocab) carries its own normalizer")
                }
                // Everything the file says: added tokens, post-processor, decoder, truncation, padding.
                return Resolved(tokenizer: try HFTokenizerJSON(contentsOf: url).tokenizer())
            }
            let vocabulary = try WordPieceVocabulary(vocabTxt: url)
            return Resolved(tokenizer: WordPieceTokenizer(vocabulary: vocabulary, normalizer: o.vocabTxtNormalizer))
        }
        if o.vocab.contains("/") || o.vocab.hasSuffix(".txt") || o.vocab.hasSuffix(".json") {
            throw VocabularySourceError("vocabulary file \(o.vocab) does not exist")
        }
        if normalizerFlags {
            throw VocabularySourceError("--lowercase/--strip-accents apply to vocab.txt; stored vocabularies carry their own normalizer")
        }
        guard FileManager.default.fileExists(atPath: o.db) else {
            throw VocabularySourceError("\(o.vocab) is neither a file nor a stored vocabulary: database \(o.db) does not exist")
        }
        let stored = try VocabularyStore(path: o.db, create: false).load(o.vocab)
        var transform: (@Sendable (String) throws -> String)? = nil
        if let json = stored.pipeline, !json.isEmpty, json != "null" {
            // Text is cleaned exactly as the vocabulary's training corpus was.
            let pipeline = try CleaningPipeline(json: json, source: "cleaning pipeline of vocabulary \(stored.reference)")
            _ = try TextCleaner(pipeline: pipeline)  // a bad step is an error here, never a trap later
            transform = { pipeline.clean($0) }
        }
        return Resolved(tokenizer: try stored.wordPieceTokenizer(), textTransform: transform)
    }

    /// Whether a file starts (after whitespace) with `{`.
    private static func isJSON(_ url: URL) throws -> Bool {
        if url.pathExtension.lowercased() == "json" { return true }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 64) ?? Data()
        return head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "{")
    }
}

/// The file at `path`, or standard input for `-`.
func openInput(_ path: String) throws -> FileHandle {
    if path == "-" { return FileHandle.standardInput }
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw VocabularySourceError("cannot read input \(path): no such readable file")
    }
    return try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
}

/// A problem with `--vocab` or `--input` (reported without the usage text that
/// `ValidationError` would add).
struct VocabularySourceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ProgressBar {
    /// A terminal-only bar for reading `path`, whose size (none for `-`) is the total.
    static func reading(_ path: String, label: String) -> ProgressBar {
        let size = path == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber
        return ProgressBar(label, total: size.map { $0.int64Value }, unit: .bytes, enabled: isatty(STDERR_FILENO) == 1)
    }
}
