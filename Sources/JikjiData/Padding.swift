import JikjiWordPiece

/// Which end of a sequence padding or truncation applies to.
public enum Side: String, Codable, Sendable, CaseIterable {
    /// The start (torchtext `pad_first`, Keras `padding='pre'` / `truncating='pre'`).
    case pre
    /// The end (the default of both).
    case post
}

/// How one side of an example becomes a row of a padded `[B, T]` matrix: optional start and end
/// tokens, truncation to a maximum length, padding to the longest row, a fixed length or a multiple.
public struct SequenceLayout: Codable, Sendable, Equatable {
    /// Prepended to every row (`[CLS]`, a BOS); nil for none.
    public var startToken: TokenID?
    /// Appended to every row (`[SEP]`, an EOS); nil for none.
    public var endToken: TokenID?
    /// Longest row, start and end tokens included; longer examples are truncated. nil: no limit.
    public var maxLength: Int?
    /// Pad every batch to exactly ``maxLength`` (torchtext `fix_length`) instead of its longest row.
    public var fixedLength: Bool
    /// Round the batch's width up to a multiple of this (tensor-core-friendly shapes); 1 for none.
    public var padToMultipleOf: Int
    /// Where padding goes: after the tokens (post, what packed recurrent layers need) or before.
    public var padSide: Side
    /// Which end of a too-long example is cut: post keeps its first ids, pre its last.
    public var truncationSide: Side

    /// A layout; see each property (no start/end tokens, no limit, post padding and truncation by default).
    public init(startToken: TokenID? = nil, endToken: TokenID? = nil, maxLength: Int? = nil, fixedLength: Bool = false,
                padToMultipleOf: Int = 1, padSide: Side = .post, truncationSide: Side = .post) {
        self.startToken = startToken
        self.endToken = endToken
        self.maxLength = maxLength
        self.fixedLength = fixedLength
        self.padToMultipleOf = max(1, padToMultipleOf)
        self.padSide = padSide
        self.truncationSide = truncationSide
    }

    /// The number of start/end tokens added to each row.
    @inlinable public var extraTokens: Int { (startToken == nil ? 0 : 1) + (endToken == nil ? 0 : 1) }

    /// A row's length for an example of `contentLength` ids: specials added, then truncated.
    @inlinable public func rowLength(_ contentLength: Int) -> Int {
        let full = contentLength + extraTokens
        guard let maxLength else { return full }
        return min(full, max(maxLength, extraTokens))
    }

    /// The batch width for a longest row of `longest`.
    @inlinable public func width(longest: Int) -> Int {
        var width = fixedLength ? max(maxLength ?? longest, longest) : longest
        if padToMultipleOf > 1 { width = (width + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf }
        return width
    }

    /// Writes one example into `row` (length ≥ its row length, pre-filled with padding); returns the row length.
    @inlinable
    func fill(_ row: UnsafeMutableBufferPointer<TokenID>, content: UnsafeBufferPointer<TokenID>) -> Int {
        let length = rowLength(content.count)
        let kept = length - extraTokens
        // Truncating "pre" keeps the last ids, "post" the first.
        let from = truncationSide == .pre ? content.count - kept : 0
        var position = padSide == .pre ? row.count - length : 0
        if let startToken { row[position] = startToken; position += 1 }
        for i in 0..<kept { row[position + i] = content[from + i] }
        position += kept
        if let endToken { row[position] = endToken }
        return length
    }
}

