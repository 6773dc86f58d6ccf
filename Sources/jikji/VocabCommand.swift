import ArgumentParser
import Foundation
import JikjiVocabStore
import JikjiWordPiece

/// `jikji vocab`: WordPiece vocabularies kept by name and version in an SQLite database.
struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train, inspect, compare, import, export and delete WordPiece vocabularies.",
        discussion: """
            Vocabularies live in one SQLite database (default \(VocabularyStore.defaultPath), or --db PATH), \
            by name and version. NAME means the latest version, NAME@V a given one.
            """,
        subcommands: [VocabTrain.self, VocabList.self, VocabShow.self, VocabDiff.self,
                      VocabExport.self, VocabImport.self, VocabDelete.self]
    )
}

/// `--db PATH`, shared by every `vocab` subcommand.
struct VocabDatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The vocabulary database.")
    var path: String = VocabularyStore.defaultPath

    /// Opens the store; reading commands pass `create: false` so a mistyped path is an error.
    func open(create: Bool) throws -> VocabularyStore {
        try VocabularyStore(path: path, create: create)
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
        let summaries = try database.open(create: false).list()
        if summaries.isEmpty {
            print("no vocabularies in \(database.path)")
            return
        }
        let width = max(9, summaries.map { $0.reference.count }.max() ?? 0)
        print(pad("VOCABULARY", width) + "  " + pad("TOKENS", 7, right: true) + "  CREATED               ORIGIN")
        for s in summaries {
            print(pad(s.reference, width) + "  " + pad(String(s.tokenCount), 7, right: true) + "  "
                  + pad(VocabFormatting.date(s.createdAt), 20) + "  " + s.origin)
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
        let vocabulary = try database.open(create: false).load(reference)
        for line in VocabFormatting.describe(vocabulary, top: max(0, top)) { print(line) }
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
        let store = try database.open(create: false)
        let a = try store.load(old), b = try store.load(new)
        let diff = VocabularyDiff(from: a, to: b)
        print("\(a.reference) (\(a.tokens.count) tokens) -> \(b.reference) (\(b.tokens.count) tokens)")
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

    @OptionGroup var database: VocabDatabaseOptions

    func run() throws {
        let vocabulary = try database.open(create: false).load(reference)
        try vocabulary.export(to: URL(fileURLWithPath: output), format: format, postProcessor: !noPostProcessor)
        print("wrote \(vocabulary.reference) (\(vocabulary.tokens.count) tokens) as \(format.rawValue) to \(output)")
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

    @Flag(help: "vocab.txt: the vocabulary expects lowercased text.")
    var lowercase = false

    @Flag(help: "vocab.txt: the vocabulary expects accents stripped (this also decomposes Hangul).")
    var stripAccents = false

    @Option(help: "vocab.txt: comma-separated special tokens (default: those of [PAD],[UNK],[CLS],[SEP],[MASK] present).")
    var specialTokens: String?

    @OptionGroup var database: VocabDatabaseOptions

    func validate() throws {
        try VocabularyReference.validateName(name)
    }

    func run() throws {
        let specials = specialTokens.map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
        let vocabulary = try StoredVocabulary.importing(
            URL(fileURLWithPath: path), name: name, format: format,
            normalizer: BertNormalizerOptions(stripAccents: stripAccents, lowercase: lowercase),
            specialTokens: specials, toolVersion: JikjiVersion.string)
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

/// Text layout of `vocab list` and `vocab show`.
enum VocabFormatting {
    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The lines `vocab show` prints.
    static func describe(_ v: StoredVocabulary, top: Int) -> [String] {
        var lines: [String] = []
        lines.append("\(v.reference): \(v.tokens.count) tokens")
        lines.append("created: \(date(v.createdAt)) by jikji \(v.toolVersion); origin: \(v.origin)")
        let n = v.normalizer
        lines.append("normalizer: clean_text=\(n.cleanText) handle_chinese_chars=\(n.handleChineseChars) "
                     + "strip_accents=\(n.stripAccents.map { "\($0)" } ?? "null (follows lowercase)") lowercase=\(n.lowercase)")
        lines.append("model: unk_token=\(v.unknownToken) prefix=\(v.continuingSubwordPrefix) "
                     + "max_input_chars_per_word=\(v.maxInputCharactersPerWord)")
        let kinds = v.kindCounts
        lines.append("kinds: " + TokenKind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", "))
        lines.append("special tokens: " + (v.specialTokens.isEmpty ? "none" : v.specialTokens.joined(separator: " ")))
        lines.append("trainer settings: " + (v.trainerSettings ?? "none (imported)"))
        lines.append("cleaning pipeline: " + (v.pipeline ?? "none"))
        if let corpus = v.corpus {
            lines.append("corpus" + (corpus.column.map { " (column \($0))" } ?? "") + ":")
            for file in corpus.files {
                lines.append("  \(file.path): \(file.size) bytes, \(file.lines) lines, sha256 \(file.sha256)")
            }
        } else {
            lines.append("corpus: unknown (imported)")
        }
        if let statistics = v.statistics { lines.append("training statistics: \(statistics)") }
        guard top > 0 else { return lines }
        let counted = v.tokens.enumerated().filter { $0.element.kind != .special && $0.element.count != nil }
        if !counted.isEmpty {
            let best = counted.sorted { ($0.element.count!, -$0.offset) > ($1.element.count!, -$1.offset) }.prefix(top)
            lines.append("top \(best.count) tokens by count (id, token, kind, count):")
            for (id, token) in best {
                lines.append("  \(id)\t\(token.text)\t\(token.kind.rawValue)\t\(token.count!)")
            }
        } else {
            let merged = v.tokens.enumerated().filter { $0.element.kind == .merged }.prefix(top)
            lines.append("first \(merged.count) merged tokens (no counts stored; id, token):")
            for (id, token) in merged { lines.append("  \(id)\t\(token.text)") }
        }
        return lines
    }
}

/// `text` padded with spaces to `width` characters (on the left when `right`).
private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}
