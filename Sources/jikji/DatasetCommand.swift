import ArgumentParser
import JikjiData
import JikjiIO

/// `jikji dataset`: build encoded datasets from corpora and look at them.
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build encoded datasets from corpus files, and list, show or inspect them.",
        subcommands: [DatasetBuild.self, DatasetMerge.self, DatasetList.self, DatasetShow.self, DatasetInspect.self, DatasetBatches.self, DatasetExportCommand.self, DatasetDelete.self]
    )
}

/// Options shared by the dataset subcommands.
struct DatasetStoreOptions: ParsableArguments {
    @Option(name: .long, help: "The Jikji database holding vocabularies and the dataset catalog.")
    var db: String = "vocab/jikji.sqlite"

    /// The catalog opened read-only, for the commands that only read: they work on a database
    /// the user cannot write and never change it.
    func readOnlyCatalog() throws -> DatasetCatalog { try DatasetCatalog(path: db, create: false, readOnly: true) }

    /// The catalog opened for writing; `create` makes the database when it is missing.
    func writableCatalog(create: Bool) throws -> DatasetCatalog { try DatasetCatalog(path: db, create: create) }
}

/// The dataset a subcommand works on: its name, and the database whose catalog holds it.
struct DatasetReference: ParsableArguments {
    @Argument(help: "Dataset name.")
    var name: String

    @OptionGroup var store: DatasetStoreOptions
}

/// `--split`, for the subcommands that look at one split of a dataset.
struct DatasetSplitOption: ParsableArguments {
    @Option(name: .customLong("split"), help: "The split to read.")
    var splitName: SplitName = .train

    /// The split named.
    var split: Split { splitName.split }
}

// The library's closed choices the dataset subcommands take as option values (`--help` lists them).
extension RecordFormat: ExpressibleByArgument {}
extension DatasetKind: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension Side: ExpressibleByArgument {}
