import ArgumentParser
import JikjiRecurrent

/// The `jikji` command: every subcommand parses its arguments and calls the library.
@main
struct Jikji: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikji",
        abstract: "Korean text toolkit: cleaning, WordPiece vocabularies, datasets and recurrent models.",
        version: JikjiVersion.string,
        subcommands: [Clean.self, Vocab.self, Encode.self, Decode.self, Dataset.self, Job.self, Predict.self, Generate.self, Translate.self]
    )

    /// Opens OpenBLAS on the best kernel for this CPU (``BLAS/load()``) while the process has one
    /// thread (the choice sets `OPENBLAS_CORETYPE` for the moment the library loads), then runs
    /// the command. A failure to open it is reported by the first command that multiplies
    /// matrices; the others (clean, encode, …) need no BLAS.
    static func main() {
        _ = try? BLAS.load()
        main(nil)
    }
}

/// The tool version recorded with vocabularies, datasets and runs.
enum JikjiVersion {
    static let string = "0.1.0"
}
