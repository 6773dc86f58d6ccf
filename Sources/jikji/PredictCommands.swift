import ArgumentParser
import Foundation
import JikjiData
import JikjiJobs
import JikjiModels

/// Reads the texts (and labels, when present) that predict and translate take.
enum InferenceInput {
    /// Texts of `path` (`-` for standard input): a column of a TSV/CSV/JSONL file with a header,
    /// or every line of a plain file. Also returns the label column when the file has `labelColumn`.
    static func read(path: String, column: String?, labelColumn: String?) throws -> (texts: [String], labels: [String]?) {
        var source = path
        if path == "-" {
            // Buffer standard input into a temporary file so it streams through the same reader.
            let data = FileHandle.standardInput.readDataToEndOfFile()
            source = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-stdin-\(getpid()).txt").path
            try data.write(to: URL(fileURLWithPath: source))
        }
        defer { if path == "-" { try? FileManager.default.removeItem(atPath: source) } }
        let format: CorpusFormat = column == nil ? .lines : (CorpusFormat.guess(from: source) ?? .tsv)
        let probe = try CorpusReader(path: source, format: format, columns: column.map { [$0] } ?? ["text"])
        let withLabels = labelColumn.map { probe.header.contains($0) } ?? false
        let columns = (column.map { [$0] } ?? ["text"]) + (withLabels ? [labelColumn!] : [])
        var reader = try CorpusReader(path: source, format: format, columns: columns)
        var texts: [String] = [], labels: [String] = []
        while let row = try reader.next() {
            switch row {
            case let .success(r):
                texts.append(r.values[0])
                if withLabels { labels.append(r.values[1]) }
            case let .failure(bad):
                throw bad
            }
        }
        return (texts, withLabels ? labels : nil)
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify texts with a classifier run: one `label<TAB>probability` line per input.",
        discussion: "With a label column in the input (the job's label column), also prints the accuracy on standard error.")

    @Argument(help: "The run id (see `jikji job list`).") var runID: Int
    @Option(help: "Input file, or - for standard input.") var input: String = "-"
    @Option(help: "The text column of a TSV/CSV/JSONL input (default: every line is a text).") var column: String?
    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath)
        let (texts, labels) = try InferenceInput.read(path: input, column: column, labelColumn: trained.job.data.labelColumn)
        let predictions = try trained.classify(texts)
        var out = ""
        for p in predictions { out += "\(p.label)\t\(String(format: "%.4f", p.probability))\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
        if let labels {
            let (accuracy, correct, counted) = try trained.accuracy(of: predictions, labels: labels)
            FileHandle.standardError.write(Data(String(format: "accuracy %.4f (%d of %d labelled rows)\n", accuracy, correct, counted).utf8))
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a prompt with a language-model run.")

    @Argument(help: "The run id.") var runID: Int
    @Option(help: "The text to continue.") var prompt: String
    @Option(help: "0 for greedy decoding; higher is more random.") var temperature: Float = 1
    @Option(name: .customLong("top-k"), help: "Sample only among the k most likely tokens (0: all).") var topK: Int = 0
    @Option(help: "Most tokens to add.") var maxTokens: Int = 50
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0
    @OptionGroup var registry: RunRegistryOptions

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 or more") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or more") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
    }

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath)
        print(try trained.generate(prompt: prompt, maxTokens: maxTokens, temperature: temperature, topK: topK, seed: seed))
    }
}

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer each input line with an encoder-decoder run (one output line per input line).")

    @Argument(help: "The run id.") var runID: Int
    @Option(help: "Input file, or - for standard input.") var input: String = "-"
    @Option(help: "The source column of a TSV/CSV input (default: every line is a source).") var column: String?
    @Option(help: "Beam size (1 = greedy).") var beam: Int = 1
    @Option(help: "GNMT length penalty α (0 = none).") var lengthPenalty: Double = 0
    @Option(help: "Longest answer in tokens.") var maxLength: Int = 50
    @Option(help: "Answers per input, best first, tab-separated.") var nBest: Int = 1
    @OptionGroup var registry: RunRegistryOptions

    func validate() throws {
        guard beam >= 1, nBest >= 1, maxLength >= 1 else { throw ValidationError("--beam, --n-best and --max-length must be positive") }
        guard nBest <= beam else { throw ValidationError("--n-best \(nBest) cannot exceed --beam \(beam)") }
    }

    func run() throws {
        let trained = try TrainedRun(runID: runID, registryPath: registry.registryPath)
        let (texts, _) = try InferenceInput.read(path: input, column: column, labelColumn: nil)
        let answers = try trained.translate(texts, options: .init(beamSize: beam, lengthPenalty: lengthPenalty,
                                                                   maxLength: maxLength, nBest: nBest))
        var out = ""
        for a in answers { out += a.joined(separator: "\t") + "\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
