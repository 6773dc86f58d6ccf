import ArgumentParser
import Foundation
import JikjiVocabStore
import JikjiText
import JikjiWordPiece

/// `jikji vocab`: WordPiece vocabularies kept by name and version in an SQLite database.
struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train, inspect, compare, import, export and delete WordPiece vocabularies.",
        discussion: """
            Vocabularies live in one SQLite database (default \(VocabularyStore.defaultPath), or --db PATH), \
            by name and version. NAME means the latest version, NAME@V a given one.
            """,
        subcommands: [VocabTrain.self, VocabCount.self, VocabMergeCounts.self, VocabList.self, VocabShow.self, VocabDiff.self,
                      VocabExport.self, VocabImport.self, VocabDelete.self]
    )
}

/// `--db PATH`, shared by every `vocab` subcommand.
struct VocabDatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The vocabulary database.")
    var path: String = VocabularyStore.defaultPath

    /// Opens the store to change it; `create: false` makes a mistyped path an error.
    func open(create: Bool) throws -> VocabularyStore {
        try VocabularyStore(path: path, create: create)
    }

    /// Opens the store read-only, for the commands that only read it (so that they work on a
    /// read-only folder or medium, and a mistyped path is an error).
    func openForReading() throws -> VocabularyStore {
        try VocabularyStore(path: path, create: false, readOnly: true)
    }
}

/// `jikji vocab list`
struct VocabList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored vocabularies.")

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        guard FileManager.default.fileExists(atPath: database.path) else {
            print("no vocabularies: \(database.path) does not exist yet")
            return
        }
        let summaries = try database.openForReading().list()
        if summaries.isEmpty {
            print("no vocabularies in \(database.path)")
            return
        }
        let width = max(9, summaries.map { $0.reference.count }.max() ?? 0)
        print(pad("VOCABULARY", width) + "  " + pad("TOKENS", 7, right: true) + "  CREATED               ORIGIN")
        for s in summaries {
            print(pad(s.reference, width) + "  " + pad(String(s.tokenCount), 7, right: true) + "  "
                  + pad(StoredVocabulary.displayDate(s.createdAt), 20) + "  " + s.origin)
        }
    }
}

/// `jikji vocab show NAME[@V]`
struct VocabShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a vocabulary's settings, size, kinds and top tokens.")

    @Argument(help: "NAME (latest version) or NAME@VERSION.")
    var reference: String

    @Option(help: "How many top tokens to show.")
    var top: Int = 20

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        let vocabulary = try database.openForReading().load(reference)
        for line in vocabulary.descriptionLines(top: max(0, top)) { print(line) }
    }
}

/// `jikji vocab diff A B`
struct VocabDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two vocabularies: added and removed tokens, id changes.")

    @Argument(help: "The old vocabulary, NAME or NAME@VERSION.")
    var old: String

    @Argument(help: "The new vocabulary, NAME or NAME@VERSION.")
    var new: String

    @Option(help: "How many entries of each list to print (0: all).")
    var limit: Int = 20

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        let store = try database.openForReading()
        let a = try store.load(old), b = try store.load(new)
        let diff = VocabularyDiff(from: a, to: b)
        print("\(a.reference) (\(a.tokens.count) tokens) -> \(b.reference) (\(b.tokens.count) tokens)")
        for line in VocabularyDiff.settingChanges(from: a, to: b) { print(line) }
        print("added \(diff.added.count), removed \(diff.removed.count), id changed \(diff.moved.count), "
              + "unchanged \(diff.unchanged)")
        func section<T>(_ title: String, _ items: [T], _ line: (T) -> String) {
            guard !items.isEmpty else { return }
            let shown = limit > 0 ? Array(items.prefix(limit)) : items
            print("\(title):")
            for item in shown { print("  " + line(item)) }
            if shown.count < items.count { print("  … \(items.count - shown.count) more (--limit 0 shows all)") }
        }
        section("added", diff.added) { "+ \($0.id)\t\($0.token)" }
        section("removed", diff.removed) { "- \($0.id)\t\($0.token)" }
        section("id changed", diff.moved) { "~ \($0.oldID) -> \($0.newID)\t\($0.token)" }
    }
}

