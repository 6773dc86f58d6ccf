import Foundation
import JikjiWordPiece

/// How examples are grouped, ordered and padded into batches.
///
/// The defaults mirror torchtext's `BucketIterator` with Keras-style padding: shuffled, 64
/// sentences per batch, padded at the end to the longest row, no bucketing.
public struct BatchingOptions: Codable, Sendable, Equatable {
    /// How big a batch is.
    public enum Size: Codable, Sendable, Equatable {
        /// B examples per batch.
        case sentences(Int)
        /// As many examples as fit `B × T ≤ budget`, T the batch's padded width.
        case tokens(Int)
    }

    /// Sentences or a token budget per batch.
    public var size: Size
    /// Layout of the source (classification text, pair source, LM window) rows.
    public var source: SequenceLayout
    /// Layout of pair targets; its start/end tokens are ignored in favour of ``decoderStart``/``decoderEnd``.
    public var target: SequenceLayout
    /// Decoder input = `decoderStart + target`, decoder output = `target + decoderEnd` (pairs).
    public var decoderStart: TokenID?
    /// The end token of decoder outputs (pairs).
    public var decoderEnd: TokenID?
    /// Window length N of language-model batches (inputs `[B, N]`, next-token targets `[B, N]`).
    public var window: Int
    /// Token between documents of a language-model stream (defaults to the dataset's `[SEP]`); with
    /// ``LanguageModelLayout/documents`` the token that ends every document.
    public var documentSeparator: TokenID?
    /// ``LanguageModelLayout/documents`` only: the token fed before a document's first token, so
    /// that the first token is predicted too (nil: a document's first token is only an input).
    public var documentStart: TokenID?
    /// Shuffle example (or window) order each epoch.
    public var shuffle: Bool
    /// Bucketing: pools of this many batches' worth of examples are sorted by length before being
    /// cut into batches, and the batch order is then shuffled. 0 turns bucketing off.
    public var bucketPool: Int
    /// Sort each batch by length, longest first (what packed recurrent layers want).
    public var sortWithinBatch: Bool
    /// Leave out a last batch smaller than the batch size (sentence batches only).
    public var dropLast: Bool
    /// Seed of the data order; epoch k uses sub-stream k, so it is reproducible on its own.
    public var seed: UInt64
    /// How a language-model stream is cut into batches (ignored for other datasets).
    public var languageModelLayout: LanguageModelLayout

    /// How the token stream of a language-model dataset becomes batches.
    public enum LanguageModelLayout: String, Codable, Sendable, Equatable, CaseIterable {
        /// Windows of N tokens cut one after another from the stream, batched in shuffled window
        /// order: the rows of a batch, and consecutive batches, are unrelated. For models that start
        /// every window from a zero state.
        case shuffledWindows = "shuffled_windows"
        /// The stream (documents in shuffled order when ``BatchingOptions/shuffle`` is set, else in
        /// corpus order) is cut into B contiguous rows of ⌊S / B⌋ tokens, and batch k holds window k
        /// of every row, so row r of batch k continues row r of batch k − 1 — PyTorch's
        /// word_language_model `batchify`. Every batch has B rows; the last window of an epoch may
        /// be shorter than N. The < B tokens left over by the division are not used. For models
        /// that carry their state from one window to the next (truncated BPTT).
        case contiguousRows = "contiguous_rows"
        /// Every document is a row of its own: inputs `start + document`, targets `document + separator`
        /// (without ``BatchingOptions/documentStart``: inputs `document`, targets `document[1...] +
        /// separator`). A document with more than N targets is cut into pieces of at most N, each a
        /// row whose input starts with the token before its first target, so every target is
        /// predicted once. Rows are padded after the tokens (targets with `[PAD]`, which losses
        /// ignore), and batched like sentences: shuffled, bucketed by length with
        /// ``BatchingOptions/bucketPool``, sorted within a batch with
        /// ``BatchingOptions/sortWithinBatch``. For models that start every document from a zero state.
        case documents
    }

    /// Options with torchtext-like defaults; see each property.
    public init(size: Size = .sentences(64), source: SequenceLayout = SequenceLayout(), target: SequenceLayout = SequenceLayout(),
                decoderStart: TokenID? = nil, decoderEnd: TokenID? = nil, window: Int = 64, documentSeparator: TokenID? = nil,
                documentStart: TokenID? = nil, shuffle: Bool = true, bucketPool: Int = 0, sortWithinBatch: Bool = false, dropLast: Bool = false, seed: UInt64 = 0,
                languageModelLayout: LanguageModelLayout = .shuffledWindows) {
        self.size = size
        self.source = source
        self.target = target
        self.decoderStart = decoderStart
        self.decoderEnd = decoderEnd
        self.window = window
        self.documentSeparator = documentSeparator
        self.documentStart = documentStart
        self.shuffle = shuffle
        self.bucketPool = bucketPool
        self.sortWithinBatch = sortWithinBatch
        self.dropLast = dropLast
        self.seed = seed
        self.languageModelLayout = languageModelLayout
    }
}

/// Batching options that cannot work with a dataset.
public enum BatchingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The options (or the data) cannot make batches, and why.
    case invalid(String)

    public var description: String {
        switch self { case let .invalid(what): return "batching: \(what)" }
    }
}
