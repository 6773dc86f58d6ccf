import JikjiWordPiece

/// A padded `[B, T]` matrix of token ids with each row's length and attention mask.
public struct PaddedSequences: Sendable, Equatable {
    /// B.
    public var rows: Int
    /// T.
    public var columns: Int
    /// `[B, T]` row-major, contiguous; padding positions hold the pad id.
    public var ids: [TokenID]
    /// `[B]`: real tokens per row (start/end tokens included).
    public var lengths: [Int32]
    /// `[B, T]`: 1 where `ids` holds a real token, 0 at padding.
    public var mask: [UInt8]

    /// A matrix from its parts (`ids` and `mask` of `rows × columns`, `lengths` of `rows`).
    public init(rows: Int, columns: Int, ids: [TokenID], lengths: [Int32], mask: [UInt8]) {
        self.rows = rows
        self.columns = columns
        self.ids = ids
        self.lengths = lengths
        self.mask = mask
    }

    /// The rows `sequences` laid out by `layout` (start/end tokens, truncation, padding side and
    /// width) and padded with `pad`: the padding every batch gets, for sequences held in arrays.
    public init(_ sequences: [[TokenID]], layout: SequenceLayout, pad: TokenID) {
        self = Self.make(indices: ArraySlice(sequences.indices), sequences: TokenSequences(sequences), layout: layout, pad: pad)
    }

    /// Row `r` of `ids`.
    public func row(_ r: Int) -> ArraySlice<TokenID> { ids[(r * columns)..<((r + 1) * columns)] }

    /// The real tokens of row `r` (its padding left out).
    public func tokens(ofRow r: Int) -> ArraySlice<TokenID> {
        let length = Int(lengths[r]), base = r * columns
        // Pre-padded rows start after their padding, post-padded ones at the row's start.
        var first = base
        while first < base + columns, mask[first] == 0 { first += 1 }
        if length == 0 { first = base }
        return ids[first..<(first + length)]
    }

    /// Fills `rows` rows from `sequences[indices[k]]` using `layout`, padding with `pad`. A batch
    /// whose rows are all empty is one padding column wide: a recurrent layer needs a step to read.
    static func make(indices: ArraySlice<Int>, sequences: TokenSequences, layout: SequenceLayout, pad: TokenID) -> PaddedSequences {
        let rows = indices.count
        var longest = 0
        for index in indices { longest = max(longest, layout.rowLength(sequences.length(index))) }
        let columns = rows == 0 ? 0 : max(1, layout.width(longest: longest))
        var ids = [TokenID](repeating: pad, count: rows * columns)
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
