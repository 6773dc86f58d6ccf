import ArgumentParser
import JikjiIO

/// The formats a file read by named columns can have on the command line (`clean --format`):
/// the ``RecordFormat``s with a header line. A closed set, so that `--help` and the error for any
/// other value list the allowed ones.
enum ColumnFileFormat: String, CaseIterable, ExpressibleByArgument {
    case tsv, csv

    /// Either spelling's case (`TSV` was accepted when the option was a string).
    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// The record format the library reads.
    var recordFormat: RecordFormat {
        switch self {
        case .tsv: return .tsv
        case .csv: return .csv
        }
    }
}
