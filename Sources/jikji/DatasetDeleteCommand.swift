import ArgumentParser
import JikjiData

/// `jikji dataset delete`: removes a dataset and its shard.
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
