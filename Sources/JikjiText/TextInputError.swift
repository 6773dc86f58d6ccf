/// A problem with input text or a cleaning pipeline, naming the file, the line and what is wrong.
///
/// The description reads like a compiler diagnostic: `reviews.tsv:17: invalid UTF-8 at byte 4`.
public struct TextInputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of problem it is, for callers that react differently to each.
    public enum Kind: String, Sendable {
        case cannotOpen, readFailed, cannotWrite
        case invalidUTF8, nulByte, lineTooLong
        case missingHeader, missingColumn, fieldCount, unterminatedQuote, badQuote
        case unknownStep, badParameter, badPipeline, icu
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file (or `<stdin>`, or a pipeline's name) the problem is in.
    public let file: String
    /// The 1-based line, when the problem is on one line.
    public let line: Int?
    /// What is wrong and, where possible, what to do about it.
    public let message: String

    /// Creates an error; `line` is 1-based.
    public init(_ kind: Kind, file: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
