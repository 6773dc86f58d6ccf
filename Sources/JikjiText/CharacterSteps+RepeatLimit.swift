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
}

/// Code points: exact for text without conjoining jamo, where no two code points join.
enum CodePointCharacters: RepeatCharacters {
    @inline(__always)
    static func end(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int {
        (base[i] & 0xFC00) == 0xD800 && i + 1 < limit ? i + 2 : i + 1
    }

    @inline(__always)
    static func endsAt(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int, after start: Int) -> Bool { true }
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
            // Only syllables of conjoining jamo join code points into one character: text without
            // any (all of NSMC, also after NFKC) takes the code-point loop, with no joining test.
            HangulJamo.containsJamoSyllable(source)
                ? repeatLimit(source, into: dest, limit: limit, unit: maxUnit, digits: digits, table: table,
                              characters: HangulSyllableCharacters.self, origins)
                : repeatLimit(source, into: dest, limit: limit, unit: maxUnit, digits: digits, table: table,
                              characters: CodePointCharacters.self, origins)
        }
    }

    private static func repeatLimit<C: RepeatCharacters, O: UnitOrigins>(
        _ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
        limit: Int, unit maxUnit: Int, digits: Bool, table: UnsafeBufferPointer<UInt8>,
        characters: C.Type, _ origins: O
    ) -> Int {
        let n = source.count
        guard let base = source.baseAddress else { return 0 }
        var out = 0, i = 0
        // The end of the current segment (index of the next U+0000 or n).
        var segmentEnd = 0
        while i < n {
            if i >= segmentEnd {
                segmentEnd = i
                while segmentEnd < n && base[segmentEnd] != 0 { segmentEnd += 1 }
                if i == segmentEnd { dest[out] = 0; origins.same(out, i); out += 1; i += 1; continue }
            }
            // Fast path: a unit of u characters repeats only if the unit after its end equals
            // base[i]; with no such match and no surrogate within reach, nothing can start here.
            let first = base[i]
            if (first & 0xF800) != 0xD800 {
                var candidate = false
                var e = i
                for _ in 0..<maxUnit {
                    e = C.end(base, e, segmentEnd)
                    guard e < segmentEnd else { break }
                    let unit = base[e]
                    if unit == first || (unit & 0xF800) == 0xD800 { candidate = true; break }
                }
                if !candidate {
                    let end = C.end(base, i, segmentEnd)
                    for k in i..<end { dest[out] = base[k]; origins.same(out, k); out += 1 }
                    i = end
                    continue
                }
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
