import JikjiWordPiece

/// Many variable-length sequences of token ids in one flat buffer: `ids` holds them back to back
/// and `offsets[i]..<offsets[i+1]` is sequence `i` (so `offsets.count == count + 1`).
///
/// One allocation for a whole corpus instead of one array per example: loading, slicing and
/// copying into batches touch contiguous memory only.
public struct TokenSequences: Sendable, Equatable {
    /// The ids of every sequence, back to back.
    public private(set) var ids: [TokenID]
    /// `count + 1` offsets into ``ids``: sequence `i` is `ids[offsets[i]..<offsets[i + 1]]`.
    public private(set) var offsets: [UInt32]

    /// No sequences.
    public init() {
        ids = []
        offsets = [0]
    }

    /// Sequences from a flat id buffer and its `count + 1` offsets (first 0, last `ids.count`).
    public init(ids: [TokenID], offsets: [UInt32]) {
        precondition(offsets.first == 0 && Int(offsets.last ?? 1) == ids.count, "offsets must run from 0 to ids.count")
        self.ids = ids
        self.offsets = offsets
    }

    /// Sequences from nested arrays (tests and small inputs).
    public init<S: Sequence>(_ sequences: S) where S.Element == [TokenID] {
        self.init()
        for sequence in sequences { append(sequence) }
    }

    /// The number of sequences.
    @inlinable public var count: Int { offsets.count - 1 }

    /// The total number of ids.
    @inlinable public var tokenCount: Int { ids.count }

    /// The length of sequence `i`.
    @inlinable public func length(_ i: Int) -> Int { Int(offsets[i + 1] &- offsets[i]) }

    /// Sequence `i` (a view into the flat buffer, no copy).
    @inlinable public subscript(i: Int) -> ArraySlice<TokenID> { ids[Int(offsets[i])..<Int(offsets[i + 1])] }

    /// Appends one sequence.
    public mutating func append<C: Collection>(_ sequence: C) where C.Element == TokenID {
        ids.append(contentsOf: sequence)
        offsets.append(UInt32(ids.count))
    }

    /// Reserves room for `sequences` more sequences of `tokens` more ids.
    public mutating func reserve(sequences: Int, tokens: Int) {
        offsets.reserveCapacity(offsets.count + sequences)
        ids.reserveCapacity(ids.count + tokens)
    }

    /// The lengths of all sequences.
    public var lengths: [Int] { (0..<count).map(length) }
}
