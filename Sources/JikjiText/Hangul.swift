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
    public static func decompose(_ text: String) -> String { transform(text, growth: 3, decompose) }

    /// Joins conjoining jamo sequences (leading + vowel [+ trailing]) into syllables.
    public static func compose(_ text: String) -> String { transform(text, growth: 1, compose) }

    /// Replaces compatibility jamo (ㅋ U+314B) by conjoining jamo (U+110F).
    public static func toConjoining(_ text: String) -> String { transform(text, growth: 1, toConjoining) }

    /// Replaces conjoining jamo by compatibility jamo (leading and trailing ㄱ both become ㄱ U+3131).
    public static func toCompatibility(_ text: String) -> String { transform(text, growth: 1, toCompatibility) }

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

    /// Decomposes syllables of `source` into `dest` (room for 3 × `source.count`); returns the length.
    static func decompose(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>) -> Int {
        var out = 0
        for unit in source {
            let index = unit &- syllableBase
            if index < syllableCount {
                dest[out] = leadBase + index / (vowelCount * trailCount)
                dest[out + 1] = vowelBase + (index % (vowelCount * trailCount)) / trailCount
                out += 2
                let trail = index % trailCount
                if trail != 0 { dest[out] = trailBase + trail; out += 1 }
            } else {
                dest[out] = unit
                out += 1
            }
        }
        return out
    }

    /// Composes leading + vowel (+ trailing) conjoining jamo of `source` into syllables.
    static func compose(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>) -> Int {
        var out = 0, i = 0
        let n = source.count
        while i < n {
            let lead = source[i] &- leadBase
            if lead < leadCount, i + 1 < n {
                let vowel = source[i + 1] &- vowelBase
                if vowel < vowelCount {
                    var syllable = syllableBase + (lead * vowelCount + vowel) * trailCount
                    i += 2
                    if i < n {
                        let trail = source[i] &- trailBase
                        if trail > 0 && trail < trailCount { syllable += trail; i += 1 }
                    }
                    dest[out] = syllable
                    out += 1
                    continue
                }
            }
            dest[out] = source[i]
            out += 1
            i += 1
        }
        return out
    }

    /// Maps compatibility jamo to conjoining jamo, one unit for one unit.
    static func toConjoining(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>) -> Int {
        compatibilityToConjoining.withUnsafeBufferPointer { table in
            for (i, unit) in source.enumerated() {
                let index = Int(unit &- compatibilityRange.lowerBound)
                dest[i] = index < table.count && table[index] != 0 ? table[index] : unit
            }
        }
        return source.count
    }

    /// Maps conjoining jamo to compatibility jamo, one unit for one unit.
    static func toCompatibility(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>) -> Int {
        conjoiningToCompatibility.withUnsafeBufferPointer { table in
            for (i, unit) in source.enumerated() {
                let index = Int(unit &- 0x1100)
                dest[i] = index < 0x100 && table[index] != 0 ? table[index] : unit
            }
        }
        return source.count
    }
}
