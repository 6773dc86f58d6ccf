/// HF's `BertProcessing`: `[CLS] A [SEP]` for one text, `[CLS] A [SEP] B [SEP]` for a pair, with
/// type id 1 on B and its `[SEP]`.
public struct BertPostProcessor: Equatable, Sendable {
    /// The classification token and its id.
    public var cls: String
    public var clsId: TokenID
    /// The separator token and its id.
    public var sep: String
    public var sepId: TokenID

    /// A post-processor with explicit tokens and ids (HF takes the ids from the configuration,
    /// not from a vocabulary lookup).
    public init(cls: String = "[CLS]", clsId: TokenID, sep: String = "[SEP]", sepId: TokenID) {
        self.cls = cls
        self.clsId = clsId
        self.sep = sep
        self.sepId = sepId
    }

    /// Marker for ``WordPieceTokenizer/init(vocabulary:normalizer:postProcessor:)``: look up
    /// `[CLS]` and `[SEP]` in the vocabulary.
    public static let automatic = BertPostProcessor(cls: "", clsId: -1, sep: "", sepId: -1)

    /// Tokens added to one text (2) or a pair (3).
    public func addedTokens(pair: Bool) -> Int { pair ? 3 : 2 }

    /// Wraps `a` (and `b`) in the special tokens, overflow parts included. For a pair, HF
    /// combines the overflow parts of both texts (see ``merged(_:_:)``).
    func process(_ a: Encoding, _ b: Encoding?) -> Encoding {
        let first = wrapFirst(a)
        guard let b else { return first }
        return Self.merged(first, wrapSecond(b))
    }

    /// `[CLS] a [SEP]`, recursively for the overflow parts.
    private func wrapFirst(_ a: Encoding) -> Encoding {
        var out = Encoding()
        out.reserveCapacity(a.count + 2)
        out.append(id: clsId, typeId: 0, offsets: TokenOffsets(0, 0), special: true, word: -1)
        out.append(contentsOf: a)
        out.append(id: sepId, typeId: 0, offsets: TokenOffsets(0, 0), special: true, word: -1)
        out.overflowing = a.overflowing.map(wrapFirst)
        return out
    }

    /// `b [SEP]` with type id 1, recursively for the overflow parts.
    private func wrapSecond(_ b: Encoding) -> Encoding {
        var out = b
        out.overflowing = []
        out.setTypeIds(1)
        out.append(id: sepId, typeId: 1, offsets: TokenOffsets(0, 0), special: true, word: -1)
        out.overflowing = b.overflowing.map(wrapSecond)
        return out
    }

    /// HF's `Encoding::merge_with`: the tokens of `a` then `b`; the overflow list holds every
    /// overflow part of `a` with `b` and with each overflow part of `b`, then `a` with each
    /// overflow part of `b` (merged the same way, so parts nest as in HF).
    static func merged(_ a: Encoding, _ b: Encoding) -> Encoding {
        var overflowing: [Encoding] = []
        for ao in a.overflowing {
            overflowing.append(merged(ao, b))
            for bo in b.overflowing { overflowing.append(merged(ao, bo)) }
        }
        for bo in b.overflowing { overflowing.append(merged(a, bo)) }
        var out = a
        out.overflowing = []
        out.append(contentsOf: b)
        out.overflowing = overflowing
        return out
    }
}

/// HF's truncation of one encoding or a pair, before post-processing.
public enum Truncation {
    /// The most overflow parts one input may make, pair combinations included.
    ///
    /// HF builds every part without a bound: a pair whose two texts both overflow makes about
    /// 2·m·n parts (each part of one text with each part of the other), so two 4 KB texts with a
    /// small window and stride 1 ask for millions of parts and gigabytes. Real uses (question
    /// answering with stride 128 over long contexts) make tens to thousands; past this limit the
    /// encoder refuses with ``WordPieceError/tooManyOverflowParts(parts:tokens:maxLength:stride:)``.
    public static let overflowPartLimit = 1 << 16
    /// The most tokens all overflow parts of one input may hold together (about 0.5 GB of
    /// encodings), for one text cut into many overlapping windows.
    public static let overflowTokenLimit = 1 << 24

    /// Throws when `parts` windows of `length` tokens pass either limit (no trapping arithmetic:
    /// the counts come from user input).
    static func checkOverflow(parts: Int, length: Int, _ options: TruncationOptions) throws {
        let (tokens, overflow) = parts.multipliedReportingOverflow(by: max(length, 1))
        guard parts > overflowPartLimit || overflow || tokens > overflowTokenLimit else { return }
        throw WordPieceError.tooManyOverflowParts(parts: parts, tokens: overflow ? Int.max : tokens,
                                                  maxLength: options.maxLength, stride: options.stride)
    }

