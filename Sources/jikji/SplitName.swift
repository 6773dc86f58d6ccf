import ArgumentParser
import JikjiData

/// A split as the command line names it (a raw-value enum, so `--help` lists the names).
enum SplitName: String, CaseIterable, ExpressibleByArgument {
    case train, valid, test

    /// Also takes the dataset spec's other names for the validation split (`validation`, `dev`).
    init?(argument: String) {
        guard let split = Split(name: argument) else { return nil }
        self = split == .train ? .train : split == .valid ? .valid : .test
    }

    /// The dataset's split.
    var split: Split {
        switch self {
        case .train: return .train
        case .valid: return .valid
        case .test: return .test
        }
    }
}
