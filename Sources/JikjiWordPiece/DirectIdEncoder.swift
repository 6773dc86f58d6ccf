/// One pass from a text's UTF-8 bytes to its WordPiece ids, for outputs that need no offsets.
///
/// The general path (``NormalizedText`` then the pre-tokenizer and matcher) builds four arrays
/// per text (normalized scalars, their origins, their UTF-8 and its starts) so that offsets can be
/// traced back. Ids need none of that: this encoder decodes each scalar once, classifies it
/// (ASCII through a 128-entry table, precomposed Hangul syllables by range, the rest through
/// ``BertCharacterClass``'s flags), copies the normalized bytes of the current word into one
/// buffer, and matches each word with ``WordPieceTrie`` as soon as it ends.
///
/// It handles exactly the texts whose normalization is, scalar by scalar, deletion (clean_text's
/// removed characters), a space, an isolated character or the scalar itself (ASCII lowercased
/// when lowercasing). Anything else (a scalar with a lowercase mapping or a decomposition, a
/// nonspacing mark or a possibly-reordered scalar when stripping accents, invalid UTF-8, a byte
/// that may start an added token, a needed `[UNK]` missing from the vocabulary) makes
/// ``encode(_:into:)`` return nil before anything is kept, and the caller runs the general path
/// on the whole text, so the ids are the general path's in every case.
struct DirectIdEncoder: Sendable {
    /// What an ASCII byte does, with its normalized byte.
    enum Action: UInt8, Sendable {
        /// Part of a word.
        case word
        /// Whitespace (or clean_text's space): ends a word, dropped.
        case boundary
        /// Punctuation: a word of its own.
        case isolated
        /// Deleted by clean_text.
        case removed
        /// May start an added token: the general path must look.
        case general
    }

    /// `actions[b]` and `mapped[b]` for each ASCII byte `b`.
    private let actions: [Action]
    private let mapped: [UInt8]
    let trie: WordPieceTrie
    /// `[UNK]`'s id, or -1 when the vocabulary has none.
    let unknown: Int32
    let maxCharacters: Int
    let clean: Bool
    let chinese: Bool
    let strip: Bool
    let lower: Bool

    /// The encoder for these settings; nil when some added token must be found in normalized
    /// text or starts with a non-ASCII byte (the general path then handles every text).
    init?(trie: WordPieceTrie, vocabulary: WordPieceVocabulary, options: BertNormalizerOptions,
          rawAddedTokenFirstBytes: [UInt8], hasNormalizedAddedTokens: Bool) {
        guard !hasNormalizedAddedTokens, rawAddedTokenFirstBytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        self.trie = trie
        unknown = vocabulary.unknownTokenId.map(Int32.init) ?? -1
        maxCharacters = vocabulary.maxInputCharactersPerWord
        clean = options.cleanText
        chinese = options.handleChineseChars
        strip = options.effectiveStripAccents
        lower = options.lowercase
        let table = BertCharacterClass.shared
        var actions = [Action](repeating: .word, count: 128)
        var mapped = [UInt8](repeating: 0, count: 128)
        for b in 0..<128 {
            let f = BertCharacterFlags(rawValue: table.flags[b])
            mapped[b] = options.lowercase && (0x41...0x5A).contains(b) ? UInt8(b + 32) : UInt8(b)
            if rawAddedTokenFirstBytes.contains(UInt8(b)) {
                actions[b] = .general
            } else if options.cleanText && f.contains(.removed) {
                actions[b] = .removed
            } else if (options.cleanText && f.contains(.toSpace)) || f.contains(.whitespace) {
                actions[b] = .boundary
            } else if f.contains(.punctuation) {
                actions[b] = .isolated
            }
        }
        self.actions = actions
        self.mapped = mapped
    }

