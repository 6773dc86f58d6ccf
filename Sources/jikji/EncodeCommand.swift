import ArgumentParser
import JikjiTerminal
import Foundation
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
              jikji encode --vocab vocab.txt --input corpora/nsmc/ratings_test.txt --text-column document
              echo "정말 재밌게 봤다." | jikji encode --vocab wp150k --format tokens
              jikji encode --vocab tokenizer.json --input qa.tsv --text-column Q --pair-column A --max-length 64 --truncation-strategy only_second --stride 8 --padding longest --format jsonl
            """
    )

    @OptionGroup var source: VocabularySourceOptions

    @Option(help: "Text to encode: a file, or - for standard input.")
    var input: String = "-"

    @Option(help: "Read this column of a TSV, CSV or JSONL input, by its name: .csv is CSV, .jsonl JSONL, else TSV with a header line (default: whole lines).")
    var textColumn: String?

    /// `--column`, the spelling before `--text-column` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("column"), help: .hidden)
    var legacyColumn: String?

    /// The text column, by either spelling.
    var column: String? { textColumn ?? legacyColumn }

    @Option(help: "Output: ids, tokens or jsonl (ids, tokens, offsets, attention_mask, type_ids, and with a truncation HF's overflowing parts).")
    var format: LineEncodingOptions.Format = .ids

    @Flag(name: .customLong("no-special-tokens"), help: "Do not add [CLS] and [SEP].")
    var noSpecialTokens = false

    @Option(help: "Truncate to N tokens, [CLS] and [SEP] included (as HF: a length that cannot hold them truncates nothing).")
    var maxLength: Int?

    @Option(help: "Read the second text of each pair from this column (with --text-column): [CLS] A [SEP] B [SEP], type ids 1 on B, as HF's encode(text, pair).")
    var pairColumn: String?

    @Flag(help: "Pad every line with [PAD] to --max-length tokens (the same as --padding max-length).")
    var pad = false

    @Option(help: ArgumentHelp(
        "Pad with [PAD] to the max length (max-length) or to the longest line of each batch (longest).",
        discussion: "longest pads each batch of --batch-size consecutive lines, counted from the first line of the input, as HF's encode_batch(lines, padding='longest') on that batch; the last batch may be shorter."))
    var padding: EncodePadding?

    @Option(help: "Lines per batch for --padding longest.")
    var batchSize: Int = 32

    @Option(help: "Which text of a pair truncation cuts: longest_first (HF's default), only_first or only_second; needs a truncation (--max-length or the tokenizer.json's).")
    var truncationStrategy: TruncationOptions.Strategy?

    @Option(help: "Tokens shared by consecutive overflow windows (HF's stride); the windows are the 'overflowing' list of --format jsonl.")
    var stride: Int?

    @Flag(help: "tokenizer.json: ignore the file's truncation (applied by default, as HF does).")
    var noTruncation = false

    @Flag(help: "tokenizer.json: ignore the file's padding (applied by default, as HF does).")
    var noPadding = false

    func validate() throws {
        if pad, maxLength == nil { throw ValidationError("--pad needs --max-length N (the length to pad to)") }
        if padding == .maxLength, maxLength == nil { throw ValidationError("--padding max-length needs --max-length N (the length to pad to)") }
        if pad, padding == .longest { throw ValidationError("--pad pads to --max-length: give it or --padding longest, not both") }
        if let maxLength, maxLength < 0 { throw ValidationError("--max-length must be 0 or more, not \(maxLength)") }
    }

    func run() throws {
        let encoder = try source.textEncoder()
        var options = LineEncodingOptions(format: format, column: column, addSpecialTokens: !noSpecialTokens,
                                          maxLength: maxLength, padToMaxLength: pad || padding == .maxLength)
        options.ignoreTokenizerTruncation = noTruncation
        options.ignoreTokenizerPadding = noPadding
        options.pairColumn = pairColumn
        options.truncationStrategy = truncationStrategy
        options.stride = stride
        options.padToLongest = padding == .longest
        options.paddingBatchSize = batchSize
        let bar = ProgressBar.reading(input, label: "encoding")
        let summary = try encoder.encodeLines(from: input, to: FileHandle.standardOutput,
                                              options: options, progress: { bar.update(Int64($0)) })
        bar.finish(extra: "\(summary.lines) lines, \(summary.tokens) tokens")
    }
}

extension LineEncodingOptions.Format: ExpressibleByArgument {}

extension TruncationOptions.Strategy: ExpressibleByArgument {}

/// `jikji encode --padding`: HF's `padding="max_length"` or `padding="longest"`.
enum EncodePadding: String, ExpressibleByArgument, CaseIterable {
    /// To `--max-length` tokens.
    case maxLength = "max-length"
    /// To the longest line of each batch of `--batch-size` lines.
    case longest
}

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

    /// The encoder (with a stored vocabulary's cleaning pipeline) and decoder `--vocab` names.
    func textEncoder() throws -> TextEncoder {
        try VocabularySource(argument: vocab, databasePath: db, lowercase: lowercase, stripAccents: stripAccents)
            .textEncoder()
    }
}

extension ProgressBar {
    /// A terminal-only bar for reading `path`, whose size (none for `-`) is the total.
    static func reading(_ path: String, label: String) -> ProgressBar {
        let size = path == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber
        return ProgressBar(label, total: size.map { $0.int64Value }, unit: .bytes, enabled: isatty(STDERR_FILENO) == 1)
    }
}
