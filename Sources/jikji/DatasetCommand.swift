import ArgumentParser
import JikjiData
import JikjiIO

/// `jikji dataset`: build encoded datasets from corpora and look at them.
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build encoded datasets from corpus files, and list, show or inspect them.",
        subcommands: [DatasetBuild.self, DatasetMerge.self, DatasetList.self, DatasetShow.self, DatasetInspect.self, DatasetBatches.self, DatasetDelete.self]
    )
}

/// Options shared by the dataset subcommands.
struct DatasetStoreOptions: ParsableArguments {
    @Option(name: .long, help: "The Jikji database holding vocabularies and the dataset catalog.")
    var db: String = "vocab/jikji.sqlite"

    /// The catalog; `create` only for commands that write.
    func catalog(create: Bool = false) throws -> DatasetCatalog { try DatasetCatalog(path: db, create: create) }
}

// The library's closed choices the dataset subcommands take as option values (`--help` lists them).
extension RecordFormat: ExpressibleByArgument {}
extension DatasetKind: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension Side: ExpressibleByArgument {}
