import Dispatch
import Foundation
import JikjiText

/// HF's BERT WordPiece pipeline, encode and decode: special tokens matched in raw text,
/// ``BertNormalizer``, ``BertPreTokenizer``, WordPiece greedy longest-match-first with the
/// continuation prefix, truncation, `[CLS] A [SEP] (B [SEP])` post-processing and padding.
///
/// Immutable and `Sendable`: one tokenizer serves every thread. Ids and offsets equal those of
/// `tokenizers` 0.23.3 (`BertWordPieceTokenizer(vocab.txt, …)`), offsets in characters as Python
/// reports them.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary.
    public let vocabulary: WordPieceVocabulary
    /// The normalizer switches (apply the same ones the vocabulary was trained with).
    public let normalizerOptions: BertNormalizerOptions
    /// The `[CLS]`/`[SEP]` post-processor; nil adds nothing (like a freshly trained HF tokenizer),
    /// or a ``template`` that is not BERT's.
    public let postProcessor: BertPostProcessor?
    /// HF's `TemplateProcessing` when the tokenizer was given one (it then decides the special
    /// tokens, their ids and type ids, for every path that adds them).
    public let template: TemplatePostProcessor?
    /// The added tokens (special or not) matched in the text, with HF's ids; by default the
    /// vocabulary's special tokens with HF's flags for them.
    public let addedTokens: [HFTokenizerJSON.AddedToken]
    /// Truncation to apply when a caller gives none (HF's `tokenizer.json` `truncation`); used by
    /// ``encodeLines(from:path:to:options:progress:)`` when its options set no maximum length.
    public var truncation: TruncationOptions?
    /// Padding to apply when a caller gives none (HF's `tokenizer.json` `padding`).
    public var padding: PaddingOptions?
    let trie: WordPieceTrie
    /// Added tokens with `normalized: false`, found in the raw text.
    let specialMatcher: SpecialTokenMatcher
    /// Normalized forms of the added tokens with `normalized: true`, found in normalized text.
    let normalizedMatcher: SpecialTokenMatcher
    /// The decoder's per-id table, built on first use (encoding never needs it).
    let lazyDecoderTable: LazyDecoderTable
    /// The decoder's per-id table (built now if nothing has decoded yet; hoist it out of loops).
    var decoderTable: WordPieceDecoderTable { lazyDecoderTable.table }
    /// The one-pass encoder for outputs without offsets; nil when the added tokens rule it out.
    let directIds: DirectIdEncoder?

    /// A tokenizer over `vocabulary`.
    ///
    /// - Parameters:
    ///   - postProcessor: `.automatic` uses `[CLS]`/`[SEP]` when the vocabulary has them (as HF's
    ///     `BertWordPieceTokenizer(vocab)` does); pass nil for none.
    ///   - decoderCleanup: HF's WordPiece decoder `cleanup` flag (removes spaces before `. ? ! ,`).
    ///   - template: HF's `TemplateProcessing`; when given it replaces `postProcessor`.
    ///   - addedTokens: the added tokens with their ids and flags (ids may lie past the
    ///     vocabulary); nil: the vocabulary's special tokens, matched verbatim.
    ///   - wordPieceDecoder: false decodes as HF does with `"decoder": null` (tokens joined by spaces).
    public init(vocabulary: WordPieceVocabulary, normalizer: BertNormalizerOptions = BertNormalizerOptions(),
                postProcessor: BertPostProcessor? = .automatic, decoderCleanup: Bool = true,
                template: TemplatePostProcessor? = nil, addedTokens: [HFTokenizerJSON.AddedToken]? = nil,
                wordPieceDecoder: Bool = true) {
        self.vocabulary = vocabulary
        self.normalizerOptions = normalizer
        if let template {
            self.postProcessor = template.bertEquivalent
        } else if let p = postProcessor, p == .automatic {
            if let cls = vocabulary.id(for: "[CLS]"), let sep = vocabulary.id(for: "[SEP]") {
                self.postProcessor = BertPostProcessor(cls: "[CLS]", clsId: Int32(cls), sep: "[SEP]", sepId: Int32(sep))
            } else {
                self.postProcessor = nil
            }
        } else {
            self.postProcessor = postProcessor
        }
        self.template = template
        trie = WordPieceTrie(tokens: vocabulary.tokens, prefix: vocabulary.continuingSubwordPrefix) {
            vocabulary.token(for: $0) != nil
        }
        let added = addedTokens ?? vocabulary.specialTokens.compactMap { token in
            vocabulary.id(for: token).map { HFTokenizerJSON.AddedToken(id: $0, content: token) }
        }
        self.addedTokens = added
        // HF matches special tokens first, then the others, each group in registration order.
        let ordered = added.filter(\.special) + added.filter { !$0.special }
        func entry(_ token: HFTokenizerJSON.AddedToken, _ bytes: [UInt8]) -> SpecialTokenMatcher.Entry {
            .init(bytes: bytes, id: Int32(token.id), singleWord: token.singleWord, lstrip: token.lstrip, rstrip: token.rstrip)
        }
        let raw = ordered.filter { !$0.normalized }
        specialMatcher = SpecialTokenMatcher(entries: raw.map { entry($0, Array($0.content.utf8)) })
        directIds = DirectIdEncoder(trie: trie, vocabulary: vocabulary, options: normalizer,
                                    rawAddedTokenFirstBytes: raw.compactMap { $0.content.utf8.first },
                                    hasNormalizedAddedTokens: ordered.contains(where: \.normalized))
        let normalizing = BertNormalizer(options: normalizer)
        normalizedMatcher = SpecialTokenMatcher(entries: ordered.filter(\.normalized).map {
            entry($0, Array(normalizing.normalize($0.content).utf8))
        })
        lazyDecoderTable = LazyDecoderTable {
            WordPieceDecoderTable(vocabulary: vocabulary, cleanup: decoderCleanup, addedTokens: addedTokens,
                                  wordPiece: wordPieceDecoder, normalize: { normalizing.normalize($0) })
        }
    }

    /// The token of `id`: an added token's content, else the vocabulary's token.
    public func token(for id: Int) -> String? {
        addedTokens.last { $0.id == id }?.content ?? vocabulary.token(for: id)
    }

    /// The id of `token`: an added token's, else the vocabulary's.
    public func id(for token: String) -> Int? {
        addedTokens.last { $0.content.utf8.elementsEqual(token.utf8) }?.id ?? vocabulary.id(for: token)
    }

    /// Number of tokens the post-processor adds to one text or a pair (0 without one).
    public func addedTokenCount(pair: Bool) -> Int {
        template?.addedTokens(pair: pair) ?? postProcessor?.addedTokens(pair: pair) ?? 0
    }

    // MARK: Encoding one text

    /// Encodes `text` (and `pair`, if given), then truncates and post-processes.
    ///
    /// - Throws: ``WordPieceError/missingToken(token:role:)`` when a word needs the unknown token
    ///   and the vocabulary lacks it; ``WordPieceError/invalidOption(name:reason:)`` for
    ///   truncation settings that cannot work.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true,
                       truncation: TruncationOptions? = nil) throws -> Encoding {
        var scratch = EncoderScratch(options: normalizerOptions)
        var a = Encoding()
        var copy = text
        try copy.withUTF8 { try encodeSequence($0, into: &a, scratch: &scratch) }
        var b: Encoding?
        if var second = pair {
            var e = Encoding()
            try second.withUTF8 { try encodeSequence($0, into: &e, scratch: &scratch) }
            b = e
        }
        return try finish(a, b, addSpecialTokens: addSpecialTokens, truncation: truncation)
    }

    /// Encodes UTF-8 `bytes` as one sequence (no pair).
    ///
    /// - Throws: ``WordPieceError/invalidUTF8(byteOffset:)`` for invalid input, and what
    ///   ``encode(_:pair:addSpecialTokens:truncation:)`` throws.
    public func encode(utf8 bytes: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool = true,
                       truncation: TruncationOptions? = nil) throws -> Encoding {
        var scratch = EncoderScratch(options: normalizerOptions)
        return try encode(utf8: bytes, addSpecialTokens: addSpecialTokens, truncation: truncation, scratch: &scratch)
    }

    func encode(utf8 bytes: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool, truncation: TruncationOptions?,
                scratch: inout EncoderScratch) throws -> Encoding {
        var a = Encoding()
        try encodeSequence(bytes, into: &a, scratch: &scratch)
        return try finish(a, nil, addSpecialTokens: addSpecialTokens, truncation: truncation)
    }

    /// Truncation then post-processing.
    func finish(_ a: Encoding, _ b: Encoding?, addSpecialTokens: Bool, truncation: TruncationOptions?) throws -> Encoding {
        var a = a, b = b
        if let truncation {
            let added = addSpecialTokens ? addedTokenCount(pair: b != nil) : 0
            // Like HF: a max length that cannot even hold the special tokens truncates nothing.
            if truncation.maxLength >= added {
                var budget = truncation
                budget.maxLength -= added
                try Truncation.apply(budget, &a, &b)
                if let b { try Truncation.checkPairOverflow(a, b, budget) }
            }
        }
        if addSpecialTokens, let template { return template.process(a, b) }
        guard addSpecialTokens, let postProcessor else {
            guard let b else { return a }
            var pair = b
            pair.setTypeIds(1)
            pair.overflowing = b.overflowing.map { var o = $0; o.setTypeIds(1); return o }
            return BertPostProcessor.merged(a, pair)
        }
        return postProcessor.process(a, b)
    }

    /// Splits raw bytes at special tokens and encodes every piece, appending to `out`.
    func encodeSequence(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout Encoding,
                        scratch: inout EncoderScratch) throws {
        var word: Int32 = 0
        var segmentStart = 0
        var characterIndex = 0
        if !specialMatcher.isEmpty {
            for match in specialMatcher.matches(bytes) {
                if segmentStart < match.start {
                    characterIndex += try encodeText(UnsafeBufferPointer(rebasing: bytes[segmentStart..<match.start]),
                                                     firstCharacter: characterIndex, bytesBefore: segmentStart,
                                                     word: &word, into: &out, scratch: &scratch)
                }
                let characters = scalarCount(UnsafeBufferPointer(rebasing: bytes[match.start..<match.stop]))
                out.append(id: match.id, typeId: 0,
                           offsets: TokenOffsets(Int32(characterIndex), Int32(characterIndex + characters)),
                           special: false, word: word)
                word += 1
                characterIndex += characters
                segmentStart = match.stop
            }
        }
        if segmentStart < bytes.count {
            _ = try encodeText(UnsafeBufferPointer(rebasing: bytes[segmentStart...]), firstCharacter: characterIndex,
                               bytesBefore: segmentStart, word: &word, into: &out, scratch: &scratch)
        }
    }

    /// Normalizes, pre-tokenizes and WordPiece-encodes text without special tokens; returns the
    /// number of characters it spans.
    ///
    /// The pre-tokenizer's word loop is written out here over raw buffers (rather than through
    /// ``BertPreTokenizer/forEachWord(inUTF8:firstCharacterIndex:_:)``) so the hot path makes no
    /// closure context, copies no tokenizer and retains nothing per word.
    private func encodeText(_ bytes: UnsafeBufferPointer<UInt8>, firstCharacter: Int, bytesBefore: Int,
                            word: inout Int32, into out: inout Encoding, scratch: inout EncoderScratch) throws -> Int {
        if let bad = scratch.preTokenizer.text.normalize(utf8: bytes, firstCharacterIndex: firstCharacter,
                                                         options: normalizerOptions) {
            throw WordPieceError.invalidUTF8(byteOffset: bad + bytesBefore)
        }
        let unknown: Int32 = vocabulary.unknownTokenId.map(Int32.init) ?? -1
        let maxCharacters = vocabulary.maxInputCharactersPerWord
        let trie = self.trie
        let flags = BertCharacterClass.shared.flags
        let boundary = BertCharacterFlags.whitespace.rawValue | BertCharacterFlags.punctuation.rawValue
        let punctuation = BertCharacterFlags.punctuation.rawValue
        var missingUnknown = false
        var wordIndex = word
        let monotonic = !scratch.preTokenizer.text.reordered
        // Added tokens with `normalized: true`, found in this piece's normalized text, as
        // normalized-scalar ranges (HF splits them out before pre-tokenizing the rest).
        var added: [(from: Int, to: Int, id: Int32)] = []
        if !normalizedMatcher.isEmpty {
            let starts = scratch.preTokenizer.text.utf8Starts
            func scalarIndex(_ byte: Int) -> Int {
                var lo = 0, hi = starts.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if Int(starts[mid]) < byte { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
            let matches = scratch.preTokenizer.text.utf8.withUnsafeBufferPointer { normalizedMatcher.matches($0) }
            added = matches.map { (scalarIndex($0.start), scalarIndex($0.stop), $0.id) }
        }
        scratch.preTokenizer.text.scalars.withUnsafeBufferPointer { scalars in
            scratch.preTokenizer.text.origins.withUnsafeBufferPointer { origins in
                scratch.preTokenizer.text.utf8.withUnsafeBufferPointer { utf8 in
                    scratch.preTokenizer.text.utf8Starts.withUnsafeBufferPointer { starts in
                        @inline(__always) func emit(_ from: Int, _ to: Int) {
                            if to - from <= maxCharacters,
                               Self.wordPiece(utf8: utf8, starts: starts, origins: origins, monotonic: monotonic, from: from, to: to,
                                              trie: trie, word: wordIndex, into: &out) {
                                // the pieces are in `out`
                            } else if unknown >= 0 {
                                out.append(id: unknown, typeId: 0, offsets: originalSpan(origins, from, to, monotonic: monotonic),
                                           special: false, word: wordIndex)
                            } else {
                                missingUnknown = true
                            }
                            wordIndex += 1
                        }
                        /// BERT pre-tokenization of normalized scalars `lo..<hi`, each word WordPiece-encoded.
                        @inline(__always) func words(_ lo: Int, _ hi: Int) {
                            var wordStart = lo
                            var i = lo
                            while i < hi {
                                let f = flags[Int(scalars[i])]
                                if f & boundary != 0 {
                                    if wordStart < i { emit(wordStart, i) }
                                    if f & punctuation != 0 { emit(i, i + 1) }
                                    wordStart = i + 1
                                }
                                i += 1
                            }
                            if wordStart < hi { emit(wordStart, hi) }
                        }
                        var position = 0
                        for token in added where token.from < token.to {
                            words(position, token.from)
                            out.append(id: token.id, typeId: 0, offsets: originalSpan(origins, token.from, token.to, monotonic: monotonic),
                                       special: false, word: wordIndex)
                            wordIndex += 1
                            position = token.to
                        }
                        words(position, scalars.count)
                    }
                }
            }
        }
        word = wordIndex
        if missingUnknown { throw WordPieceError.missingToken(token: vocabulary.unknownToken, role: "unknown") }
        return scratch.preTokenizer.text.originalCount
    }

    /// Greedy longest-match-first over the word made of normalized scalars `from..<to`, appending
    /// its pieces to `out`; false (and nothing appended) when some position matches no token:
    /// the whole word is then unknown, as in HF.
    @inline(__always)
    static func wordPiece(utf8: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int32>,
                          origins: UnsafeBufferPointer<Int32>, monotonic: Bool, from: Int, to: Int,
                          trie: WordPieceTrie, word: Int32, into out: inout Encoding) -> Bool {
        let mark = out.count
        let byteBase = Int(starts[from])
        let wordBytes = UnsafeBufferPointer(rebasing: utf8[byteBase..<Int(starts[to])])
        var position = 0
        var scalar = from
        let n = wordBytes.count
        while position < n {
            let state = position == 0 ? WordPieceTrie.root : trie.continuationRoot
            let (id, end) = state >= 0 ? trie.longestMatch(wordBytes, from: position, state: state) : (-1, 0)
            guard id >= 0 else {
                out.truncate(to: mark)
                return false
            }
            let first = scalar
            while Int(starts[scalar + 1]) - byteBase < end { scalar += 1 }
            scalar += 1
            out.append(id: id, typeId: 0, offsets: originalSpan(origins, first, scalar, monotonic: monotonic),
                       special: false, word: word)
            position = end
        }
        return true
    }

    // MARK: Batches

    /// Encodes every text on all cores, then pads as `padding` says.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, truncation: TruncationOptions? = nil,
                            padding: PaddingOptions? = nil) throws -> [Encoding] {
        try encodeBatch(texts, addSpecialTokens: addSpecialTokens, truncation: truncation, padding: padding, cleaners: nil)
    }

    /// ``encodeBatch(_:addSpecialTokens:truncation:padding:)``, each text first cleaned by a
    /// cleaner of `cleaners` (one per worker) when given.
    func encodeBatch(_ texts: [String], addSpecialTokens: Bool, truncation: TruncationOptions?,
                     padding: PaddingOptions?, cleaners: CleanerPool?) throws -> [Encoding] {
        var results = [Encoding](repeating: Encoding(), count: texts.count)
        try parallelChunks(count: texts.count) { range, scratch in
            try CleanerPool.withCleaner(from: cleaners) { cleaner in
                var out: [Encoding] = []
                out.reserveCapacity(range.count)
                for i in range {
                    var a = Encoding()
                    // Encodings carry offsets: they index the texts as given.
                    try encodeSequence(of: texts[i], cleanedBy: cleaner, aligning: true, into: &a, scratch: &scratch)
                    out.append(try finish(a, nil, addSpecialTokens: addSpecialTokens, truncation: truncation))
                }
                return out
            }
        } store: { range, chunk in
            results.replaceSubrange(range, with: chunk)
        }
        if let padding { Self.pad(&results, padding) }
        return results
    }

    /// Ids of many texts, back to back, on all cores: `ids[ends[i-1]..<ends[i]]` are text `i`'s
    /// ids (`[CLS]`/`[SEP]` included when `addSpecialTokens`). Makes no per-text encoding, which
    /// is what datasets of hundreds of thousands of documents want.
    public func encodeIds(_ texts: [String], addSpecialTokens: Bool = true) throws -> (ids: [TokenID], ends: [Int]) {
        try encodeIds(texts, addSpecialTokens: addSpecialTokens, cleaners: nil)
    }

    /// ``encodeIds(_:addSpecialTokens:)``, each text first cleaned by a cleaner of `cleaners`
    /// (one per worker) when given.
    func encodeIds(_ texts: [String], addSpecialTokens: Bool, cleaners: CleanerPool?) throws -> (ids: [TokenID], ends: [Int]) {
        var collected: [Int: (ids: [TokenID], lengths: [Int])] = [:]
        let processor = addSpecialTokens ? postProcessor : nil
        // A template that is not BERT's goes through the general post-processing.
        let general = addSpecialTokens && processor == nil && template != nil
        try parallelChunks(count: texts.count) { range, scratch in
            try CleanerPool.withCleaner(from: cleaners) { cleaner in
                var ids: [Int32] = []
                var lengths: [Int] = []
                lengths.reserveCapacity(range.count)
                var e = scratch.encoding
                scratch.encoding = Encoding()
                for i in range {
                    e.removeAll()
                    // Only ids come out: no offsets to trace back.
                    try encodeSequence(of: texts[i], cleanedBy: cleaner, aligning: false, into: &e, scratch: &scratch)
                    if general {
                        let wrapped = try finish(e, nil, addSpecialTokens: true, truncation: nil)
                        ids += wrapped.ids
                        lengths.append(wrapped.count)
                        continue
                    }
                    if let processor { ids.append(processor.clsId) }
                    ids += e.ids
                    if let processor { ids.append(processor.sepId) }
                    lengths.append(e.count + (processor == nil ? 0 : 2))
                }
                scratch.encoding = e
                return [(ids, lengths)]
            }
        } store: { range, chunk in
            collected[range.lowerBound] = chunk[0]
        }
        let parts = collected.keys.sorted().compactMap { collected[$0] }
        var ids: [Int32] = []
        ids.reserveCapacity(parts.reduce(0) { $0 + $1.ids.count })
        var ends: [Int] = []
        ends.reserveCapacity(texts.count)
        for part in parts {
            ids += part.ids
            for length in part.lengths { ends.append((ends.last ?? 0) + length) }
        }
        return (ids, ends)
    }

    /// Encodes pairs on all cores (`[CLS] A [SEP] B [SEP]`), then pads as `padding` says.
    public func encodeBatch(pairs: [(String, String)], addSpecialTokens: Bool = true,
                            truncation: TruncationOptions? = nil, padding: PaddingOptions? = nil) throws -> [Encoding] {
        var results = [Encoding](repeating: Encoding(), count: pairs.count)
        try parallelChunks(count: pairs.count) { range, scratch in
            try range.map { i in
                var first = pairs[i].0, second = pairs[i].1
                var a = Encoding(), b = Encoding()
                try first.withUTF8 { try encodeSequence($0, into: &a, scratch: &scratch) }
                try second.withUTF8 { try encodeSequence($0, into: &b, scratch: &scratch) }
                return try finish(a, b, addSpecialTokens: addSpecialTokens, truncation: truncation)
            }
        } store: { range, chunk in
            results.replaceSubrange(range, with: chunk)
        }
        if let padding { Self.pad(&results, padding) }
        return results
    }

    /// Pads `encodings` to a common length (HF's `pad_encodings`).
    public static func pad(_ encodings: inout [Encoding], _ options: PaddingOptions) {
        var length: Int
        switch options.strategy {
        case .batchLongest: length = encodings.map(\.count).max() ?? 0
        case .fixed(let n): length = n
        }
        if let multiple = options.padToMultipleOf, multiple > 0, length % multiple != 0 {
            length += multiple - length % multiple
        }
        for i in encodings.indices { encodings[i].pad(to: length, options) }
    }

    /// Runs `work` over chunks of `0..<count` on all cores, each chunk with its own scratch
    /// buffers, and hands each chunk's result to `store` (serialized) in any order.
    func parallelChunks<T>(count: Int, _ work: (Range<Int>, inout EncoderScratch) throws -> [T],
                           store: (Range<Int>, [T]) -> Void) throws {
        guard count > 0 else { return }
        let chunkSize = max(64, min(4096, count / (ProcessInfo.processInfo.activeProcessorCount * 8) + 1))
        let chunks = (count + chunkSize - 1) / chunkSize
        let lock = NSLock()
        let failure = UncheckedBox<Error?>(nil)
        let options = normalizerOptions
        withoutActuallyEscaping(work) { work in
            withoutActuallyEscaping(store) { store in
                let box = UncheckedBox((work, store))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let range = c * chunkSize..<min(count, (c + 1) * chunkSize)
                    var scratch = EncoderScratch(options: options)
                    do {
                        let result = try box.value.0(range, &scratch)
                        lock.lock()
                        box.value.1(range, result)
                        lock.unlock()
                    } catch {
                        lock.lock()
                        if failure.value == nil { failure.value = error }
                        lock.unlock()
                    }
                }
            }
        }
        if let error = failure.value { throw error }
    }
}

/// Per-thread buffers of the encoder.
struct EncoderScratch {
    var preTokenizer: BertPreTokenizer
    /// A reusable encoding for streaming (cleared per line).
    var encoding = Encoding()
    /// A reusable buffer for a text's cleaned UTF-8 (when a cleaning pipeline runs first).
    var cleaned: [UInt8] = []
    /// A reusable alignment of a cleaned text to its original (when offsets must index the original).
    var alignment = CleaningAlignment()

    init(options: BertNormalizerOptions) {
        preTokenizer = BertPreTokenizer(normalizer: options)
    }
}

/// Holds a non-Sendable value across `concurrentPerform`; `@unchecked Sendable` because every
/// access is either read-only or under a lock (each use says which).
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
