import ArgumentParser
import Foundation
import JikjiData

/// `jikji dataset merge`: makes one catalogued dataset of the parts of a sharded build.
struct DatasetMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the parts of a sharded build (dataset build --shard I/N --output PART) into one dataset.",
        discussion: """
            The parts may be given in any order; every shard 0…N-1 must be there once. The examples are \
            those of shards 0…N-1 in order, with the spec's ratio split drawn over all of them: the dataset \
            one dataset build over the whole corpus makes, batched the same way.
            """
    )

    @Argument(help: "The part files.")
    var parts: [String]

    @Option(name: .long, help: "Name of the merged dataset (default: the name the parts were built under).")
    var name: String?

    @Flag(name: .long, help: "Replace an existing dataset of the same name.")
    var replace = false

    @OptionGroup var store: DatasetStoreOptions

    func validate() throws {
        guard !parts.isEmpty else { throw ValidationError("give the part files to merge") }
    }

    func run() throws {
        let loaded = try parts.map { (file: $0, dataset: try ShardFile.read(path: $0)) }
        let name = self.name ?? loaded[0].dataset.info.name
        let catalog = try store.writableCatalog(create: true)
        if !replace, try catalog.exists(name) { throw DatasetCatalogError.exists(name) }
        let merged = try DatasetPartMerger.merge(loaded, name: name, toolVersion: JikjiVersion.string)
        let entry = try catalog.save(merged, replace: replace)
        let info = entry.info
        let examples = Split.allCases.map { "\($0) \(info.examples[$0.description] ?? 0)" }.joined(separator: ", ")
        print("dataset \(info.name) (\(info.kind.rawValue)) merged from \(parts.count) part(s), vocabulary \(info.vocabulary)")
        print("  examples: \(examples); tokens: \(info.sourceTokens)" + (info.kind == .pairs ? " source, \(info.targetTokens) target" : ""))
        print("  rows read: \(info.rowsRead); left out: \(info.skipped.values.reduce(0, +))")
        print("  shard: \(entry.shardPath)")
    }
}
