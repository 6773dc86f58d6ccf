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
    public var startToken: UInt32?
    /// Appended to every row (`[SEP]`, an EOS); nil for none.
    public var endToken: UInt32?
    /// Longest row, start and end tokens included; longer examples are truncated. nil: no limit.
    public var maxLength: Int?
    /// Pad every batch to exactly ``maxLength`` (torchtext `fix_length`) instead of its longest row.
    public var fixedLength: Bool
    /// Round the batch's width up to a multiple of this (tensor-core-friendly shapes); 1 for none.
    public var padToMultipleOf: Int
    public var padSide: Side
    public var truncationSide: Side

    public init(startToken: UInt32? = nil, endToken: UInt32? = nil, maxLength: Int? = nil, fixedLength: Bool = false,
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
    func fill(_ row: UnsafeMutableBufferPointer<Int32>, content: UnsafeBufferPointer<UInt32>) -> Int {
        let length = rowLength(content.count)
        let kept = length - extraTokens
        // Truncating "pre" keeps the last ids, "post" the first.
        let from = truncationSide == .pre ? content.count - kept : 0
        var position = padSide == .pre ? row.count - length : 0
        if let startToken { row[position] = Int32(bitPattern: startToken); position += 1 }
        for i in 0..<kept { row[position + i] = Int32(bitPattern: content[from + i]) }
        position += kept
        if let endToken { row[position] = Int32(bitPattern: endToken) }
        return length
    }
}

/// A padded `[B, T]` matrix of token ids with each row's length and attention mask.
public struct PaddedSequences: Sendable, Equatable {
    /// B.
    public var rows: Int
    /// T.
    public var columns: Int
    /// `[B, T]` row-major, contiguous; padding positions hold the pad id.
    public var ids: [Int32]
    /// `[B]`: real tokens per row (start/end tokens included).
    public var lengths: [Int32]
    /// `[B, T]`: 1 where `ids` holds a real token, 0 at padding.
    public var mask: [UInt8]

    /// Row `r` of `ids`.
    public func row(_ r: Int) -> ArraySlice<Int32> { ids[(r * columns)..<((r + 1) * columns)] }

    /// Fills `rows` rows from `sequences[indices[k]]` using `layout`, padding with `pad`.
    static func make(indices: ArraySlice<Int>, sequences: TokenSequences, layout: SequenceLayout, pad: UInt32) -> PaddedSequences {
        let rows = indices.count
        var longest = 0
        for index in indices { longest = max(longest, layout.rowLength(sequences.length(index))) }
        let columns = layout.width(longest: longest)
        var ids = [Int32](repeating: Int32(bitPattern: pad), count: rows * columns)
        var lengths = [Int32](repeating: 0, count: rows)
        var mask = [UInt8](repeating: 0, count: rows * columns)
        sequences.ids.withUnsafeBufferPointer { flat in
            sequences.offsets.withUnsafeBufferPointer { offsets in
                ids.withUnsafeMutableBufferPointer { out in
                    mask.withUnsafeMutableBufferPointer { maskOut in
                        for (r, index) in indices.enumerated() {
                            let start = Int(offsets[index]), end = Int(offsets[index + 1])
                            let content = UnsafeBufferPointer(rebasing: flat[start..<end])
                            let row = UnsafeMutableBufferPointer(rebasing: out[(r * columns)..<((r + 1) * columns)])
                            let length = layout.fill(row, content: content)
                            lengths[r] = Int32(length)
                            let maskStart = r * columns + (layout.padSide == .pre ? columns - length : 0)
                            for j in maskStart..<(maskStart + length) { maskOut[j] = 1 }
                        }
                    }
                }
            }
        }
        return PaddedSequences(rows: rows, columns: columns, ids: ids, lengths: lengths, mask: mask)
    }
}
