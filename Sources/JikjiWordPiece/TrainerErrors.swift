// Errors of WordPiece training, each naming what to fix.

/// Why a training run could not produce a vocabulary.
public enum WordPieceTrainerError: Error, Equatable, CustomStringConvertible {
    /// The corpus yielded no words (empty files, or only whitespace / empty documents).
    case emptyCorpus(files: [String])
    /// `vocabSize` is smaller than the special tokens plus the single-character tokens.
    case vocabSizeBelowBaseVocabulary(requested: Int, base: Int, specials: Int, alphabet: Int, continuation: Int)
    /// An option has an unusable value.
    case invalidOption(name: String, value: String, reason: String)
    /// The optional cleaning pipeline failed on a line.
    case cleaningFailed(file: String, line: Int, reason: String)
    /// The `vocab.txt` given for the continuation order has no single-character continuation tokens.
    case noContinuationTokens(file: String, prefix: String)
    /// The temporary file that holds the queue entries below min frequency failed.
    case temporaryFileFailed(reason: String)

    public var description: String {
        switch self {
        case .emptyCorpus(let files):
            return "empty corpus: no words in \(files.joined(separator: ", ")) (check the files and --column)"
        case let .vocabSizeBelowBaseVocabulary(requested, base, specials, alphabet, continuation):
            return "vocab size \(requested) is below the base vocabulary of \(base) tokens "
                + "(\(specials) special, \(alphabet) characters, \(continuation) continuation characters): "
                + "raise --vocab-size to at least \(base) or lower --limit-alphabet"
        case let .invalidOption(name, value, reason):
            return "invalid \(name) '\(value)': \(reason)"
        case let .cleaningFailed(file, line, reason):
            return "\(file):\(line): cleaning pipeline failed: \(reason)"
        case let .noContinuationTokens(file, prefix):
            return "\(file): no single-character '\(prefix)x' tokens to take the continuation order from"
        case .temporaryFileFailed(let reason):
            return "\(reason): free space in /tmp (the C library's temporary directory) and train again"
        }
    }
}
