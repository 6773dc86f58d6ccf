import JikjiIO
import ArgumentParser
import JikjiTerminal
import Foundation
import JikjiText
#if canImport(Glibc)
import Glibc
#endif

/// `jikji clean`: normalizes and cleans text with a pipeline (a preset or a YAML/JSON file).
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clean and normalize text with a pipeline.",
        discussion: """
            Streams lines (or one column of a TSV/CSV file with a header, copying the other \
            columns) through the pipeline and writes the result atomically. Presets: \
            \(CleaningPipeline.presetNames.joined(separator: ", ")); or one step alone by its name \
            ('--pipeline nfd'); or a .yaml/.json file such as \
            'steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace]'. \
            Steps: \(CleaningStep.names.joined(separator: ", ")).
            """
    )

    @Option(name: .long, help: "A preset name, a step name (that step alone, default parameters) or a pipeline file (.yaml, .yml or .json).")
    var pipeline: String

    @Option(name: .long, help: "The input file, or - for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "The output file (written atomically), or - for standard output.")
    var output: String = "-"

    @Option(name: .long, help: "Clean only this column of a TSV/CSV file with a header line.")
    var textColumn: String?

    /// `--column`, the spelling before `--text-column` (kept for existing scripts; hidden from help).
    @Option(name: .customLong("column"), help: .hidden)
    var legacyColumn: String?

    /// The text column, by either spelling.
    var column: String? { textColumn ?? legacyColumn }

    @Option(name: .long, help: "The format for --text-column (default: csv for .csv files, else tsv).")
    var format: ColumnFileFormat?

    @Flag(name: .customLong("repair-utf8"), help: "Replace ill-formed UTF-8 with U+FFFD instead of failing (counted).")
    var repairUTF8 = false

    @Flag(name: .customLong("remove-nul"), help: "Drop NUL bytes instead of failing (counted).")
    var removeNUL = false

    @Flag(name: .customLong("keep-bad-rows"), help: "Copy rows with a wrong field count unchanged instead of failing (counted).")
    var keepBadRows = false

    @Flag(name: .customLong("print-pipeline"), help: "Print the pipeline as YAML and exit.")
    var printPipeline = false

    func run() throws {
        do {
            let steps = try loadPipeline()
            if printPipeline {
                print(steps.yamlString, terminator: "")
                return
            }
            var options = CleaningJob.Options()
            options.input = input
            options.output = output
            options.column = column
            options.format = format?.recordFormat
            options.repairInvalidUTF8 = repairUTF8
            options.removeNULs = removeNUL
            options.keepBadRows = keepBadRows
            let bar = ProgressBar("clean", total: nil, unit: .bytes, enabled: isatty(STDERR_FILENO) == 1)
            let summary = try CleaningJob(pipeline: steps, options: options).run { read, total in
                bar.setTotal(total.map(Int64.init))
                bar.update(Int64(read))
            }
            bar.finish()
            // Standard output may be the data itself: then the summary goes to standard error.
            if output == "-" {
                try StandardStreams.write(summary.description + "\n", to: .error)
            } else {
                print(summary)
            }
        } catch let error as TextInputError {
            throw CleanFailure(message: error.description)
        }
    }

    /// The preset called `pipeline`, the step of that name alone, or the pipeline file at that path.
    private func loadPipeline() throws -> CleaningPipeline {
        try CleaningPipeline(presetOrFile: pipeline)
    }
}

/// A failure reported as `error: <file>:<line>: <problem>` with exit status 1.
struct CleanFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
