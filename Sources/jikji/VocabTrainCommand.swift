import JikjiIO
import ArgumentParser
import JikjiConfig
import JikjiTerminal
import Foundation
import JikjiText
import JikjiVocabStore
import JikjiWordPiece
#if canImport(Glibc)
import Glibc
#endif

/// `jikji vocab train`: trains a WordPiece vocabulary as HF's BertWordPieceTokenizer does and
/// stores it (with settings and corpus fingerprint) in the vocabulary database.
struct VocabTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a WordPiece vocabulary (HF BertWordPieceTokenizer's algorithm) and store it.",
        discussion: """
            Reads every input once, in chunks, counting words on all cores. Without --text-column every line \
            is a document; with --text-column documents are that column, each file read in the format its name \
            gives (CSV with RFC 4180 quotes for .csv, JSONL for .jsonl, else tab-separated with a header line).
            Deterministic: '##x' tokens are numbered by ascending code point. With \
            --continuation-order-from VOCAB_TXT they follow that file's order instead, which reproduces \
            an HF vocab.txt trained on the same corpus exactly.
            """
    )

    @Option(name: .customLong("input"), parsing: .upToNextOption, help: "Corpus files (one or more).")
    var inputs: [String] = []

    @Option(help: "The name to store the vocabulary under (a new version when it exists).")
    var name: String

    @Option(help: "Target vocabulary size.")
    var vocabSize: Int = 30000

    @Option(help: "Merge only pairs seen at least this many times.")
    var minFrequency: Int64 = 2

    @Option(help: "Keep at most this many distinct characters (the most frequent).")
    var limitAlphabet: Int?

    @Option(help: "Characters always in the alphabet, e.g. \"가나다\".")
    var initialAlphabet: String = ""

    @Option(help: "Comma-separated special tokens, given ids 0… in this order.")
    var specialTokens: String = "[PAD],[UNK],[CLS],[SEP],[MASK]"

    @Option(help: "Prefix of word-continuing pieces.")
    var prefix: String = "##"

    @Option(help: "Take the order of single-character '##x' tokens from this HF vocab.txt (HF parity).")
    var continuationOrderFrom: String?

    @Option(help: "Also write the vocabulary as vocab.txt here (replaced atomically).")
    var output: String?

    @Option(help: ArgumentHelp(
        "Train on this count file (jikji vocab count / merge-counts) instead of reading --input.",
        discussion: "Normalizer, pipeline and column are those the counts were made with (in the file's header)."))
    var fromCounts: String?

    @OptionGroup var counting: VocabCountingOptions

    @OptionGroup var database: VocabDatabaseOptions

    func validate() throws {
        try VocabularyReference.validateName(name)
        if fromCounts != nil {
            guard inputs.isEmpty else { throw ValidationError("give --input files or --from-counts, not both") }
            guard !counting.changesCounting else {
                throw ValidationError("--from-counts: the column, normalizer and pipeline are those of the counts; leave those options out")
            }
        } else {
            guard !inputs.isEmpty else { throw ValidationError("give at least one --input file (or --from-counts)") }
        }
        guard vocabSize > 0 else { throw ValidationError("--vocab-size must be positive, got \(vocabSize)") }
        guard minFrequency >= 0 else { throw ValidationError("--min-frequency must be 0 or more, got \(minFrequency)") }
        if let limitAlphabet, limitAlphabet < 0 {
            throw ValidationError("--limit-alphabet must be 0 or more, got \(limitAlphabet)")
        }
        guard !prefix.isEmpty else { throw ValidationError("--prefix must not be empty") }
    }

    func run() throws {
        ProcessMemory.returnLargeBlocksToSystem()
        var options = WordPieceTrainerOptions(
            vocabSize: vocabSize, minFrequency: minFrequency, limitAlphabet: limitAlphabet,
            initialAlphabet: Array(initialAlphabet.unicodeScalars),
            specialTokens: specialTokens.split(separator: ",").map(String.init).filter { !$0.isEmpty },
            prefix: prefix)
        if let path = continuationOrderFrom {
            options.continuationOrder = try WordPieceTrainerOptions.continuationOrder(fromVocabTxtAt: path, prefix: prefix)
        }
        // Opened before any work, so that an unwritable path fails fast; written once the vocabulary is stored.
        let vocabTxt = try output.map { try OutputFile(path: $0) }
        if let fromCounts {
            try trainFromCounts(fromCounts, options: options, vocabTxt: vocabTxt)
            return
        }
        let reading = try counting.readingOptions()

        let bar = ProgressBar("reading", total: nil, unit: .bytes, enabled: isatty(STDERR_FILENO) == 1)
        var merging = false
        let run = try WordPieceTrainer(options: options).train(
            files: inputs, reading: reading,
            readProgress: { done, total in
                bar.setTotal(total)
                bar.update(done)
            },
            mergeProgress: { done, total in
                if !merging {
                    merging = true
                    bar.beginPhase("merging", total: Int64(total), unit: .count("merges"))
                }
                bar.update(Int64(done))
            })
        bar.finish()

        let stored = StoredVocabulary(run: run, name: name, normalizer: reading.normalizer, column: reading.column,
                                      pipeline: reading.pipeline, toolVersion: JikjiVersion.string)
        let version = try database.open(create: true).save(stored)
        if let vocabTxt { try run.vocabulary.writeVocabTxt(to: vocabTxt) }
        printSummary(run, reference: "\(name)@\(version)")
    }

    /// `--from-counts`: trains on a count file's table, stored with the settings it was counted with.
    private func trainFromCounts(_ path: String, options: WordPieceTrainerOptions, vocabTxt: OutputFile?) throws {
        let bar = ProgressBar("merging", total: nil, unit: .count("merges"), enabled: isatty(STDERR_FILENO) == 1)
        let (run, header) = try WordPieceTrainer(options: options).train(countsAt: path, mergeProgress: { done, total in
            bar.setTotal(Int64(total))
            bar.update(Int64(done))
        })
        bar.finish()
        let stored = StoredVocabulary(run: run, name: name, counts: header, toolVersion: JikjiVersion.string)
        let version = try database.open(create: true).save(stored)
        if let vocabTxt { try run.vocabulary.writeVocabTxt(to: vocabTxt) }
        print("counts: \(path): \(header.parts.count) parts, counting fingerprint \(header.settings.fingerprint.prefix(16))")
        printSummary(run, reference: "\(name)@\(version)")
    }

    private func printSummary(_ run: WordPieceTrainingRun, reference: String) {
        let v = run.vocabulary
        let s = v.statistics
        let kinds = v.kindCounts
        if let pipeline = counting.pipeline { print("cleaning pipeline: \(pipeline)") }
        print("trained \(reference): \(v.tokens.count) tokens into \(database.path)"
              + (output.map { " and \($0)" } ?? ""))
        print("kinds: " + TrainedTokenKind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", "))
        for file in run.files {
            print("input: \(file.path): \(file.bytes) bytes, \(file.lines) lines, sha256 \(file.sha256)")
        }
        print("corpus: \(run.documents) documents, \(s.totalWords) words, \(s.distinctWords) distinct, "
              + "\(s.distinctCharacters) distinct characters")
        print("merges: \(s.merges) (stopped: \(s.stopReason.rawValue)); pairs: \(s.initialPairs) initial, \(s.peakPairs) peak")
        print(String(format: "memory: word counts %.1f MiB, merge tables peak %.1f MiB",
                     Double(run.wordCountBytes) / 1_048_576, Double(s.peakMemoryBytes) / 1_048_576))
        print(String(format: "time: counting %.2f s, merging %.2f s", run.countingSeconds, run.mergingSeconds))
    }
}
