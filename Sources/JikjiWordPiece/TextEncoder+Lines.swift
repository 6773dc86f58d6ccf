import Foundation

extension TextEncoder {
    /// Cleans and encodes every line of `input` (or one column of it) and writes one output line
    /// per input line to `output`, in order, on all cores, reading in blocks; each worker cleans
    /// with its own cleaner.
    ///
    /// - Parameters:
    ///   - path: how errors name the input (a file path, or `-` for standard input).
    ///   - progress: called after each block with the input bytes consumed so far.
    /// - Throws: what ``WordPieceTokenizer/encodeLines(from:path:to:options:progress:)`` throws;
    ///   a line that is not UTF-8 is reported with its line and byte offset whether or not a
    ///   cleaning pipeline runs.
    public func encodeLines(from input: FileHandle, path: String, to output: FileHandle,
                            options: LineEncodingOptions, progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        try tokenizer.encodeLines(from: input, path: path, to: output, options: options, cleaners: cleaners,
                                  progress: progress)
    }

    /// Decodes lines of ids and writes one line of text per input line, on all cores (see
    /// ``WordPieceTokenizer/decodeLines(from:path:to:skipSpecialTokens:blockSize:progress:)``).
    public func decodeLines(from input: FileHandle, path: String, to output: FileHandle, skipSpecialTokens: Bool,
                            progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        try tokenizer.decodeLines(from: input, path: path, to: output, skipSpecialTokens: skipSpecialTokens,
                                  progress: progress)
    }
}
