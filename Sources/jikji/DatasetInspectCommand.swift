import ArgumentParser
import Foundation
import JikjiData
import JikjiIO

/// `jikji dataset inspect`: lengths, label balance and padding estimates of a split.
struct DatasetInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Counts, label balance, length percentiles and histogram, and the padding each batching choice costs.")

    @OptionGroup var reference: DatasetReference

    @OptionGroup var splitOption: DatasetSplitOption

    var split: Split { splitOption.split }

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


    func run() throws {
        guard batchSize > 0, maxLength > 0, pool > 0 else { throw ValidationError("--batch-size, --max-length and --bucket-pool must be positive") }
        let start = Date()
        let dataset = try reference.store.readOnlyCatalog().load(reference.name)
        let loadSeconds = Date().timeIntervalSince(start)
        let stats = DatasetStatistics(dataset: dataset)
        let lengths = stats.sourceLengths(split: split)
        print("dataset \(reference.name) (\(dataset.info.kind.rawValue)), split \(split): \(lengths.count) examples of \(dataset.count)"
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
            let chart = try OutputFile(path: svg)
            try chart.write(lengths.svgHistogram(title: "\(reference.name) \(split): tokens per example (\(lengths.count) examples)").utf8)
            try chart.commit()
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
