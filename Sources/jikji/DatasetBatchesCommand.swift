import ArgumentParser
import Foundation
import JikjiData

/// `jikji dataset batches`: epochs of batches as training makes them, with their statistics.
struct DatasetBatches: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "Iterate epochs of batches as training would, and report their shapes, padding and speed.",
        discussion: "With --show N, prints the first N batches' ids, lengths and labels, to check a batching setup by eye.")

    @OptionGroup var reference: DatasetReference

    @OptionGroup var splitOption: DatasetSplitOption

    var split: Split { splitOption.split }

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


    func options(for dataset: EncodedDataset) throws -> BatchingOptions {
        // User tokens are looked up in the dataset's own vocabulary.
        let (start, end) = try VocabularyResolver(databasePath: reference.store.db)
            .tokenIDs(start: startToken, end: endToken, in: dataset.info.vocabulary)
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
        let dataset = try reference.store.readOnlyCatalog().load(reference.name)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        print(String(format: "loaded %@ (%d examples, %d tokens) in %.3f s", reference.name, dataset.count,
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
