/// One word of normalized text as the BERT pre-tokenizer produced it.
///
/// The buffers point into the pre-tokenizer's storage and are valid only inside the closure that
/// receives the word; copy what must outlive it.
public struct BertWord {
    /// The normalized word as Unicode code points.
    public let codePoints: UnsafeBufferPointer<UInt32>
    /// The normalized word in UTF-8.
    public let utf8: UnsafeBufferPointer<UInt8>
    /// For each code point, the index of the original character it came from (in Unicode
    /// scalars of the original text, which are Python's character indices).
    public let origins: UnsafeBufferPointer<Int32>
    /// For each code point, where its UTF-8 starts, plus one entry for the end. The values count
    /// from the start of the whole normalized text: subtract `utf8Starts[0]` to index ``utf8``.
    public let utf8Starts: UnsafeBufferPointer<Int32>

    /// The word's span in the original text, in characters (Python string indices): from the
    /// origin of its first code point to one past the origin of its last.
    public var characterRange: Range<Int> {
        let span = originalSpan(origins, 0, origins.count, monotonic: false)
        return Int(span.start)..<Int(span.end)
    }

    /// The normalized word as a `String` (allocates; for tests and tooling, not hot paths).
    public var string: String { String(decoding: utf8, as: UTF8.self) }
}

/// HF's `BertPreTokenizer` after a ``BertNormalizer``: splits normalized text on whitespace
/// (dropped) and isolates every punctuation character, using the Unicode-8.0-era tables of
/// tokenizers 0.23.3.
///
/// A value keeps its buffers between calls, so reuse one per thread: after warm-up, splitting a
/// text allocates nothing and no `String` is made per word.
public struct BertPreTokenizer: Sendable {
    /// The normalizer that runs first.
    public var normalizer: BertNormalizer
    var text = NormalizedText()

    /// A pre-tokenizer behind a normalizer with `options`.
    public init(normalizer options: BertNormalizerOptions = BertNormalizerOptions()) {
        self.normalizer = BertNormalizer(options: options)
    }

    /// Normalizes `text` and calls `body` with each word, in order.
    public mutating func forEachWord(in text: String, _ body: (BertWord) throws -> Void) rethrows {
        var copy = text
        copy.withUTF8 { bytes in
            // A Swift string is valid UTF-8, so normalization cannot fail here.
            _ = self.text.normalize(utf8: bytes, firstCharacterIndex: 0, options: normalizer.options)
        }
        try splitNormalized(body)
    }

    /// Normalizes the UTF-8 `bytes` and calls `body` with each word, in order.
    ///
    /// - Parameter firstCharacterIndex: the character index of `bytes`' first character in the
    ///   whole text, added to every ``BertWord/origins`` entry.
    /// - Throws: ``WordPieceError/invalidUTF8(byteOffset:)`` (before any word is reported) when
    ///   `bytes` is not valid UTF-8, or what `body` throws.
    public mutating func forEachWord(inUTF8 bytes: UnsafeBufferPointer<UInt8>, firstCharacterIndex: Int = 0,
                                     _ body: (BertWord) throws -> Void) throws {
        if let bad = text.normalize(utf8: bytes, firstCharacterIndex: firstCharacterIndex,
                                    options: normalizer.options) {
            throw WordPieceError.invalidUTF8(byteOffset: bad)
        }
        try splitNormalized(body)
    }

    /// The words of `text` with their character ranges (allocates; for tests and tooling).
    public mutating func words(in text: String) -> [(word: String, range: Range<Int>)] {
        var result: [(word: String, range: Range<Int>)] = []
        forEachWord(in: text) { result.append(($0.string, $0.characterRange)) }
        return result
    }

    /// Number of characters of the text most recently split (the original, not normalized).
    var lastOriginalCount: Int { text.originalCount }

    /// Walks the normalized buffers and reports each word.
    private func splitNormalized(_ body: (BertWord) throws -> Void) rethrows {
        let table = BertCharacterClass.shared
        let whitespace = BertCharacterFlags.whitespace.rawValue
        let punctuation = BertCharacterFlags.punctuation.rawValue
        try text.scalars.withUnsafeBufferPointer { scalars in
            try text.origins.withUnsafeBufferPointer { origins in
                try text.utf8.withUnsafeBufferPointer { utf8 in
                    try text.utf8Starts.withUnsafeBufferPointer { starts in
                        @inline(__always) func report(_ from: Int, _ to: Int) throws {
                            let byteFrom = Int(starts[from]), byteTo = Int(starts[to])
                            try body(BertWord(
                                codePoints: UnsafeBufferPointer(rebasing: scalars[from..<to]),
                                utf8: UnsafeBufferPointer(rebasing: utf8[byteFrom..<byteTo]),
                                origins: UnsafeBufferPointer(rebasing: origins[from..<to]),
                                utf8Starts: UnsafeBufferPointer(rebasing: starts[from...to])))
                        }
                        var wordStart = 0
                        let n = scalars.count
                        var i = 0
                        while i < n {
                            let f = table.flags[Int(scalars[i])]
                            if f & (whitespace | punctuation) != 0 {
                                if wordStart < i { try report(wordStart, i) }
                                if f & punctuation != 0 { try report(i, i + 1) }
                                wordStart = i + 1
                            }
                            i += 1
                        }
                        if wordStart < n { try report(wordStart, n) }
                    }
                }
            }
        }
    }
}
