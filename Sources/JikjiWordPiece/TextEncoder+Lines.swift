import Foundation

extension TextEncoder {
    /// Cleans and encodes every record of `input` (a path, `-` for standard input), or one
    /// column of it, and writes one output line per record to `output`, in order, on all cores,
    /// reading in blocks of whole records; each worker cleans with its own cleaner.
    ///
    /// - Parameter progress: called after each block with the input bytes consumed so far.
    /// - Throws: what ``WordPieceTokenizer/encodeLines(from:to:options:progress:)`` throws; bad
    ///   input is reported by the reader (`TextInputError`, file, line and byte) whether or not a
    ///   cleaning pipeline runs.
    public func encodeLines(from input: String, to output: FileHandle,
                            options: LineEncodingOptions, progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        try tokenizer.encodeLines(from: input, to: output, options: options, cleaners: cleaners, progress: progress)
    }

    /// Decodes lines of ids and writes one line of text per input line, on all cores (see
    /// ``WordPieceTokenizer/decodeLines(from:to:skipSpecialTokens:blockSize:progress:)``).
    public func decodeLines(from input: String, to output: FileHandle, skipSpecialTokens: Bool,
                            progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        try tokenizer.decodeLines(from: input, to: output, skipSpecialTokens: skipSpecialTokens, progress: progress)
    }
}
