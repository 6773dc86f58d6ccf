import JikjiIO
import ArgumentParser
import JikjiTerminal
import Foundation
import JikjiData
import JikjiWordPiece

/// `jikji dataset`: build encoded datasets from corpora and look at them.
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build encoded datasets from corpus files, and list, show or inspect them.",
        subcommands: [DatasetBuild.self, DatasetList.self, DatasetShow.self, DatasetInspect.self, DatasetBatches.self, DatasetDelete.self]
    )
}

/// Options shared by the dataset subcommands.
struct DatasetStoreOptions: ParsableArguments {
    @Option(name: .long, help: "The Jikji database holding vocabularies and the dataset catalog.")
    var db: String = "vocab/jikji.sqlite"

    /// The catalog; `create` only for commands that write.
    func catalog(create: Bool = false) throws -> DatasetCatalog { try DatasetCatalog(path: db, create: create) }
}

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
            spec.kind = spec.source != nil || spec.target != nil ? .pairs : .classification
        }
        if spec.text.isEmpty, spec.kind != .pairs, let first = spec.train.first, spec.format(of: first) == .lines {
            spec.text = ["text"]
        }
        return try spec.validated()
    }

    func run() throws {
        let spec = try makeSpec()
        let catalog = try store.catalog(create: true)
        if !replace, try catalog.exists(name) { throw DatasetCatalogError.exists(name) }
        let encoder = try VocabularyResolver(databasePath: store.db).encoder(for: vocab)
        let progress = ProgressBar("dataset", total: nil, unit: .count("rows"), enabled: isatty(STDERR_FILENO) == 1)
        let builder = DatasetBuilder(name: name, spec: spec, encoder: encoder, toolVersion: JikjiVersion.string)
        let result = try builder.build { rows, kept in progress.update(Int64(rows), extra: "\(kept) kept") }
        progress.finish()
        let entry = try catalog.save(result.dataset, replace: replace)
        if let skippedRows {
            var report = "file\tline\treason\tdetail\n"
            for row in result.skippedRows { report += "\(row.file)\t\(row.line)\t\(row.reason.rawValue)\t\(row.detail)\n" }
            try Data(report.utf8).write(to: URL(fileURLWithPath: skippedRows), options: .atomic)
        }
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
}

struct DatasetList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the datasets in the catalog.")

    @OptionGroup var store: DatasetStoreOptions

    func run() throws {
        let entries = try store.catalog().list()
        guard !entries.isEmpty else {
            print("no datasets in \(store.db); build one with `jikji dataset build`")
            return
        }
        let rows = entries.map { entry -> [String] in
            let info = entry.info
            return [info.name, info.kind.rawValue, info.vocabulary,
                    Split.allCases.map { "\(info.examples[$0.description] ?? 0)" }.joined(separator: "/"),
                    "\(info.sourceTokens + info.targetTokens)", info.created]
        }
        printTable(header: ["name", "kind", "vocabulary", "train/valid/test", "tokens", "created"], rows: rows)
    }
}

