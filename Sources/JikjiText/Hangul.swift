/// Hangul syllables and jamo: syllable ↔ conjoining jamo (U+1100…), and compatibility jamo
/// (U+3131…, what people type as ㅋㅋ) ↔ conjoining jamo.
///
/// ``decompose(_:)`` then ``compose(_:)`` gives back the original text exactly, as long as the
/// text has no conjoining-jamo sequences of its own that spell a syllable (true of every line of
/// the NSMC corpora), so a tokenizer can work at jamo level and map its output back.
public enum HangulJamo {
    static let syllableBase: UInt16 = 0xAC00
    static let syllableCount: UInt16 = 11_172
    static let leadBase: UInt16 = 0x1100, vowelBase: UInt16 = 0x1161, trailBase: UInt16 = 0x11A7
    static let leadCount: UInt16 = 19, vowelCount: UInt16 = 21, trailCount: UInt16 = 28

    /// Compatibility consonants for the 19 leading consonants (U+1100…U+1112), in order.
    static let leadToCompatibility: [UInt16] = [
        0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141, 0x3142, 0x3143, 0x3145,
        0x3146, 0x3147, 0x3148, 0x3149, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E,
    ]
    /// Compatibility consonants for the 27 trailing consonants (U+11A8…U+11C2), in order.
    static let trailToCompatibility: [UInt16] = [
        0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136, 0x3137, 0x3139, 0x313A, 0x313B,
        0x313C, 0x313D, 0x313E, 0x313F, 0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146,
        0x3147, 0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E,
    ]
    /// The compatibility jamo block U+3131…U+318E.
    static let compatibilityRange: ClosedRange<UInt16> = 0x3131...0x318E

    /// Conjoining jamo for each compatibility jamo (index: code point − U+3131; 0: none), taken
    /// from ICU's NFKD so that the mapping is exactly the one NFKC applies: a consonant maps to
    /// its leading form when it has one (ㄱ → U+1100), else its trailing form (ㄳ → U+11AA).
    static let compatibilityToConjoining: [UInt16] = {
        var table = [UInt16](repeating: 0, count: compatibilityRange.count)
        for unit in compatibilityRange {
            let decomposed = Array(NormalizationForm.nfkd.normalize(String(decoding: [unit], as: UTF16.self)).utf16)
            if decomposed.count == 1, (0x1100...0x11FF).contains(decomposed[0]) {
                table[Int(unit - compatibilityRange.lowerBound)] = decomposed[0]
            }
        }
        return table
    }()