/// `jikji vocab export NAME[@V] --format … --output PATH`
struct VocabExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a vocabulary as HF vocab.txt or tokenizer.json.")

    @Argument(help: "NAME (latest version) or NAME@VERSION.")
    var reference: String

    @Option(help: "vocab-txt or tokenizer-json.")
    var format: VocabularyFileFormat

    @Option(name: [.short, .long], help: "The file to write (replaced atomically).")
    var output: String

    @Flag(help: "tokenizer-json: omit the BertProcessing post-processor ([CLS] … [SEP]), as HF saves right after training.")
    var noPostProcessor = false

    @Flag(help: ArgumentHelp(
        "tokenizer-json: leave the vocabulary's cleaning pipeline out (HF then does not clean text as jikji encode does).",
        discussion: "By default the pipeline is written as HF normalizers before the BertNormalizer, and a step HF cannot express (repeat-limit, transliterate, Hangul jamo mappings, …) stops the export."))
    var dropPipeline = false

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        let vocabulary = try database.openForReading().load(reference)
        try vocabulary.export(to: URL(fileURLWithPath: output), format: format, postProcessor: !noPostProcessor,
                              dropPipeline: dropPipeline)
        print("wrote \(vocabulary.reference) (\(vocabulary.tokens.count) tokens) as \(format.rawValue) to \(output)")
        if let pipeline = try vocabulary.cleaningPipeline(), dropPipeline || format == .vocabTxt {
            // Say what the file lacks: the text cleaning jikji encode runs before the normalizer.
            let steps = pipeline.steps.map(\.name).joined(separator: ", ")
            try FileHandle.standardError.write(contentsOf: Data(("note: \(output) leaves out the cleaning pipeline (\(steps)): "
                + "what loads it will not clean text as jikji encode --vocab \(vocabulary.reference) does\n").utf8))
        }
    }
}

/// `jikji vocab import PATH --name NAME`
struct VocabImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Store an HF vocab.txt or tokenizer.json as a new vocabulary version.")

    @Argument(help: "The vocab.txt or tokenizer.json to read.")
    var path: String

    @Option(help: "The name to store it under (a new version when the name exists).")
    var name: String

    @Option(help: "vocab-txt or tokenizer-json (default: detected from the contents).")
    var format: VocabularyFileFormat?

    @Flag(help: "vocab.txt: the vocabulary expects lowercased text (and stripped accents, unless --no-strip-accents).")
    var lowercase = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "vocab.txt: the vocabulary expects accents stripped (default: as --lowercase, like HF's strip_accents=None).",
        discussion: "Stripping decomposes Korean Hangul syllables into jamo: with --lowercase on Korean text, add --no-strip-accents to keep them."))
    var stripAccents: Bool?

    @Option(help: "vocab.txt: comma-separated special tokens (default: those of [PAD],[UNK],[CLS],[SEP],[MASK] present).")
    var specialTokens: String?

    @Option(help: "vocab.txt: the unknown token, which the file must contain.")
    var unkToken: String = "[UNK]"

    @OptionGroup var database: VocabDatabaseOptions

    func validate() throws {
        try VocabularyReference.validateName(name)
    }

    func run() throws {
        let specials = specialTokens.map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
        let vocabulary = try StoredVocabulary.importing(
            URL(fileURLWithPath: path), name: name, format: format,
            normalizer: BertNormalizerOptions(stripAccents: BertNormalizerOptions.stripAccents(stripAccents, lowercase: lowercase),
                                              lowercase: lowercase),
            specialTokens: specials, unknownToken: unkToken, toolVersion: JikjiVersion.string)
        let version = try database.open(create: true).save(vocabulary)
        print("imported \(path) as \(name)@\(version) (\(vocabulary.tokens.count) tokens) into \(database.path)")
    }
}

/// `jikji vocab delete NAME[@V]`
struct VocabDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete one version (NAME@V) or every version (NAME) of a vocabulary.")

    @Argument(help: "NAME (every version) or NAME@VERSION.")
    var reference: String

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        let deleted = try database.open(create: false).delete(reference)
        print("deleted \(deleted.joined(separator: ", "))")
    }
}

extension VocabularyFileFormat: ExpressibleByArgument {}

/// `text` padded with spaces to `width` characters (on the left when `right`).
private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}
