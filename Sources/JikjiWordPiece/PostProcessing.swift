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
enum Truncation {
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
