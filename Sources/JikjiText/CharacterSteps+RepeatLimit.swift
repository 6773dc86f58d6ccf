/// What `repeat-limit` counts as one character: a code point, except that a Hangul syllable
/// written in conjoining jamo — a leading consonant, a vowel and an optional trailing consonant
/// (ᄀ ᅡ ᆨ), or a precomposed syllable and a trailing consonant (가 ᆨ) — is one character.
/// Without that, after `hangul-to-jamo` the 가 of 각 would count as a repeat of 가 and 가가가각
/// would become 가각. Lone jamo (ᄏ ᄏ ᄏ, as NFKC leaves ㅋㅋㅋ) stay one character each.
protocol RepeatCharacters {
    /// The end of the character that starts at `i` (`i < limit`).
    static func end(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int
    /// Whether a character ends at `i` (`0 < i ≤ limit`), given that one starts at `start ≤ i - 1`.
    static func endsAt(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, after start: Int) -> Bool
    /// Whether a run of some unit of 1…`maxUnit` characters may start at `i`, whose unit
    /// `first` is not a surrogate (`i < limit`): false only when the unit after each of those
    /// lengths differs from `first` and is no surrogate. The test of every position, so each
    /// kind gives its cheapest form.
    static func mayRepeat(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, first: UInt16, maxUnit: Int) -> Bool
    /// ``end(_:_:_:)`` of a character whose first unit is known not to be a surrogate.
    static func endOfNonSurrogate(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int
}

/// Code points: exact for text without conjoining jamo, where no two code points join.
enum CodePointCharacters: RepeatCharacters {
    @inline(__always)
    static func end(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int {
        (base[i] & 0xFC00) == 0xD800 && i + 1 < limit ? i + 2 : i + 1
    }

    @inline(__always)
    static func endsAt(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, after start: Int) -> Bool { true }

    @inline(__always)
    static func mayRepeat(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, first: UInt16, maxUnit: Int) -> Bool {
        // Up to the first surrogate every character is one unit: the unit after a unit of u
        // characters is base[i + u].
        let reach = min(maxUnit, limit - i - 1)
        var k = 1
        while k <= reach {
            let unit = base[i + k]
            if unit == first || (unit & 0xF800) == 0xD800 { return true }
            k += 1
        }
        return false
    }

    @inline(__always)
    static func endOfNonSurrogate(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int { i + 1 }
}

/// Code points, with syllables of conjoining jamo joined.
enum HangulSyllableCharacters: RepeatCharacters {
    @inline(__always)
    static func end(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int {
        HangulJamo.syllableEnd(base, i, limit) ?? CodePointCharacters.end(base, i, limit)
    }

    @inline(__always)
    static func endsAt(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, after start: Int) -> Bool {
        guard i < limit else { return true }
        // Walk the characters from the known start (at most a unit's length away).
        var k = start
        while k < i { k = end(base, k, limit) }
        return k == i
    }

    @inline(__always)
    static func mayRepeat(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, first: UInt16, maxUnit: Int) -> Bool {
        var e = i
        for _ in 0..<maxUnit {
            e = end(base, e, limit)
            guard e < limit else { return false }
            let unit = base[e]
            if unit == first || (unit & 0xF800) == 0xD800 { return true }
        }
        return false
    }

    @inline(__always)
    static func endOfNonSurrogate(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int {
        HangulJamo.syllableEnd(base, i, limit) ?? i + 1
    }
}

extension CharacterSteps {
    /// Limits every run of a repeated unit (1…`unit` characters) to `limit` repetitions:
    /// ㅋㅋㅋㅋ → ㅋㅋ, 하하하하 → 하하, ^^^^ → ^^. Exactly what the regex
    /// `(.{1,unit}?)\1{limit,}` → `\1` × `limit` does (with `[^\d]` for `.` unless `digits`, so
    /// that 5000 stays 5000): at each position the shortest repeating unit wins, and text before
    /// a run (안 in 안ㅋㅋㅋ) is never part of it. A character is a code point, or a whole syllable
    /// of conjoining jamo (``HangulSyllableCharacters``); the kept repetitions are the
    /// first `limit` of the run, each unit from itself.
    static func repeatLimit<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                            limit: Int, unit maxUnit: Int, digits: Bool, _ origins: O) -> Int {
        UnicodeCategory.bmpTable.withUnsafeBufferPointer { table in
            let n = source.count
            guard let base = source.baseAddress else { return 0 }
            var out = 0, start = 0
            // Segment by segment (U+0000 separates the lines of a batch), each its own loop:
            // only syllables of conjoining jamo join code points into one character, and a line
            // without any (almost every line, also after NFKC) takes the code-point loop, with no
            // joining test.
            while start < n {
                let (end, mayHoldSyllable) = HangulJamo.segment(base, from: start, to: n)
                out = mayHoldSyllable && HangulJamo.containsJamoSyllable(UnsafeBufferPointer(rebasing: source[start..<end]))
                    ? repeatLimit(base, start, end, into: dest, at: out, limit: limit, unit: maxUnit, digits: digits,
                                  table: table, characters: HangulSyllableCharacters.self, origins)
                    : repeatLimit(base, start, end, into: dest, at: out, limit: limit, unit: maxUnit, digits: digits,
                                  table: table, characters: CodePointCharacters.self, origins)
                if end < n { dest[out] = 0; origins.same(out, end); out += 1 }
                start = end + 1
            }
            return out
        }
    }

    /// One segment `base[segmentStart..<segmentEnd]` (no U+0000 in it), written from `dest[start]`; returns
    /// the new end of `dest`.
    private static func repeatLimit<C: RepeatCharacters, O: UnitOrigins>(
        _ base: UnsafePointer<UInt16>, _ segmentStart: Int, _ segmentEnd: Int,
        into dest: UnsafeMutablePointer<UInt16>, at start: Int,
        limit: Int, unit maxUnit: Int, digits: Bool, table: UnsafeBufferPointer<UInt8>,
        characters: C.Type, _ origins: O
    ) -> Int {
        var out = start, i = segmentStart
        while i < segmentEnd {
            // Fast path: a unit of u characters repeats only if the unit after its end equals
            // base[i]; with no such match and no surrogate within reach, nothing can start here.
            let first = base[i]
            if (first & 0xF800) != 0xD800
                && !C.mayRepeat(base, i, segmentEnd, first: first, maxUnit: maxUnit) {
                // No run starts here: copy the character (one unit unless syllables join).
                let end = C.endOfNonSurrogate(base, i, segmentEnd)
                dest[out] = first
                origins.same(out, i)
                var k = i + 1
                while k < end { dest[out + k - i] = base[k]; origins.same(out + k - i, k); k += 1 }
                out += end - i
                i = end
                continue
            }
            var matched = false
            var length = 0   // code units of a unit of `u` characters
            for _ in 0..<maxUnit {
                // Extend the candidate unit by one character.
                guard i + length < segmentEnd else { break }
                length = C.end(base, i + length, segmentEnd) - i
                // Count how many times the unit repeats back to back, each copy whole characters.
                var count = 1, j = i + length
                while j + length <= segmentEnd && memcmp16(base + i, base + j, length)
                        && C.endsAt(base, j + length, segmentEnd, after: j) {
                    count += 1
                    j += length
                }
                if count > limit {
                    // A unit with a digit is never limited, and no longer unit (which would
                    // contain the same digit) either. Checked only here, off the common path.
                    if !digits && containsDigit(base + i, length, table: table) { break }
                    for r in 0..<limit {
                        for k in 0..<length { dest[out + k] = base[i + k]; origins.same(out + k, i + r * length + k) }
                        out += length
                    }
                    i = j
                    matched = true
                    break
                }
            }
            if !matched {
                let end = C.end(base, i, segmentEnd)
                for k in i..<end { dest[out] = base[k]; origins.same(out, k); out += 1 }
                i = end
            }
        }
        return out
    }

    /// Whether `units[0..<count]` contains a decimal digit (Nd) code point.
    private static func containsDigit(_ units: UnsafePointer<UInt16>, _ count: Int,
                                      table: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        while k < count {
            let lead = units[k]
            if (lead & 0xFC00) == 0xD800 && k + 1 < count {
                let scalar = 0x10000 + ((UInt32(lead) - 0xD800) << 10) + (UInt32(units[k + 1]) - 0xDC00)
                if UnicodeCategory.of(scalar) == UnicodeCategory.decimalNumber { return true }
                k += 2
            } else {
                if table[Int(lead)] == UnicodeCategory.decimalNumber { return true }
                k += 1
            }
        }
        return false
    }

    @inline(__always)
    private static func memcmp16(_ a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, _ count: Int) -> Bool {
        if a[0] != b[0] { return false }
        var k = 1
        while k < count { if a[k] != b[k] { return false }; k += 1 }
        return true
    }
}
