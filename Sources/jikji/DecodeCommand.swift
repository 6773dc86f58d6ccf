import ArgumentParser
import JikjiTerminal
import Foundation
import JikjiWordPiece

/// `jikji decode`: lines of ids in, one line of text out per input line.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode lines of WordPiece ids back into text.",
        discussion: """
            Matches HuggingFace's WordPiece decoder: ## pieces are joined, other tokens are \
            separated by a space, no space is left before . ? ! and ,. Ids are separated by \
            spaces, tabs or commas. Example:
              jikji encode --vocab vocab.txt < docs.txt | jikji decode --vocab vocab.txt --skip-special-tokens
            """
    )

    @OptionGroup var source: VocabularySourceOptions

    @Option(help: "Lines of ids: a file, or - for standard input.")
    var input: String = "-"

    @Flag(help: "Drop special tokens ([CLS], [SEP], [PAD], [MASK] and also [UNK], as HF does).")
    var skipSpecialTokens = false

    func run() throws {
        let encoder = try source.textEncoder()
        let handle = try openInput(input)
        let bar = ProgressBar.reading(input, label: "decoding")
        let summary = try encoder.decodeLines(from: handle, path: input, to: FileHandle.standardOutput,
                                              skipSpecialTokens: skipSpecialTokens, progress: { bar.update(Int64($0)) })
        bar.finish(extra: "\(summary.lines) lines, \(summary.tokens) tokens")
    }
}