    /// The parts a pair makes after post-processing (``BertPostProcessor/merged(_:_:)``): the
    /// main one, every part of each text with the other's main part, and each part of one with
    /// each part of the other three times (once at the top, nested once under each text's part,
    /// as in HF).
    static func checkPairOverflow(_ a: Encoding, _ b: Encoding, _ options: TruncationOptions) throws {
        let m = a.overflowing.count, n = b.overflowing.count
        guard m > 0 || n > 0 else { return }
        let (product, productOverflow) = m.multipliedReportingOverflow(by: n)
        let parts = productOverflow || product > overflowPartLimit ? Int.max : 1 + m + n + 3 * product
        try checkOverflow(parts: parts, length: a.count + b.count, options)
    }

    /// Cuts `a` and `b` so that together they have at most `options.maxLength` tokens.
    static func apply(_ options: TruncationOptions, _ a: inout Encoding, _ b: inout Encoding?) throws {
        let maxLength = options.maxLength
        if maxLength == 0 {
            try cut(&a, to: 0, options)
            if b != nil { try cut(&b!, to: 0, options) }
            return
        }
        let total = a.count + (b?.count ?? 0)
        guard total > maxLength else { return }
        let toRemove = total - maxLength
        switch options.strategy {
        case .longestFirst:
            guard var second = b else {
                try cut(&a, to: total - toRemove, options)
                return
            }
            var n1 = a.count, n2 = second.count
            let swapped = n1 > n2
            if swapped { swap(&n1, &n2) }
            n2 = n1 > maxLength ? n1 : max(n1, maxLength - n1)
            if n1 + n2 > maxLength {
                n1 = maxLength / 2
                n2 = n1 + maxLength % 2
            }
            if swapped { swap(&n1, &n2) }
            try cut(&a, to: n1, options)
            try cut(&second, to: n2, options)
            b = second
        case .onlyFirst, .onlySecond:
            if options.strategy == .onlySecond, b == nil {
                throw WordPieceError.invalidOption(name: "truncation", reason: "only_second needs a pair of texts")
            }
            let targetLength = options.strategy == .onlyFirst ? a.count : b!.count
            guard targetLength > toRemove else {
                throw WordPieceError.invalidOption(
                    name: "truncation",
                    reason: "the sequence to truncate is too short to respect max length \(maxLength)")
            }
            if options.strategy == .onlyFirst { try cut(&a, to: targetLength - toRemove, options) } else {
                try cut(&b!, to: targetLength - toRemove, options)
            }
        }
    }

    /// HF's `Encoding::truncate`: keep `maxLength` tokens, the rest becomes overflow windows of
    /// `maxLength` tokens overlapping by `stride`.
    static func cut(_ e: inout Encoding, to maxLength: Int, _ options: TruncationOptions) throws {
        let n = e.count
        guard maxLength < n else { return }
        if maxLength == 0 {
            let whole = e
            e = Encoding()
            e.overflowing = [whole]
            return
        }
        guard options.stride < maxLength else {
            throw WordPieceError.invalidOption(
                name: "stride", reason: "\(options.stride) must be smaller than the truncated length \(maxLength)")
        }
        let step = maxLength - options.stride
        // Counted before any part is made, so that a refused input costs nothing.
        try checkOverflow(parts: 1 + (n - maxLength + step - 1) / step, length: maxLength, options)
        var parts: [Range<Int>] = []
        switch options.direction {
        case .right:
            var start = 0
            while true {
                let stop = min(start + maxLength, n)
                parts.append(start..<stop)
                if stop == n { break }
                start += step
            }
        case .left:
            var last = n - 1
            while last >= 0 {
                let stop = last + 1
                let start = stop < maxLength ? 0 : stop - maxLength
                parts.append(start..<stop)
                if start == 0 { break }
                last -= step
            }
        }
        let kept = e.slice(parts[0])
        var overflow: [Encoding] = []
        for range in parts.dropFirst() { overflow.append(e.slice(range)) }
        e = kept
        e.overflowing = overflow
    }
}

/// HF's `TemplateProcessing`: the special tokens and sequences of a template, each with its type
/// id (`[CLS]:0 $A:0 [SEP]:0`, `… $B:1 [SEP]:1`); a special token may stand for several ids.
///
/// As in HF, the pieces are joined with `Encoding::merge_with`, so overflow parts are wrapped too,
/// and a sequence piece sets the type id of its main part (its overflow parts keep the
/// sequence's index, 0 or 1, as in HF).
public struct TemplatePostProcessor: Equatable, Sendable {
    /// Which input a sequence piece stands for.
    public enum Sequence: String, Equatable, Sendable { case a = "A", b = "B" }

