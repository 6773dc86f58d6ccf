/// Where a token came from in the original text, in characters (Unicode scalars, i.e. Python
/// string indices, as HF's Python API reports them). Special and padding tokens have `0..<0`.
public struct TokenOffsets: Hashable, Sendable, CustomStringConvertible {
    /// Index of the first character.
    public var start: Int32
    /// One past the last character.
    public var end: Int32

    /// Offsets `start..<end`.
    public init(_ start: Int32, _ end: Int32) {
        self.start = start
        self.end = end
    }

    public var description: String { "(\(start), \(end))" }
}

/// The result of encoding one text or one pair of texts, in HF's layout: all arrays have one entry
/// per token (`[T]`).
///
/// Ids are ``TokenID`` (32-bit) and masks `UInt8` to keep a batch of hundreds of thousands of documents compact.
public struct Encoding: Equatable, Sendable {
    /// Token ids.
    public var ids: [TokenID] = []
    /// Segment of each token: 0 for the first text (and its `[CLS]`/`[SEP]`), 1 for the second.
    public var typeIds: [UInt8] = []
    /// Character offsets of each token in its own text.
    public var offsets: [TokenOffsets] = []
    /// 1 for a real token, 0 for padding.
    public var attentionMask: [UInt8] = []
    /// 1 for tokens added by post-processing or padding (`[CLS]`, `[SEP]`, `[PAD]`).
    public var specialTokensMask: [UInt8] = []
    /// Index of the word each token belongs to within its text (each pre-token and each special
    /// token found in the text counts as a word); -1 for added and padding tokens.
    public var wordIds: [Int32] = []
    /// The parts cut off by truncation, each post-processed like the main encoding.
    public var overflowing: [Encoding] = []

    /// An empty encoding.
    public init() {}

    /// Number of tokens.
    public var count: Int { ids.count }

    /// The token strings of ``ids`` (`""` for an id the vocabulary does not have).
    public func tokens(in vocabulary: WordPieceVocabulary) -> [String] {
        ids.map { vocabulary.token(for: Int($0)) ?? "" }
    }

    /// Appends one token.
    @inline(__always)
    mutating func append(id: TokenID, typeId: UInt8, offsets: TokenOffsets, special: Bool, word: Int32) {
        ids.append(id)
        typeIds.append(typeId)
        self.offsets.append(offsets)
        attentionMask.append(1)
        specialTokensMask.append(special ? 1 : 0)
        wordIds.append(word)
    }

    /// Drops every token from index `count` on (keeps the storage).
    mutating func truncate(to count: Int) {
        let extra = ids.count - count
        guard extra > 0 else { return }
        ids.removeLast(extra)
        typeIds.removeLast(extra)
        offsets.removeLast(extra)
        attentionMask.removeLast(extra)
        specialTokensMask.removeLast(extra)
        wordIds.removeLast(extra)
    }

    /// Empties the encoding, keeping its storage for reuse.
    mutating func removeAll() {
        truncate(to: 0)
        overflowing = []
    }

    mutating func reserveCapacity(_ n: Int) {
        ids.reserveCapacity(n)
        typeIds.reserveCapacity(n)
        offsets.reserveCapacity(n)
        attentionMask.reserveCapacity(n)
        specialTokensMask.reserveCapacity(n)
        wordIds.reserveCapacity(n)
    }

    /// Tokens `range` of this encoding (overflow not carried).
    func slice(_ range: Range<Int>) -> Encoding {
        var e = Encoding()
        e.ids = Array(ids[range])
        e.typeIds = Array(typeIds[range])
        e.offsets = Array(offsets[range])
        e.attentionMask = Array(attentionMask[range])
        e.specialTokensMask = Array(specialTokensMask[range])
        e.wordIds = Array(wordIds[range])
        return e
    }

    /// Sets every token's type id.
    mutating func setTypeIds(_ value: UInt8) {
        for i in typeIds.indices { typeIds[i] = value }
    }

    /// Appends all tokens of `other`.
    mutating func append(contentsOf other: Encoding) {
        ids += other.ids
        typeIds += other.typeIds
        offsets += other.offsets
        attentionMask += other.attentionMask
        specialTokensMask += other.specialTokensMask
        wordIds += other.wordIds
    }
}

/// How to shorten encodings that are too long (HF's `TruncationParams`).
public struct TruncationOptions: Equatable, Sendable {
    /// Which side loses tokens.
    public enum Direction: String, Sendable, CaseIterable { case right, left }
    /// Which text of a pair loses tokens.
    public enum Strategy: String, Sendable, CaseIterable {
        /// Take from the longer text until both fit (HF's default).
        case longestFirst = "longest_first"
        /// Cut only the first text.
        case onlyFirst = "only_first"
        /// Cut only the second text.
        case onlySecond = "only_second"
    }

    /// Maximum length including the special tokens that post-processing adds.
    public var maxLength: Int
    /// Tokens shared by consecutive overflow windows; must be below the window length.
    public var stride: Int
    /// Which text of a pair is cut.
    public var strategy: Strategy
    /// Which end is cut.
    public var direction: Direction

    /// Truncation to `maxLength` tokens (HF's defaults for the rest).
    public init(maxLength: Int, stride: Int = 0, strategy: Strategy = .longestFirst, direction: Direction = .right) {
        self.maxLength = maxLength
        self.stride = stride
        self.strategy = strategy
        self.direction = direction
    }
}

/// How to pad encodings of a batch to a common length (HF's `PaddingParams`).
public struct PaddingOptions: Equatable, Sendable {
    /// The target length.
    public enum Strategy: Equatable, Sendable {
        /// The longest encoding of the batch.
        case batchLongest
        /// A fixed length (longer encodings are left as they are, never cut).
        case fixed(Int)
    }
    /// Which side gets the padding.
    public enum Direction: String, Sendable, CaseIterable { case right, left }

    /// The target length.
    public var strategy: Strategy
    /// Which side gets the padding.
    public var direction: Direction
    /// Round the target length up to a multiple of this.
    public var padToMultipleOf: Int?
    /// The id of padding tokens.
    public var padId: TokenID
    /// The type id of padding tokens.
    public var padTypeId: UInt8
    /// The padding token (for display).
    public var padToken: String

    /// Padding with HF's defaults (`[PAD]` = 0, right, to the longest of the batch).
    public init(strategy: Strategy = .batchLongest, direction: Direction = .right, padToMultipleOf: Int? = nil,
                padId: TokenID = 0, padTypeId: UInt8 = 0, padToken: String = "[PAD]") {
        self.strategy = strategy
        self.direction = direction
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }
}

extension Encoding {
    /// Pads to `length` tokens as `options` says (nothing when already that long or longer).
    mutating func pad(to length: Int, _ options: PaddingOptions) {
        // Overflow parts first: HF pads them even when this part is already full.
        for i in overflowing.indices { overflowing[i].pad(to: length, options) }
        let missing = length - ids.count
        guard missing > 0 else { return }
        func extend<T>(_ array: inout [T], _ value: T) {
            if options.direction == .right {
                array.append(contentsOf: repeatElement(value, count: missing))
            } else {
                array.insert(contentsOf: repeatElement(value, count: missing), at: 0)
            }
        }
        extend(&ids, options.padId)
        extend(&typeIds, options.padTypeId)
        extend(&offsets, TokenOffsets(0, 0))
        extend(&attentionMask, 0)
        extend(&specialTokensMask, 1)
        extend(&wordIds, -1)
    }
}
