import ArgumentParser
import JikjiData

/// `jikji dataset delete`: removes a dataset and its shard.
struct DatasetDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a dataset and its shard.")

    @OptionGroup var reference: DatasetReference


    func run() throws {
        try reference.store.writableCatalog(create: false).delete(reference.name)
        print("deleted dataset \(reference.name)")
    }
}