    /// One piece of a template.
    public enum Piece: Equatable, Sendable {
        /// The encoding of the first or second text.
        case sequence(Sequence, typeId: UInt8)
        /// The special token called `name` (a key of ``TemplatePostProcessor/specialTokens``).
        case special(String, typeId: UInt8)
    }

    /// What a special token of the template expands to.
    public struct SpecialToken: Equatable, Sendable {
        /// Its name in the template.
        public var name: String
        /// The ids it adds (HF takes them from the file, not from the vocabulary).
        public var ids: [Int32]
        /// The tokens of those ids.
        public var tokens: [String]

        /// A special token of a template.
        public init(name: String, ids: [Int32], tokens: [String]) {
            self.name = name
            self.ids = ids
            self.tokens = tokens
        }
    }

    /// The template for one text.
    public var single: [Piece]
    /// The template for a pair of texts.
    public var pair: [Piece]
    /// The special tokens, in file order.
    public var specialTokens: [SpecialToken]

    /// A template from its parts.
    public init(single: [Piece], pair: [Piece], specialTokens: [SpecialToken]) {
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    /// The template `BertProcessing` amounts to.
    public init(bert: BertPostProcessor) {
        single = [.special(bert.cls, typeId: 0), .sequence(.a, typeId: 0), .special(bert.sep, typeId: 0)]
        pair = single + [.sequence(.b, typeId: 1), .special(bert.sep, typeId: 1)]
        specialTokens = [SpecialToken(name: bert.cls, ids: [bert.clsId], tokens: [bert.cls])]
        if !bert.sep.utf8.elementsEqual(bert.cls.utf8) {
            specialTokens.append(SpecialToken(name: bert.sep, ids: [bert.sepId], tokens: [bert.sep]))
        }
    }

    /// The `BertProcessing` this template is equivalent to, if it is one (`CLS $A SEP` and
    /// `CLS $A SEP $B:1 SEP:1` with one id per special token); nil otherwise.
    public var bertEquivalent: BertPostProcessor? {
        guard single.count == 3, case let .special(cls, 0) = single[0], case .sequence(.a, 0) = single[1],
              case let .special(sep, 0) = single[2], let c = special(cls), let s = special(sep),
              c.ids.count == 1, s.ids.count == 1 else { return nil }
        let bert = BertPostProcessor(cls: cls, clsId: c.ids[0], sep: sep, sepId: s.ids[0])
        // A file without a pair template (some Hub files) pairs like BERT.
        guard pair.isEmpty || pair == Self(bert: bert).pair else { return nil }
        return bert
    }

    /// The special token called `name`.
    func special(_ name: String) -> SpecialToken? {
        specialTokens.last { $0.name.utf8.elementsEqual(name.utf8) }
    }

    /// Number of ids the template adds to one text or a pair.
    public func addedTokens(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { total, piece in
            if case let .special(name, _) = piece { return total + (special(name)?.ids.count ?? 0) }
            return total
        }
    }

    /// Applies the template to `a` (and `b`).
    func process(_ a: Encoding, _ b: Encoding?) -> Encoding {
        let template = b == nil ? single : (pair.isEmpty ? Self.bertPair(single) : pair)
        var parts: [Encoding] = []
        for piece in template {
            switch piece {
            case let .sequence(which, typeId):
                guard let e = which == .a ? a : b else { continue }
                parts.append(Self.typed(e, typeId, overflow: which == .a ? 0 : 1))
            case let .special(name, typeId):
                guard let token = special(name) else { continue }
                var e = Encoding()
                for id in token.ids { e.append(id: id, typeId: typeId, offsets: TokenOffsets(0, 0), special: true, word: -1) }
                parts.append(e)
            }
        }
        guard var out = parts.first else { return Encoding() }
        for part in parts.dropFirst() { out = BertPostProcessor.merged(out, part) }
        return out
    }

    /// `e` with its tokens' type ids set to `typeId` and those of its overflow parts to
    /// `overflow`: HF first gives each sequence's tokens and overflow its index (0 or 1), then the
    /// template's type id to the main part only.
    private static func typed(_ e: Encoding, _ typeId: UInt8, overflow: UInt8) -> Encoding {
        var out = e
        out.setTypeIds(typeId)
        out.overflowing = e.overflowing.map { typed($0, overflow, overflow: overflow) }
        return out
    }

    /// `single` followed by `$B:1` and the last special token again with type id 1 (how a file
    /// without a pair template is read).
    private static func bertPair(_ single: [Piece]) -> [Piece] {
        var pair = single + [.sequence(.b, typeId: 1)]
        if case let .special(name, _)? = single.last { pair.append(.special(name, typeId: 1)) }
        return pair
    }
}
