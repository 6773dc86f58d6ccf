import ArgumentParser
import Foundation
import JikjiConfig
import JikjiText
import JikjiWordPiece

/// The options that decide which words a corpus yields, shared by `vocab train` and
/// `vocab count` (so that counting in shards reads text exactly as training in one piece).
struct VocabCountingOptions: ParsableArguments {
    @Option(help: "Read this column of delimited files (the first line is the header).")
    var textColumn: String?

    /// `--column`, the spelling before `--text-column` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("column"), help: .hidden)
    var legacyColumn: String?

    @Flag(help: "Lowercase text before training (BERT normalizer; accents are then stripped too unless --no-strip-accents).")
    var lowercase = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Strip accents: NFD, then delete nonspacing marks (default: as --lowercase, like HF's strip_accents=None).",
        discussion: "Stripping decomposes Korean Hangul syllables into jamo: with --lowercase on Korean text, add --no-strip-accents to keep them."))
    var stripAccents: Bool?

    @Flag(help: "Do not delete control characters or map whitespace to spaces (clean_text=false).")
    var noCleanText = false

    @Flag(help: "Do not put spaces around CJK ideographs (handle_chinese_chars=false).")
    var noChineseChars = false

    @Option(help: "A cleaning pipeline (preset name, step name or .yaml/.json file) run on each document before the normalizer; stored with the vocabulary.")
    var pipeline: String?

    @Option(help: "Worker threads for counting (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// The text column, by either spelling.
    var column: String? { textColumn ?? legacyColumn }

    /// Whether any option that changes counting was given (`--from-counts` takes them from the counts).
    var changesCounting: Bool {
        column != nil || lowercase || stripAccents != nil || noCleanText || noChineseChars || pipeline != nil
    }

    /// The BERT normalizer flags.
    var normalizer: BertNormalizerOptions {
        BertNormalizerOptions(cleanText: !noCleanText, handleChineseChars: !noChineseChars,
                              stripAccents: BertNormalizerOptions.stripAccents(stripAccents, lowercase: lowercase),
                              lowercase: lowercase)
    }

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    /// The preset called `--pipeline`, or the pipeline file at that path (as `jikji clean` reads it).
    func cleaningPipeline() throws -> CleaningPipeline? {
        guard let pipeline else { return nil }
        do {
            return try CleaningPipeline(presetOrFile: pipeline)
        } catch let error as ConfigError {
            throw ValidationError("--pipeline: \(error.description)")
        }
    }

    /// How the trainer's counter reads documents.
    func readingOptions() throws -> CorpusReadingOptions {
        CorpusReadingOptions(normalizer: normalizer, column: column, pipeline: try cleaningPipeline(), threads: threads)
    }
}
