import JikjiWordPiece

/// Something that turns a batch of raw texts into token ids: the vocabulary's cleaning pipeline,
/// normalizer and WordPiece encoder, run on all cores (``WordPieceDatasetEncoder`` wraps the
/// vocabulary's `TextEncoder`; tests use stand-ins).
///
/// Datasets store ids *without* special tokens; `[CLS]`/`[SEP]` or BOS/EOS are added at batching
/// time, so one stored dataset serves models that want them and models that do not.
public protocol DatasetEncoder: Sendable {
    /// Encodes `texts` without special tokens, appending every text's ids to `ids` and, per text,
    /// the end offset of its ids in `ids` to `ends` (so text `i` is `ids[ends[i-1]..<ends[i]]`).
    func encode(_ texts: [String], appendingTo ids: inout [TokenID], ends: inout [Int]) throws

    /// The id of a token of the vocabulary (`"[PAD]"`, `"[CLS]"`, a user's BOS), or nil.
    func id(of token: String) -> TokenID?

    /// The vocabulary's size (ids are below it).
    var vocabularySize: Int { get }

    /// The vocabulary as `name@version`, recorded as the dataset's provenance.
    var vocabularyReference: String { get }
}

/// The special-token ids a dataset's batches use, resolved from its vocabulary when built.
public struct SpecialTokenIDs: Codable, Sendable, Equatable {
    /// `[PAD]`: the padding value of every batch.
    public var pad: TokenID
    /// `[UNK]`, for reports.
    public var unk: TokenID?
    /// `[CLS]`: start token of classification inputs and decoder inputs (BERT convention).
    public var cls: TokenID?
    /// `[SEP]`: end token and language-model document separator.
    public var sep: TokenID?

    /// Special-token ids; only `[PAD]` is required.
    public init(pad: TokenID, unk: TokenID? = nil, cls: TokenID? = nil, sep: TokenID? = nil) {
        self.pad = pad
        self.unk = unk
        self.cls = cls
        self.sep = sep
    }

    /// Looks up `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`; `[PAD]` must exist.
    public init(resolvingWith encoder: DatasetEncoder) throws {
        guard let pad = encoder.id(of: "[PAD]") else {
            throw DatasetBuildError.missingSpecialToken("[PAD]", encoder.vocabularyReference)
        }
        self.init(pad: pad, unk: encoder.id(of: "[UNK]"), cls: encoder.id(of: "[CLS]"), sep: encoder.id(of: "[SEP]"))
    }
}
