import JikjiWordPiece

/// One batch, in the shapes the models read. B = ``size``, T = `source.columns`.
///
/// A classifier reads ``source`` and ``labels``; a language model ``source`` and ``nextTokens``;
/// an encoder-decoder ``source``, ``decoderInput`` and ``decoderOutput``.
public struct Batch: Sendable {
    /// The examples in row order; lets a caller trace rows back to the corpus. LM: window numbers
    /// (shuffled windows), the stream offset of each row's first input token (contiguous rows), or
    /// the document's example index (documents; a long document's pieces share it).
    public var indices: [Int]
    /// Classification text, pair source or LM input window: ids `[B, T]`, lengths `[B]`, mask `[B, T]`.
    public var source: PaddedSequences
    /// Class labels `[B]` (datasets with labels).
    public var labels: [Int32]?
    /// Pairs: `[start] + target`, ids `[B, T']` with lengths and mask.
    public var decoderInput: PaddedSequences?
    /// Pairs: `target + [end]`, `[B, T']` (same lengths and mask as ``decoderInput``).
    public var decoderOutput: [TokenID]?
    /// LM: next-token targets `[B, N]`, row r = source row r shifted left by one token (`[PAD]`
    /// after a row's length).
    public var nextTokens: [TokenID]?

    /// A batch from its parts; see each property.
    public init(indices: [Int], source: PaddedSequences, labels: [Int32]? = nil, decoderInput: PaddedSequences? = nil,
                decoderOutput: [TokenID]? = nil, nextTokens: [TokenID]? = nil) {
        self.indices = indices
        self.source = source
        self.labels = labels
        self.decoderInput = decoderInput
        self.decoderOutput = decoderOutput
        self.nextTokens = nextTokens
    }

    /// B.
    public var size: Int { source.rows }
}
