import ArgumentParser
import JikjiData
import JikjiExport
import JikjiVocabStore

/// `jikji dataset export`: a stored dataset as NumPy / safetensors arrays with its vocabulary,
/// for `python/jikji_dataset.py` and PyTorch.
struct DatasetExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset's ids, offsets, labels or targets and split tags for NumPy and PyTorch.",
        discussion: """
            Writes a folder: the arrays (int64; one .npy file each, or one dataset.safetensors), vocab.txt (line n is \
            id n) and jikji-dataset.json (the arrays, the vocabulary's name@version, special tokens and the dataset's \
            provenance). python/jikji_dataset.py reads it memory-mapped and reproduces `jikji dataset batches`. \
            The folder is written under a temporary name and renamed into place.
            """)

    @OptionGroup var reference: DatasetReference

    @Option(name: .customLong("split"), help: "A split to export (repeat for several; default: every split).")
    var splits: [SplitName] = []

    @Option(help: "safetensors or npy.")
    var format: DatasetExport.Format

    @Option(name: [.short, .long], help: "The folder to write (an earlier export there is replaced).")
    var output: String

    func run() throws {
        let dataset = try reference.store.readOnlyCatalog().load(reference.name)
        let vocabulary = try VocabularyStore(path: reference.store.db, create: false, readOnly: true).load(dataset.info.vocabulary)
        let written = try DatasetExport.write(dataset, vocabulary: vocabulary, splits: splits.map(\.split), format: format,
                                              output: output)
        print("wrote \(written.examples) examples of \(reference.name) (vocabulary \(vocabulary.reference)) to \(written.folder)")
        for file in written.files { print("  \(file)") }
    }
}

extension DatasetExport.Format: ExpressibleByArgument {}
