/// A problem with input text or a cleaning pipeline, naming the file, the line and what is wrong.
///
/// The description reads like a compiler diagnostic: `reviews.tsv:17: invalid UTF-8 at byte 4
/// of the line`. Every reader of the package reports bad input through this one type, with the
/// wording of the factory methods below, so each bad input reads the same from every command.
public struct TextInputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of problem it is, for callers that react differently to each.
    public enum Kind: String, Sendable {
        case cannotOpen, readFailed, cannotWrite
        case invalidUTF8, nulByte, lineTooLong
        case missingHeader, missingColumn, fieldCount, unterminatedQuote, badQuote, malformedJSON
        case badParameter, badPipeline, icu

        /// Whether the problem lies within one record, so that a reader can go on with the next
        /// one (a caller may skip or repair such a record); the others stop reading.
        public var isRecordLevel: Bool {
            switch self {
            case .invalidUTF8, .nulByte, .fieldCount, .badQuote, .malformedJSON: return true
            default: return false
            }
        }
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file (or `-` for standard input, or a pipeline's name) the problem is in.
    public let file: String
    /// The 1-based line, when the problem is on one line.
    public let line: Int?
    /// The 1-based byte within ``line`` where the problem starts, when it is one byte.
    public let byte: Int?
    /// What is wrong and, where possible, what to do about it.
    public let message: String

    /// Creates an error; `line` and `byte` are 1-based.
    public init(_ kind: Kind, file: String, line: Int? = nil, byte: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.byte = byte
        self.message = message
    }

    /// `file:line: message`, or `file: message` when there is no line.
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }

    /// The same error with `hint` (say, the option that repairs it) added in parentheses.
    public func hinting(_ hint: String) -> TextInputError {
        TextInputError(kind, file: file, line: line, byte: byte, "\(message) (\(hint))")
    }
}

extension TextInputError {
    /// An ill-formed UTF-8 sequence starting at `byte` (1-based) of physical line `line`.
    public static func invalidUTF8(file: String, line: Int, byte: Int) -> TextInputError {
        TextInputError(.invalidUTF8, file: file, line: line, byte: byte, "invalid UTF-8 at byte \(byte) of the line")
    }

    /// The first ill-formed UTF-8 sequence of a whole file's `bytes`, as the error every reader
    /// gives (`file:line: invalid UTF-8 at byte B of the line`, B 1-based); nil when all is UTF-8.
    public static func firstInvalidUTF8<C: Collection>(in bytes: C, file: String) -> TextInputError?
        where C.Element == UInt8, C.Index == Int {
        guard let offset = UTF8Validation.firstInvalidOffset(in: bytes) else { return nil }
        var line = 1, lineStart = bytes.startIndex
        for k in bytes.startIndex..<(bytes.startIndex + offset) where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        return invalidUTF8(file: file, line: line, byte: bytes.startIndex + offset - lineStart + 1)
    }

    /// A NUL byte at `byte` (1-based) of physical line `line`.
    public static func nulByte(file: String, line: Int, byte: Int) -> TextInputError {
        TextInputError(.nulByte, file: file, line: line, byte: byte, "NUL byte at byte \(byte) of the line")
    }

    /// A record of `format` with `found` fields where the header has `expected`.
    public static func fieldCount(file: String, line: Int, expected: Int, found: Int,
                                  format: RecordFormat) -> TextInputError {
        let kind = format == .tsv ? "tab-separated " : format == .csv ? "comma-separated " : ""
        return TextInputError(.fieldCount, file: file, line: line,
                              "expected \(expected) \(kind)fields (as in the header) but found \(found)")
    }

    /// A column the caller asked for that the header lacks.
    public static func missingColumn(file: String, name: String, header: [String]) -> TextInputError {
        let list = header.map { "'\($0)'" }.joined(separator: ", ")
        return TextInputError(.missingColumn, file: file, line: 1, "no column '\(name)' in the header (columns: \(list))")
    }

    /// A CSV quote opened on `line` that the file never closes.
    public static func unterminatedQuote(file: String, line: Int) -> TextInputError {
        TextInputError(.unterminatedQuote, file: file, line: line,
                       "a quoted field opened on this line is never closed")
    }

    /// An input with no header line where one is needed.
    public static func missingHeader(file: String) -> TextInputError {
        TextInputError(.missingHeader, file: file, line: 1, "the file is empty: expected a header line naming the columns")
    }
}
