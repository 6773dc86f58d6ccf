import ArgumentParser
import Foundation
import JikjiData
import JikjiIO
import JikjiTerminal

/// `jikji dataset build`: reads, cleans and encodes a corpus into a named dataset.
struct DatasetBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Read, clean and encode a corpus into a named dataset.",
        discussion: """
        Either give a JSON spec file, or describe the corpus with options (options override the spec).
        NSMC:    jikji dataset build --input corpora/nsmc/ratings_train.txt --text-column document \\
                   --label-column label --split 0.8,0.2 --vocab wp150k --name nsmc
        Chatbot: jikji dataset build --input corpora/chatbot/ChatbotData.csv --source-column Q \\
                   --target-column A --vocab wp150k --name chatbot
        """
    )

    @Argument(help: "A JSON dataset spec (optional).")
    var spec: String?

    @Option(name: .long, help: "Vocabulary NAME[@VERSION] in the database, or a vocab.txt file.")
    var vocab: String

    @Option(name: .long, help: "Name of the dataset to create.")
    var name: String

    @Option(name: .long, parsing: .upToNextOption, help: "Corpus file(s): all splits, or train when --valid/--test are given.")
    var input: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Validation file(s).")
    var valid: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Test file(s).")
    var test: [String] = []

    @Option(name: .long, help: "File format: lines, tsv, csv or jsonl (default: from the extension; otherwise TSV when columns are named, else lines).")
    var format: RecordFormat?

    @Option(name: .long, help: "classification, pairs or lm (default: pairs with --source-column, else classification).")
    var kind: DatasetKind?

    @Option(name: .long, parsing: .upToNextOption, help: "Text column(s); several are joined with a space.")
    var textColumn: [String] = []

    /// `--column`, the spelling other commands used for the text column (hidden from help).
    @Option(name: .customLong("column"), parsing: .upToNextOption, help: .hidden)
    var legacyColumn: [String] = []

    @Option(name: .long, help: "Label column.")
    var labelColumn: String?

    @Option(name: .long, help: "Label mapping, e.g. \"1-4=0,9-10=1\" (other values are dropped and counted).")
    var labelMap: String?

    @Option(name: .long, help: "Source column of pairs.")
    var sourceColumn: String?

    @Option(name: .long, help: "Target column of pairs.")
    var targetColumn: String?

    @Option(name: .long, help: "Split ratios train,valid[,test], e.g. 0.8,0.2.")
    var split: String?

    @Option(name: .long, help: "Seed of the split.")
    var seed: UInt64?

    @Option(name: .long, help: "fail (default) or skip malformed rows.")
    var onBadRow: BadRowPolicy?

    @Option(name: .long, help: "Write every skipped row (file, line, reason, detail) to this TSV file.")
    var skippedRows: String?

    @Flag(name: .long, help: "Replace an existing dataset of the same name.")
    var replace = false

    @Option(name: .long, help: ArgumentHelp(
        "Build only shard I of N (0-based) of the corpus files, as a part for dataset merge; needs --output.",
        discussion: "The records starting in the I-th of N equal byte ranges of the train, valid and test files laid end to end."))
    var shard: String?

    @Option(name: .long, help: "With --shard: the part file to write (not catalogued; merge the parts with dataset merge).")
    var output: String?

    func validate() throws {
        if let shard {
            do { _ = try InputShard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
            guard output != nil else { throw ValidationError("--shard needs --output PART.jkds (parts are merged with dataset merge)") }
        } else if output != nil {
            throw ValidationError("--output writes a part of a sharded build: give --shard I/N too")
        }
    }

    @OptionGroup var store: DatasetStoreOptions

    func makeSpec() throws -> DatasetSpec {
        var spec = try self.spec.map(DatasetSpec.load(path:))
            ?? DatasetSpec(kind: .classification, train: [])
        let specGiven = self.spec != nil
        if !input.isEmpty { spec.train = input }
        if !valid.isEmpty { spec.valid = valid }
        if !test.isEmpty { spec.test = test }
        if let format { spec.format = format }
        if !textColumn.isEmpty || !legacyColumn.isEmpty { spec.text = textColumn + legacyColumn }
        if let labelColumn { spec.label = labelColumn }
        if let labelMap { spec.labelMap = try LabelMapping(parsing: labelMap) }
        if let sourceColumn { spec.source = sourceColumn }
        if let targetColumn { spec.target = targetColumn }
        if let split { spec.split = try SplitRatios(parsing: split) }
        if let seed { spec.seed = seed }
        if let onBadRow { spec.onBadRow = onBadRow }
        if let kind {
            spec.kind = kind
        } else if !specGiven {
            spec.kind = spec.impliedKind
        }
        return try spec.namingTheLinesColumn().validated()
    }

    func run() throws {
        let spec = try makeSpec()
        if let shard, let output {
            try buildPart(spec: spec, shard: InputShard(parsing: shard), output: output)
            return
        }
        let catalog = try store.writableCatalog(create: true)
        if !replace, try catalog.exists(name) { throw DatasetCatalogError.exists(name) }
        // Opened before any work, so that an unwritable path fails fast; written once the build is saved.
        let skippedRowsFile = try skippedRows.map { try OutputFile(path: $0) }
        let encoder = try VocabularyResolver(databasePath: store.db).encoder(for: vocab)
        let progress = ProgressBar("dataset", total: nil, unit: .count("rows"), enabled: isatty(STDERR_FILENO) == 1)
        let builder = DatasetBuilder(name: name, spec: spec, encoder: encoder, toolVersion: JikjiVersion.string)
        let result = try builder.build { rows, kept in progress.update(Int64(rows), extra: "\(kept) kept") }
        progress.finish()
        let entry = try catalog.save(result.dataset, replace: replace)
        if let skippedRowsFile { try result.writeSkippedRows(to: skippedRowsFile) }
        let info = entry.info
        print("dataset \(info.name) (\(info.kind.rawValue)) from vocabulary \(info.vocabulary)")
        let examples = Split.allCases.map { "\($0) \(info.examples[$0.description] ?? 0)" }.joined(separator: ", ")
        let tokens = info.kind == .pairs ? "\(info.sourceTokens) source, \(info.targetTokens) target" : "\(info.sourceTokens)"
        print("  examples: \(examples); tokens: \(tokens)")
        print("  rows read: \(info.rowsRead); left out: \(info.skipped.values.reduce(0, +))")
        for (reason, count) in info.skipped.sorted(by: { $0.key < $1.key }) {
            let examples = result.skippedRows.filter { $0.reason.rawValue == reason }.prefix(3)
                .map { "\(($0.file as NSString).lastPathComponent):\($0.line)" }
            print("    \(reason): \(count) (e.g. \(examples.joined(separator: ", ")))")
        }
        if !result.skippedRows.isEmpty, skippedRows == nil {
            print("  (--skipped-rows PATH lists every skipped row)")
        }
        print("  shard: \(entry.shardPath)")
        print(String(format: "  built in %.2f s", info.buildSeconds))
    }

    /// `--shard I/N --output PART`: encodes one shard of the corpus into a part file.
    private func buildPart(spec: DatasetSpec, shard: InputShard, output: String) throws {
        let skippedRowsFile = try skippedRows.map { try OutputFile(path: $0) }
        let encoder = try VocabularyResolver(databasePath: store.db).encoder(for: vocab)
        var builder = DatasetBuilder(name: name, spec: spec, encoder: encoder, toolVersion: JikjiVersion.string)
        builder.shard = shard
        let progress = ProgressBar("dataset", total: nil, unit: .count("rows"), enabled: isatty(STDERR_FILENO) == 1)
        let result = try builder.build { rows, kept in progress.update(Int64(rows), extra: "\(kept) kept") }
        progress.finish()
        try ShardFile.write(result.dataset, to: output)
        if let skippedRowsFile { try result.writeSkippedRows(to: skippedRowsFile) }
        let info = result.dataset.info
        print("part \(shard) of dataset \(info.name) (\(info.kind.rawValue)) into \(output): \(result.dataset.count) examples, "
              + "\(info.rowsRead) rows read, \(info.skipped.values.reduce(0, +)) left out")
        for file in info.files {
            print("  \(file.fingerprint.path) from byte \(file.start ?? 0): \(file.fingerprint.bytes) bytes, sha256 \(file.fingerprint.sha256)")
        }
    }
}
