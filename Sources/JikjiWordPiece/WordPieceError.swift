/// What can go wrong while reading vocabularies or encoding and decoding text.
///
/// Every case names the file, line, token or setting involved so the message alone says what to fix.
public enum WordPieceError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Input text is not valid UTF-8; the offset is in bytes from the start of the text given.
    case invalidUTF8(byteOffset: Int)
    /// A vocabulary file could not be read.
    case unreadableVocabulary(path: String, reason: String)
    /// A vocabulary file has a line that is not valid UTF-8 (1-based line number).
    case vocabularyNotUTF8(path: String, line: Int)
    /// A vocabulary has no tokens.
    case emptyVocabulary(path: String)
    /// A token the configuration relies on is not in the vocabulary (`role` says what it is for).
    case missingToken(token: String, role: String)
    /// An option has a value that cannot work.
    case invalidOption(name: String, reason: String)
    /// A vocabulary file could not be written.
    case unwritableVocabulary(path: String, reason: String)
    /// Truncation with overflow would make more parts (or tokens in all parts) than
    /// ``Truncation/overflowPartLimit`` / ``Truncation/overflowTokenLimit``: `parts` and
    /// `tokens` are what it would make (a pair combines every part of one text with every part
    /// of the other, as HF does), for windows of `maxLength` tokens (the special tokens not
    /// counted) overlapping by `stride`.
    case tooManyOverflowParts(parts: Int, tokens: Int, maxLength: Int, stride: Int)

    public var description: String {
        switch self {
        case let .invalidUTF8(offset):
            return "text is not valid UTF-8 (byte \(offset))"
        case let .unreadableVocabulary(path, reason):
            return "cannot read vocabulary \(path): \(reason)"
        case let .vocabularyNotUTF8(path, line):
            return "\(path):\(line): vocabulary line is not valid UTF-8"
        case let .emptyVocabulary(path):
            return "vocabulary \(path) has no tokens"
        case let .missingToken(token, role):
            return "Missing \(token) token from the vocabulary (needed as the \(role) token)"
        case let .invalidOption(name, reason):
            return "invalid \(name): \(reason)"
        case let .unwritableVocabulary(path, reason):
            return "cannot write vocabulary \(path): \(reason)"
        case let .tooManyOverflowParts(parts, tokens, maxLength, stride):
            return "truncation into windows of \(maxLength) tokens (special tokens not counted) with stride \(stride) would make \(parts) overflow parts "
                + "holding \(tokens) tokens (limits: \(Truncation.overflowPartLimit) parts, "
                + "\(Truncation.overflowTokenLimit) tokens; a pair combines every part of one text with every "
                + "part of the other): raise the max length, lower the stride, or cut one text only "
                + "(only_first / only_second)"
        }
    }
}
