import ArgumentParser
import Foundation
import JikjiIO
import JikjiRecurrent

/// The `jikji` command: every subcommand parses its arguments and calls the library.
@main
struct Jikji: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikji",
        abstract: "Korean text toolkit: cleaning, WordPiece vocabularies, datasets and recurrent models.",
        discussion: """
            Output that cannot be written (a full disk, > /dev/full) is an error: the command stops \
            with status 1 and says so on standard error. When standard output is a pipe whose reader \
            has gone (jikji … | head -1), the command ends quietly with status 141, as a shell shows \
            for tools stopped by SIGPIPE.
            """,
        version: JikjiVersion.string,
        subcommands: [Clean.self, Vocab.self, Encode.self, Decode.self, Dataset.self, Job.self, Predict.self, Generate.self, Translate.self, Export.self]
    )

    /// Opens OpenBLAS on the best kernel for this CPU (``BLAS/load()``) while the process has one
    /// thread (the choice sets `OPENBLAS_CORETYPE` for the moment the library loads; a failure to
    /// open it is reported by the first command that multiplies matrices, the others need no BLAS),
    /// then runs the command like ArgumentParser's `main` and makes sure that what it wrote reached
    /// its streams: a failed write ends with a non-zero status (see ``CommandOutcome``).
    static func main() {
        // The text commands multiply no matrices: they skip opening the library (about 22M
        // instructions and OpenBLAS's thread pool before the first byte is read).
        let textCommands: Set<String> = ["clean", "encode", "decode", "vocab"]
        if !textCommands.contains(CommandLine.arguments.dropFirst().first ?? "") { _ = try? BLAS.load() }
        StandardStreams.ignoreBrokenPipeSignal()
        var failure: Error?
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            failure = error
        }
        Foundation.exit(CommandOutcome(failure).finish())
    }
}

/// The tool version recorded with vocabularies, datasets and runs.
enum JikjiVersion {
    static let string = "0.1.0"
}
