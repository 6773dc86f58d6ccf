import JikjiIO
import ArgumentParser
import Foundation
import JikjiData
import JikjiJobs
import JikjiModels

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify texts with a classifier run: one `label<TAB>probability` line per input (or JSON Lines).",
        discussion: """
            --format jsonl writes every class's probability and the logits (and the input tokens with --tokens). \
            With a label column in the input (the job's label column), also prints the accuracy, every class's \
            precision, recall and F1, the macro-F1 and the confusion matrix on standard error. \
            With several runs and --ensemble, the class probabilities are the runs' mean (empty logits), \
            e.g. `jikji predict 12 13 --ensemble --input corpora/nsmc/ratings_test.txt --text-column document`.
            """)

    @Argument(help: ArgumentHelp("The run id (see `jikji job list`); several with --ensemble.", valueName: "run-id"))
    var runIDs: [Int]
    @Flag(help: "Average the class probabilities of every run given (same vocabulary and classes), e.g. a forward and a backward classifier.")
    var ensemble = false
    @Option(help: "Input file, or - for standard input.") var input: String = "-"
    @Option(help: "The text column of a TSV/CSV/JSONL input (default: every line is a text).") var textColumn: String?
    /// `--column`, the spelling before `--text-column` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("column"), help: .hidden) var legacyColumn: String?
    /// The text column, by either spelling.
    var column: String? { textColumn ?? legacyColumn }
    @Option(help: "Output: tsv (label, probability) or jsonl (every class's probability and the logits).")
    var format: PredictionFormat = .tsv
    @Flag(help: "Add the tokens fed to the model (special tokens and truncation included).") var tokens = false
    @OptionGroup var registry: RunRegistryOptions
    @Option(help: "The vocabulary database (default: the one the run recorded).") var db: String?

    func validate() throws {
        guard !runIDs.isEmpty else { throw ValidationError("name a run id") }
        guard runIDs.count == 1 || ensemble else {
            throw ValidationError("\(runIDs.count) runs given: add --ensemble to average their probabilities, or name one run")
        }
    }

    func run() throws {
        let runs = try runIDs.map { try TrainedRun(runID: $0, registryPath: registry.registryPath, vocabularyDatabase: db) }
        // One run predicts alone (its own errors for a run that is no classifier); several average.
        let ensemble = runs.count > 1 ? try ClassifierEnsemble(runs) : nil
        let (texts, labels) = try RecordReader.readTexts(path: input, column: column, labelColumn: runs[0].job.data.labelColumn)
        let scores = try ensemble?.scores(texts) ?? runs[0].scores(texts)
        let tokenTexts = tokens ? scores.map { runs[0].tokenTexts($0.ids) } : nil
        try StandardStreams.write(PredictionOutput.lines(scores, format: format, tokens: tokenTexts), to: .output)
        if let labels {
            let counts = try ensemble?.classificationCounts(of: scores, labels: labels) ?? runs[0].classificationCounts(of: scores, labels: labels)
            try StandardStreams.write(PredictionOutput.summary(counts), to: .error)
        }
    }
}

extension PredictionFormat: ExpressibleByArgument {}
extension GenerationFormat: ExpressibleByArgument {}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a prompt with a language-model run.")

    @Argument(help: "The run id.") var runID: Int
    @Option(help: "The text to continue.") var prompt: String
    @Option(help: "0 for greedy decoding; higher is more random.") var temperature: Float = 1
    @Option(name: .customLong("top-k"), help: "Sample only among the k most likely tokens (0: all).") var topK: Int = 0
    @Option(help: "Most tokens to add.") var maxTokens: Int = 50
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0
    @Option(help: "Output: text, or jsonl (the ids read and produced, with their log-probabilities).")
    var format: GenerationFormat = .text
    @OptionGroup var registry: RunRegistryOptions
    @Option(help: "The vocabulary database (default: the one the run recorded).") var db: String?

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 or more") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or more") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
    }

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath, vocabularyDatabase: db)
        let generation = try trained.generation(prompt: prompt, maxTokens: maxTokens, temperature: temperature, topK: topK, seed: seed)
        switch format {
        case .text: print(generation.text)
        case .jsonl: try StandardStreams.write(GenerationOutput.line(generation), to: .output)
        }
    }
}

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer each input line with an encoder-decoder run (one output line per input line).")

    @Argument(help: "The run id.") var runID: Int
    @Option(help: "Input file, or - for standard input.") var input: String = "-"
    @Option(help: "The source column of a TSV/CSV input (default: every line is a source).") var sourceColumn: String?
    /// `--column`, the spelling before `--source-column` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("column"), help: .hidden) var legacyColumn: String?
    /// The source column, by either spelling.
    var column: String? { sourceColumn ?? legacyColumn }
    @Option(help: "Beam size (1 = greedy).") var beam: Int = 1
    @Option(help: "GNMT length penalty α (0 = none).") var lengthPenalty: Double = 0
    @Option(help: "Longest answer in tokens.") var maxLength: Int = 50
    @Option(help: "Answers per input, best first, tab-separated.") var nBest: Int = 1
    @Option(help: "Output: text, or jsonl (source ids, each answer's ids, log-probability and score).")
    var format: GenerationFormat = .text
    @OptionGroup var registry: RunRegistryOptions
    @Option(help: "The vocabulary database (default: the one the run recorded).") var db: String?

    func validate() throws {
        guard beam >= 1, nBest >= 1, maxLength >= 1 else { throw ValidationError("--beam, --n-best and --max-length must be positive") }
        guard nBest <= beam else { throw ValidationError("--n-best \(nBest) cannot exceed --beam \(beam)") }
    }

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath, vocabularyDatabase: db)
        let (texts, _) = try RecordReader.readTexts(path: input, column: column, labelColumn: nil)
        let translations = try trained.translations(texts, options: .init(beamSize: beam, lengthPenalty: lengthPenalty,
                                                                           maxLength: maxLength, nBest: nBest))
        switch format {
        case .text:
            var out = ""
            for t in translations { out += t.hypotheses.map { trained.decode($0.tokens) }.joined(separator: "\t") + "\n" }
            try StandardStreams.write(out, to: .output)
        case .jsonl:
            try StandardStreams.write(GenerationOutput.lines(translations, decode: trained.decode), to: .output)
        }
    }
}