    /// Writes the ids of `text` (no special tokens) to `ids`, which must have room for
    /// `text.count` ids (every token spans at least one byte); returns how many, or nil when the
    /// text needs the general path (nothing written then counts).
    func encode(_ text: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutablePointer<Int32>) -> Int? {
        let n = text.count
        guard n > 0, let p = text.baseAddress else { return 0 }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { wordBuffer -> Int? in
            let word = wordBuffer.baseAddress!
            let table = BertCharacterClass.shared.flags
            let removed = BertCharacterFlags.removed.rawValue, toSpace = BertCharacterFlags.toSpace.rawValue
            let whitespace = BertCharacterFlags.whitespace.rawValue, punctuation = BertCharacterFlags.punctuation.rawValue
            let chineseFlag = BertCharacterFlags.chinese.rawValue
            // Scalars that lowercasing or accent stripping would change.
            var changed: UInt8 = 0
            if lower { changed |= BertCharacterFlags.hasLowercase.rawValue }
            if strip { changed |= BertCharacterFlags.hasDecomposition.rawValue | BertCharacterFlags.nonspacingMark.rawValue }
            let identity = !lower && !strip
            return actions.withUnsafeBufferPointer { actions -> Int? in
                mapped.withUnsafeBufferPointer { mapped -> Int? in
                    var count = 0      // ids written
                    var length = 0     // bytes of the current word
                    var characters = 0 // scalars of the current word
                    var i = 0
                    while i < n {
                        let b0 = p[i]
                        if b0 < 0x80 {
                            // ASCII runs stay in this inner loop.
                            switch actions[Int(b0)] {
                            case .word:
                                word[length] = mapped[Int(b0)]
                                length += 1
                                characters += 1
                            case .boundary:
                                if length > 0 {
                                    guard let c = emit(word, length, characters, ids, count) else { return nil }
                                    count = c
                                    length = 0
                                    characters = 0
                                }
                            case .isolated:
                                if length > 0 {
                                    guard let c = emit(word, length, characters, ids, count) else { return nil }
                                    count = c
                                }
                                word[0] = b0
                                guard let c = emit(word, 1, 1, ids, count) else { return nil }
                                count = c
                                length = 0
                                characters = 0
                            case .removed:
                                break
                            case .general:
                                return nil
                            }
                            i += 1
                            continue
                        }
                        let start = i
                        let s: UInt32
                        if b0 &- 0xEA < 4, i + 2 < n {
                            // Precomposed Hangul syllables (U+AC00...U+D7A3) are EA B0 80 ... ED 9E A3:
                            // word characters that no setting but accent stripping changes.
                            let b1 = p[i + 1], b2 = p[i + 2]
                            let v = UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
                            if !strip, b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, BertCharacterClass.isHangulSyllable(v) {
                                word[length] = b0
                                word[length + 1] = b1
                                word[length + 2] = b2
                                length += 3
                                characters += 1
                                i += 3
                                continue
                            }
                        }
                        guard let decoded = NormalizedText.decode(p, &i, n) else { return nil }
                        s = decoded
                        let f = table[Int(s)]
                        if clean, f & removed != 0 { continue }
                        if (clean && f & toSpace != 0) || f & whitespace != 0 {
                            if length > 0 {
                                guard let c = emit(word, length, characters, ids, count) else { return nil }
                                count = c
                                length = 0
                                characters = 0
                            }
                            continue
                        }
                        if !identity {
                            // Lowercasing and stripping leave these alone: no mapping, no
                            // decomposition, and (for stripping) combining class 0, which every
                            // scalar below U+0300 and in General Punctuation has.
                            if f & changed != 0 { return nil }
                            if strip, !(s < 0x300 || (0x2000...0x206F).contains(s)) { return nil }
                        }
                        if f & punctuation != 0 || (chinese && f & chineseFlag != 0) {
                            if length > 0 {
                                guard let c = emit(word, length, characters, ids, count) else { return nil }
                                count = c
                            }
                            for k in 0..<(i - start) { word[k] = p[start + k] }
                            guard let c = emit(word, i - start, 1, ids, count) else { return nil }
                            count = c
                            length = 0
                            characters = 0
                            continue
                        }
                        for k in start..<i {
                            word[length] = p[k]
                            length += 1
                        }
                        characters += 1
                    }
                    if length > 0 {
                        guard let c = emit(word, length, characters, ids, count) else { return nil }
                        count = c
                    }
                    return count
                }
            }
        }
    }

    /// WordPiece of one normalized word (`length` bytes, `characters` scalars) at `ids[count...]`:
    /// greedy longest match first (one linear walk, ``WordPieceTrie/matchWord(_:into:)``),
    /// `[UNK]` alone when some position matches nothing or the word
    /// is longer than the limit, as HF. Returns the new count, or nil when `[UNK]` is needed but
    /// missing (the general path reports that).
    @inline(__always)
    private func emit(_ word: UnsafeMutablePointer<UInt8>, _ length: Int, _ characters: Int,
                      _ ids: UnsafeMutablePointer<Int32>, _ count: Int) -> Int? {
        if characters <= maxCharacters,
           let produced = trie.matchWord(UnsafeBufferPointer(start: word, count: length), into: ids + count) {
            return count + produced
        }
        guard unknown >= 0 else { return nil }
        ids[count] = unknown
        return count + 1
    }
}
