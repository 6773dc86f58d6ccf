/// Finds added tokens (special or not) in UTF-8 text as HF's added vocabulary does: leftmost-
/// longest, non-overlapping, then `single_word`, `lstrip` and `rstrip` applied to each match.
///
/// One matcher holds the tokens with `normalized: false` (searched in the raw text); another
/// the normalized forms of those with `normalized: true` (searched in each normalized piece).
struct SpecialTokenMatcher: Sendable {
    /// An added token: its bytes, id and flags.
    struct Entry: Sendable {
        var bytes: [UInt8]
        var id: Int32
        var singleWord = false
        var lstrip = false
        var rstrip = false
    }

    /// One match: bytes `start..<stop` (stripped whitespace included) are token `id`.
    struct Match: Sendable {
        var start: Int
        var stop: Int
        var id: Int32
    }

    /// Tokens by first byte, longest first.
    private let byFirstByte: [[Entry]]
    /// Whether a byte starts some token.
    private let starts: [Bool]
    /// Whether any token has a flag that needs the text around a match.
    private let hasFlags: Bool
    /// Whether there is no token at all (stored: it is asked once per encoded text).
    let isEmpty: Bool

    /// The special tokens of `vocabulary`, matched verbatim (HF's `normalized: false`) without flags.
    init(vocabulary: WordPieceVocabulary) {
        self.init(entries: vocabulary.specialTokens.compactMap { token in
            vocabulary.id(for: token).map { Entry(bytes: Array(token.utf8), id: Int32($0)) }
        })
    }

    /// A matcher of `entries` (the first of two entries with the same bytes wins, as in HF).
    init(entries: [Entry]) {
        var table = [[Entry]](repeating: [], count: 256)
        for entry in entries {
            guard let first = entry.bytes.first,
                  !table[Int(first)].contains(where: { $0.bytes == entry.bytes }) else { continue }
            table[Int(first)].append(entry)
        }
        // Stable: equal lengths keep their order.
        for i in table.indices {
            table[i] = table[i].enumerated().sorted {
                $0.element.bytes.count != $1.element.bytes.count ? $0.element.bytes.count > $1.element.bytes.count : $0.offset < $1.offset
            }.map(\.element)
        }
        byFirstByte = table
        starts = table.map { !$0.isEmpty }
        hasFlags = entries.contains { $0.singleWord || $0.lstrip || $0.rstrip }
        isEmpty = !starts.contains(true)
    }

    /// The longest token starting at byte `i`, as its index in `byFirstByte[bytes[i]]`.
    @inline(__always)
    private func longest(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let bucket = byFirstByte[Int(bytes[i])]
        for (index, entry) in bucket.enumerated() where i + entry.bytes.count <= bytes.count {
            var equal = true
            for k in 1..<entry.bytes.count where bytes[i + k] != entry.bytes[k] {
                equal = false
                break
            }
            if equal { return index }
        }
        return nil
    }

    /// HF's `find_matches` over `bytes` (one piece of text): every kept match, in order.
    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> [Match] {
        var out: [Match] = []
        var i = 0
        var previousStop = 0
        while i < bytes.count {
            // Most bytes start no token: one table load decides.
            guard starts[Int(bytes[i])], let index = longest(bytes, at: i) else {
                i += 1
                continue
            }
            let entry = byFirstByte[Int(bytes[i])][index]
            var start = i, stop = i + entry.bytes.count
            // The search goes on after this match whether or not it is kept (non-overlapping).
            i = stop
            if hasFlags {
                if entry.singleWord {
                    let before = start == 0 ? nil : Self.scalar(endingAt: start, in: bytes)
                    let after = stop == bytes.count ? nil : Self.scalar(startingAt: stop, in: bytes)
                    if before.map(Self.isWordCharacter) == true || after.map(Self.isWordCharacter) == true { continue }
                }
                if entry.lstrip {
                    var s = start
                    while s > 0, let scalar = Self.scalar(endingAt: s, in: bytes), scalar.properties.isWhitespace {
                        s -= scalar.utf8Length
                    }
                    start = max(s, previousStop)
                }
                if entry.rstrip {
                    while stop < bytes.count, let scalar = Self.scalar(startingAt: stop, in: bytes), scalar.properties.isWhitespace {
                        stop += scalar.utf8Length
                    }
                    i = stop
                }
            }
            out.append(Match(start: start, stop: stop, id: entry.id))
            previousStop = stop
        }
        return out
    }

    /// Regex `\w` (Unicode): alphabetic, marks, decimal digits, connector punctuation, join controls.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let p = scalar.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// The scalar whose UTF-8 starts at byte `i` (valid UTF-8 assumed).
    static func scalar(startingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        var end = i + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self).unicodeScalars.first
    }

    /// The scalar whose UTF-8 ends just before byte `i`.
    static func scalar(endingAt i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        var start = i - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return scalar(startingAt: start, in: bytes)
    }
}

extension Unicode.Scalar {
    /// Bytes of this scalar in UTF-8.
    var utf8Length: Int {
        switch value {
        case 0..<0x80: return 1
        case 0x80..<0x800: return 2
        case 0x800..<0x10000: return 3
        default: return 4
        }
    }
}

/// Number of Unicode scalars in UTF-8 `bytes` (bytes that do not continue a sequence).
@inline(__always)
func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var n = 0
    for b in bytes where b & 0xC0 != 0x80 { n += 1 }
    return n
}
