import ArgumentParser

/// The `jikji` command: every subcommand parses its arguments and calls the library.
@main
struct Jikji: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikji",
        abstract: "Korean text toolkit: cleaning, WordPiece vocabularies, datasets and recurrent models.",
        version: JikjiVersion.string,
        subcommands: [Clean.self, Vocab.self, Encode.self, Decode.self, Dataset.self, Job.self, Predict.self, Generate.self, Translate.self]
    )
}

/// The tool version recorded with vocabularies, datasets and runs.
enum JikjiVersion {
    static let string = "0.1.0"
}