struct DatasetShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a dataset's provenance and counts.")

    @Argument(help: "Dataset name.")
    var name: String

    @Flag(name: .long, help: "Print the stored provenance as JSON.")
    var json = false

    @OptionGroup var store: DatasetStoreOptions

    func run() throws {
        let entry = try store.catalog().entry(named: name)
        let info = entry.info
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
            return
        }
        print("dataset:     \(info.name) (\(info.kind.rawValue))")
        print("vocabulary:  \(info.vocabulary) (\(info.vocabularySize) tokens; [PAD]=\(info.specialTokens.pad)"
              + (info.specialTokens.cls.map { ", [CLS]=\($0)" } ?? "") + (info.specialTokens.sep.map { ", [SEP]=\($0)" } ?? "") + ")")
        print("examples:    " + Split.allCases.map { "\($0) \(info.examples[$0.description] ?? 0)" }.joined(separator: ", "))
        print("tokens:      \(info.sourceTokens)" + (info.kind == .pairs ? " source, \(info.targetTokens) target" : ""))
        print("rows read:   \(info.rowsRead); left out: "
              + (info.skipped.isEmpty ? "none" : info.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        if !info.labelCounts.isEmpty {
            print("labels:      " + info.labelCounts.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        let spec = info.spec
        var columns: [String] = []
        if !spec.text.isEmpty { columns.append("text \(spec.text.joined(separator: "+"))") }
        if let source = spec.source, let target = spec.target { columns.append("source \(source), target \(target)") }
        if let label = spec.label { columns.append("label \(label)" + (spec.labelMap.map { " mapped \($0.text)" } ?? "")) }
        print("columns:     \(columns.joined(separator: "; "))")
        if let split = spec.split { print("split:       \(split.train)/\(split.valid)/\(split.test) seed \(spec.seed)") }
        print("bad rows:    \(spec.onBadRow.rawValue)")
        for file in info.files {
            print("file:        [\(file.role)] \(file.fingerprint.path)")
            print("             \(file.fingerprint.bytes) bytes, \(file.fingerprint.lines) lines, sha256 \(file.fingerprint.sha256)")
        }
        print("created:     \(info.created) by jikji \(info.toolVersion) in \(String(format: "%.2f", info.buildSeconds)) s")
        print("shard:       \(entry.shardPath)")
    }
}

struct DatasetInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Counts, label balance, length percentiles and histogram, and the padding each batching choice costs.")

    @Argument(help: "Dataset name.")
    var name: String

    @Option(name: .customLong("split"), help: "Split to inspect.")
    var splitName: SplitName = .train

    var split: Split { splitName.split }

    @Option(name: .long, help: "Batch size for the padding estimates.")
    var batchSize: Int = 64

    @Option(name: .long, help: "Maximum length for the padding estimates (fixed length pads to it).")
    var maxLength: Int = 64

    @Option(name: .long, help: "Bucketing pool, in batches.")
    var bucketPool: Int = 100

    /// `--pool`, the spelling before `--bucket-pool` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("pool"), help: .hidden)
    var legacyPool: Int?

    /// The bucketing pool, by either spelling.
    var pool: Int { legacyPool ?? bucketPool }

    @Option(name: .long, help: "Also write the length histogram as an SVG file.")
    var svg: String?

    @OptionGroup var store: DatasetStoreOptions

    func run() throws {
        guard batchSize > 0, maxLength > 0, pool > 0 else { throw ValidationError("--batch-size, --max-length and --bucket-pool must be positive") }
        let start = Date()
        let dataset = try store.catalog().load(name)
        let loadSeconds = Date().timeIntervalSince(start)
        let stats = DatasetStatistics(dataset: dataset)
        let lengths = stats.sourceLengths(split: split)
        print("dataset \(name) (\(dataset.info.kind.rawValue)), split \(split): \(lengths.count) examples of \(dataset.count)"
              + String(format: " (loaded in %.3f s)", loadSeconds))
        let balance = stats.labelBalance(split: split)
        if !balance.isEmpty {
            let total = Double(balance.reduce(0) { $0 + $1.count })
            print("labels: " + balance.map { String(format: "%d: %d (%.1f%%)", $0.label, $0.count, Double($0.count) / total * 100) }
                .joined(separator: ", "))
        }
        func describe(_ title: String, _ distribution: LengthDistribution) {
            print("\(title) lengths (tokens, no special tokens): mean \(String(format: "%.1f", distribution.mean)), "
                  + "min \(distribution.min), p50 \(distribution.percentile(50)), p90 \(distribution.percentile(90)), "
                  + "p95 \(distribution.percentile(95)), p99 \(distribution.percentile(99)), max \(distribution.max)")
        }
        describe(dataset.info.kind == .pairs ? "source" : "text", lengths)
        if let target = stats.targetLengths(split: split) { describe("target", target) }
        guard lengths.count > 0 else { return }
        print(lengths.textHistogram())
        if let svg {
            let chart = lengths.svgHistogram(title: "\(name) \(split): tokens per example (\(lengths.count) examples)")
            try Data(chart.utf8).write(to: URL(fileURLWithPath: svg), options: .atomic)
            print("histogram written to \(svg)")
        }
        let estimates = try stats.paddingEstimates(split: split, batchSize: batchSize, maxLength: maxLength, pool: pool)
        if !estimates.isEmpty {
            print("padding at batch size \(batchSize), max length \(maxLength):")
            printTable(header: ["batching", "batches", "real tokens", "slots", "padding"], rows: estimates.map {
                [$0.strategy, "\($0.batches)", "\($0.realTokens)", "\($0.totalSlots)", String(format: "%.1f%%", $0.paddingFraction * 100)]
            })
        }
    }
}

struct DatasetBatches: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "Iterate epochs of batches as training would, and report their shapes, padding and speed.",
        discussion: "With --show N, prints the first N batches' ids, lengths and labels, to check a batching setup by eye.")

    @Argument(help: "Dataset name.")
    var name: String

    @Option(name: .customLong("split"), help: "Split to iterate.")
    var splitName: SplitName = .train

    var split: Split { splitName.split }

    @Option(name: .long, help: "Sentences per batch.")
    var batchSize: Int = 64

    @Option(name: .long, help: "Token budget per batch (B x T), instead of --batch-size.")
    var tokenBudget: Int?

    @Option(name: .long, help: "Maximum row length including start/end tokens (longer rows are truncated).")
    var maxLength: Int?

    @Flag(name: .long, help: "Pad every batch to --max-length (torchtext fix_length).")
    var fixedLength = false

    @Option(name: .long, help: "Pad the width to a multiple of N.")
    var padToMultipleOf: Int = 1

    @Option(name: .long, help: "Which end padding goes on.")
    var padSide: Side = .post

    @Option(name: .long, help: "Which end of a long row is cut off.")
    var truncateSide: Side = .post

    /// `--truncation-side`, the spelling before `--truncate-side` (the job key is truncate_side; hidden from help).
    @Option(name: .customLong("truncation-side"), help: .hidden)
    var legacyTruncationSide: Side?

    /// The truncation side, by either spelling.
    var truncationSide: Side { legacyTruncationSide ?? truncateSide }

    @Flag(name: .long, help: "Add [CLS] at the start and [SEP] at the end of every row.")
    var clsSep = false

    @Option(name: .long, help: "Start token instead of [CLS] (with --cls-sep, and for pair decoder inputs), e.g. <s>.")
    var startToken: String?

    @Option(name: .long, help: "End token instead of [SEP] (with --cls-sep, and for pair decoder outputs), e.g. </s>.")
    var endToken: String?

    @Option(name: .long, help: "Bucketing pool in batches (0: off).")
    var bucketPool: Int = 100

    @Flag(name: .long, help: "Sort each batch by length, longest first.")
    var sortWithinBatch = false

    @Flag(name: .long, help: "Drop a last, smaller batch.")
    var dropLast = false

    @Flag(name: .long, help: "Keep the stored order (no shuffling).")
    var noShuffle = false

    @Option(name: .long, help: "Window length of language-model batches.")
    var window: Int = 64

    @Option(name: .long, help: "Seed of the data order.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "First epoch (epoch k is reproducible on its own).")
    var epoch: Int = 0

    @Option(name: .long, help: "Number of epochs to iterate.")
    var epochs: Int = 1

    @Option(name: .long, help: "Print the first N batches.")
    var show: Int = 0

    @OptionGroup var store: DatasetStoreOptions

    func options(for dataset: EncodedDataset) throws -> BatchingOptions {
        var start: TokenID?, end: TokenID?
        if startToken != nil || endToken != nil {
            // User tokens are looked up in the dataset's own vocabulary.
            let encoder = try VocabularyResolver(databasePath: store.db).encoder(for: dataset.info.vocabulary)
            func lookup(_ token: String) throws -> TokenID {
                guard let id = encoder.id(of: token) else {
                    throw ValidationError("token '\(token)' is not in vocabulary \(dataset.info.vocabulary)")
                }
                return id
            }
            start = try startToken.map(lookup)
            end = try endToken.map(lookup)
        }
        let layout = SequenceLayout(maxLength: maxLength, fixedLength: fixedLength, padToMultipleOf: padToMultipleOf,
                                    padSide: padSide, truncationSide: truncationSide)
        return BatchingOptions(dataset: dataset.info, size: tokenBudget.map { .tokens($0) } ?? .sentences(batchSize),
                               layout: layout, addStartEnd: clsSep, startToken: start, endToken: end, window: window,
                               shuffle: !noShuffle, bucketPool: bucketPool, sortWithinBatch: sortWithinBatch,
                               dropLast: dropLast, seed: seed)
    }

    func run() throws {
        guard epochs >= 1, epoch >= 0 else { throw ValidationError("--epochs must be at least 1 and --epoch at least 0") }
        guard !epoch.addingReportingOverflow(epochs).overflow else { throw ValidationError("--epoch \(epoch) plus --epochs \(epochs) is beyond the largest epoch number") }
        if fixedLength, maxLength == nil { throw ValidationError("--fixed-length needs --max-length") }
        let loadStart = Date()
        let dataset = try store.catalog().load(name)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        print(String(format: "loaded %@ (%d examples, %d tokens) in %.3f s", name, dataset.count,
                     dataset.info.sourceTokens + dataset.info.targetTokens, loadSeconds))
        let options = try options(for: dataset)
        for k in epoch..<(epoch + epochs) {
            let start = Date()
            let batches = try Batches(dataset: dataset, split: split, options: options, epoch: k)
            let counts = batches.statistics { number, batch in
                if number < show { print("batch \(number): " + batch.text) }
            }
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "epoch %d: %d batches, %d rows, widest %d, padding %.1f%%, %.3f s, checksum %016llx",
                         k, counts.batches, counts.rows, counts.widest, counts.paddingPercent, seconds, counts.checksum))
        }
    }
}

struct DatasetDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a dataset and its shard.")

    @Argument(help: "Dataset name.")
    var name: String

    @OptionGroup var store: DatasetStoreOptions

    func run() throws {
        try store.catalog().delete(name)
        print("deleted dataset \(name)")
    }
}

extension RecordFormat: ExpressibleByArgument {}
extension DatasetKind: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension Side: ExpressibleByArgument {}

/// A split as the command line names it (a raw-value enum, so `--help` lists the names).
enum SplitName: String, CaseIterable, ExpressibleByArgument {
    case train, valid, test

    /// Also takes the dataset spec's other names for the validation split (`validation`, `dev`).
    init?(argument: String) {
        guard let split = Split(name: argument) else { return nil }
        self = split == .train ? .train : split == .valid ? .valid : .test
    }

    /// The dataset's split.
    var split: Split {
        switch self {
        case .train: return .train
        case .valid: return .valid
        case .test: return .test
        }
    }
}

/// Prints rows under a header with columns padded to their widest cell.
private func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}
