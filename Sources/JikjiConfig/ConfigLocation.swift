/// Where a configuration value was written: a file (or `--set`, or a stored pipeline's name) and
/// the 1-based line, when the text had lines.
public struct ConfigLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name, `--set`, or another name for the text.
    public var source: String
    /// The 1-based line, or nil.
    public var line: Int?

    /// A location in `source`, at `line` when known.
    public init(source: String, line: Int? = nil) {
        self.source = source
        self.line = line
    }

    /// `source:line`, or `source` without a line.
    public var description: String { line.map { "\(source):\($0)" } ?? source }
}
