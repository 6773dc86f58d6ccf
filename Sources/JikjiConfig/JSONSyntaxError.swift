/// Why a JSON text cannot be parsed: where (1-based line and byte column, 0-based byte offset)
/// and what.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of problem it is.
    public enum Kind: Sendable, Equatable {
        /// The text breaks JSON's grammar.
        case malformed
        /// Lists and objects nest deeper than the parser's limit.
        case tooDeep
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based byte within that line.
    public var column: Int
    /// The 0-based byte offset in the text.
    public var byteOffset: Int
    /// What is wrong.
    public var problem: String

    /// An error of `kind` at `line` and `column` (1-based) and `byteOffset` (0-based).
    public init(kind: Kind, line: Int, column: Int, byteOffset: Int, problem: String) {
        self.kind = kind
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.problem = problem
    }

    /// `line L, column C: problem`.
    public var description: String { "line \(line), column \(column): \(problem)" }
}
