import ArgumentParser
import JikjiData

/// `jikji dataset list`: the datasets in the catalog.
struct DatasetList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the datasets in the catalog.")

    @OptionGroup var store: DatasetStoreOptions

    func run() throws {
        let entries = try store.readOnlyCatalog().list()
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