    /// Compatibility jamo for each conjoining jamo U+1100…U+11FF (0: none): the inverse of
    /// ``compatibilityToConjoining``, plus the modern trailing consonants (ᆨ → ㄱ).
    static let conjoiningToCompatibility: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 0x100)
        for (index, compat) in trailToCompatibility.enumerated() { table[0xA8 + index] = compat }
        for (offset, conjoining) in compatibilityToConjoining.enumerated() where conjoining != 0 {
            table[Int(conjoining - 0x1100)] = compatibilityRange.lowerBound + UInt16(offset)
        }
        return table
    }()

    // MARK: String API

    /// Splits every precomposed syllable into conjoining jamo: "한" → "ᄒ" "ᅡ" "ᆫ".
    public static func decompose(_ text: String) -> String { transform(text, growth: 3) { decompose($0, into: $1, NoOrigins()) } }

    /// Joins conjoining jamo sequences (leading + vowel [+ trailing]) into syllables.
    public static func compose(_ text: String) -> String { transform(text, growth: 1) { compose($0, into: $1, NoOrigins()) } }

    /// Replaces compatibility jamo (ㅋ U+314B) by conjoining jamo (U+110F).
    public static func toConjoining(_ text: String) -> String {
        transform(text, growth: 1) { toConjoining($0, into: $1, NoOrigins()) }
    }

    /// Replaces conjoining jamo by compatibility jamo (leading and trailing ㄱ both become ㄱ U+3131).
    public static func toCompatibility(_ text: String) -> String {
        transform(text, growth: 1) { toCompatibility($0, into: $1, NoOrigins()) }
    }

    private static func transform(_ text: String, growth: Int,
                                  _ body: (UnsafeBufferPointer<UInt16>, UnsafeMutablePointer<UInt16>) -> Int) -> String {
        let source = Array(text.utf16)
        var output = [UInt16](repeating: 0, count: source.count * growth + 1)
        let count = source.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { body(src, $0.baseAddress!) }
        }
        return String(decoding: output[0..<count], as: UTF16.self)
    }

    // MARK: Buffer API (UTF-16 code units; Hangul is all in the BMP, so surrogates pass through)

    /// Decomposes syllables of `source` into `dest` (room for 3 × `source.count`); returns the
    /// length. Every jamo of a syllable comes from the syllable.
    static func decompose<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                          _ origins: O) -> Int {
        var out = 0
        for (i, unit) in source.enumerated() {
            let index = unit &- syllableBase
            if index < syllableCount {
                dest[out] = leadBase + index / (vowelCount * trailCount)
                dest[out + 1] = vowelBase + (index % (vowelCount * trailCount)) / trailCount
                let trail = index % trailCount
                if trail != 0 { dest[out + 2] = trailBase + trail }
                let width = trail != 0 ? 3 : 2
                origins.record(out, width, from: i, to: i + 1)
                out += width
            } else {
                dest[out] = unit
                origins.same(out, i)
                out += 1
            }
        }
        return out
    }

    /// Composes leading + vowel (+ trailing) conjoining jamo of `source` into syllables; a
    /// syllable comes from its two or three jamo.
    static func compose<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                        _ origins: O) -> Int {
        var out = 0, i = 0
        let n = source.count
        while i < n {
            let lead = source[i] &- leadBase
            if lead < leadCount, i + 1 < n {
                let vowel = source[i + 1] &- vowelBase
                if vowel < vowelCount {
                    var syllable = syllableBase + (lead * vowelCount + vowel) * trailCount
                    let start = i
                    i += 2
                    if i < n {
                        let trail = source[i] &- trailBase
                        if trail > 0 && trail < trailCount { syllable += trail; i += 1 }
                    }
                    dest[out] = syllable
                    origins.record(out, 1, from: start, to: i)
                    out += 1
                    continue
                }
            }
            dest[out] = source[i]
            origins.same(out, i)
            out += 1
            i += 1
        }
        return out
    }

    /// Maps compatibility jamo to conjoining jamo, one unit for one unit.
    static func toConjoining<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                             _ origins: O) -> Int {
        compatibilityToConjoining.withUnsafeBufferPointer { table in
            for (i, unit) in source.enumerated() {
                let index = Int(unit &- compatibilityRange.lowerBound)
                dest[i] = index < table.count && table[index] != 0 ? table[index] : unit
                origins.same(i, i)
            }
        }
        return source.count
    }

    /// Maps conjoining jamo to compatibility jamo, one unit for one unit.
    static func toCompatibility<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                                _ origins: O) -> Int {
        conjoiningToCompatibility.withUnsafeBufferPointer { table in
            for (i, unit) in source.enumerated() {
                let index = Int(unit &- 0x1100)
                dest[i] = index < 0x100 && table[index] != 0 ? table[index] : unit
                origins.same(i, i)
            }
        }
        return source.count
    }

    // MARK: Syllable blocks

    /// The end of the segment of `base[start..<n]` (the index of its first U+0000, or `n`), and
    /// whether the segment has a vowel or a trailing consonant in conjoining jamo (U+1160…U+11FF,
    /// U+D7B0…U+D7FB): without one it cannot hold a syllable written in jamo
    /// (``containsJamoSyllable(_:)``). Sixteen units at a time: every line a repeat-limit step
    /// cleans goes through here, and almost none has such a unit.
    @inline(__always)
    static func segment(_ base: UnsafePointer<UInt16>, from start: Int, to n: Int) -> (end: Int, mayHoldSyllable: Bool) {
        var i = start
        var jamo = false
        let raw = UnsafeRawPointer(base)
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            if any(v .== SIMD16<UInt16>(repeating: 0)) { break }
            let vowelOrTrailing = (v &- SIMD16<UInt16>(repeating: 0x1160)) .< SIMD16<UInt16>(repeating: 0xA0)
            let extended = (v &- SIMD16<UInt16>(repeating: 0xD7B0)) .< SIMD16<UInt16>(repeating: 0x4C)
            if any(vowelOrTrailing .| extended) { jamo = true }
            i += 16
        }
        while i < n && base[i] != 0 {
            let unit = base[i]
            if (unit &- 0x1160) < 0xA0 || (unit &- 0xD7B0) < 0x4C { jamo = true }
            i += 1
        }
        return (i, jamo)
    }

    /// Whether `source` has a syllable written in conjoining jamo (``syllableEnd(_:_:_:)``):
    /// a leading consonant followed by a vowel, or a syllable without a final followed by a
    /// trailing consonant. Lone jamo (NFKC turns ㅋㅋ ㅠㅠ into them) make none.
    static func containsJamoSyllable(_ source: UnsafeBufferPointer<UInt16>) -> Bool {
        var previous: UInt16 = 0
        for unit in source {
            if isVowel(unit) {
                if isLeading(previous) { return true }
            } else if isTrailing(unit) {
                if (previous &- syllableBase) < syllableCount && (previous - syllableBase) % trailCount == 0 { return true }
            }
            previous = unit
        }
        return false
    }

    /// The end of the syllable written in conjoining jamo that starts at `i` (before `limit`):
    /// a leading consonant, a vowel and an optional trailing consonant (ᄀ ᅡ ᆨ), or a
    /// precomposed syllable without a final and a trailing consonant (가 ᆨ); nil when none starts there.
    @inline(__always)
    static func syllableEnd(_ base: UnsafePointer<UInt16>, _ i: Int, _ limit: Int) -> Int? {
        guard i + 1 < limit else { return nil }
        // The second unit decides first: it is rarely a vowel or trailing jamo.
        let next = base[i + 1]
        if isVowel(next) {
            guard isLeading(base[i]) else { return nil }
            return i + 2 < limit && isTrailing(base[i + 2]) ? i + 3 : i + 2
        }
        if isTrailing(next) {
            let unit = base[i]
            if (unit &- syllableBase) < syllableCount && (unit - syllableBase) % trailCount == 0 { return i + 2 }
        }
        return nil
    }

    @inline(__always) static func isLeading(_ unit: UInt16) -> Bool { (unit &- 0x1100) < 0x60 || (unit &- 0xA960) < 0x1D }
    @inline(__always) static func isVowel(_ unit: UInt16) -> Bool { (unit &- 0x1160) < 0x48 || (unit &- 0xD7B0) < 0x17 }
    @inline(__always) static func isTrailing(_ unit: UInt16) -> Bool { (unit &- 0x11A8) < 0x58 || (unit &- 0xD7CB) < 0x31 }

    // MARK: Compatibility jamo under NFKC

    /// Whether `unit` is a compatibility jamo (U+3131…U+318E) or a halfwidth one (U+FFA0…U+FFDC).
    @inline(__always)
    static func isCompatibilityOrHalfwidth(_ unit: UInt16) -> Bool {
        (unit &- 0x3131) < 0x5E || (unit &- 0xFFA0) < 0x3D
    }

    /// The compatibility jamo of each halfwidth jamo U+FFA0…U+FFDC (index: code point − U+FFA0;
    /// 0: not a letter): the one NFKC maps to the same conjoining jamo, which is the character
    /// Unicode gives as its `<narrow>` decomposition (ﾻ U+FFBB → ㅋ U+314B).
    static let halfwidthToCompatibility: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 0x3D)
        for offset in 0..<table.count {
            let decomposed = Array(NormalizationForm.nfkd.normalize(String(decoding: [0xFFA0 + UInt16(offset)], as: UTF16.self)).utf16)
            guard decomposed.count == 1, (0x1100...0x11FF).contains(decomposed[0]) else { continue }
            // The compatibility jamo with that same conjoining form.
            if let compat = compatibilityToConjoining.firstIndex(of: decomposed[0]) {
                table[offset] = compatibilityRange.lowerBound + UInt16(compat)
            }
        }
        return table
    }()
}
