import CICU

/// ICU general categories (UCharCategory values) of code points, with a table for the BMP.
enum UnicodeCategory {
    static let control: UInt8 = 15, format: UInt8 = 16, privateUse: UInt8 = 17
    static let decimalNumber: UInt8 = 9
    /// Pd Ps Pe Pc Po Pi Pf.
    static let punctuation: Set<UInt8> = [19, 20, 21, 22, 23, 28, 29]
    /// Sm Sc Sk So.
    static let symbols: Set<UInt8> = [24, 25, 26, 27]

    /// `table[c]` is the category of BMP code point `c`.
    static let bmpTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        table.withUnsafeMutableBufferPointer { jikji_fill_bmp_categories($0.baseAddress!) }
        return table
    }()

    static func of(_ scalar: UInt32) -> UInt8 {
        scalar < 0x10000 ? bmpTable[Int(scalar)] : UInt8(truncatingIfNeeded: jikji_char_category(scalar))
    }
}

/// Whitespace as Python's `str.isspace` sees it (Zs, Zl, Zp and the whitespace controls), so
/// collapsing matches `" ".join(s.split())`. U+0000 is never whitespace: it separates segments.
@inline(__always)
func isWhitespace(_ unit: UInt16) -> Bool {
    // Fast path: Hangul, CJK and printable ASCII are never whitespace.
    if unit > 0x3000 || (unit > 0x20 && unit < 0x85) { return false }
    switch unit {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// Loops over UTF-16 buffers whose segments are separated by U+0000. Each reads `source`, writes
/// into `dest` (which has room for `source.count` units: none of these grows the text) and
/// returns the length written.
enum CharacterSteps {
    /// Turns every run of whitespace into one space and trims both ends of every segment. The
    /// space comes from the whole run it replaces.
    static func collapseWhitespace<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                                   _ origins: O) -> Int {
        var out = 0
        var pendingSpace = false   // whitespace seen after some text in this segment
        var runStart = 0           // where that whitespace began
        var atSegmentStart = true
        for (i, unit) in source.enumerated() {
            if unit == 0 {
                dest[out] = 0
                origins.same(out, i)
                out += 1
                pendingSpace = false
                atSegmentStart = true
            } else if isWhitespace(unit) {
                if !atSegmentStart && !pendingSpace { pendingSpace = true; runStart = i }
            } else {
                if pendingSpace {
                    dest[out] = 0x20
                    origins.record(out, 1, from: runStart, to: i)
                    out += 1
                    pendingSpace = false
                }
                dest[out] = unit
                origins.same(out, i)
                out += 1
                atSegmentStart = false
            }
        }
        return out
    }

    /// Calls `decide` for every code point of `source` (never for the U+0000 separators) and
    /// writes the code point, a space, or nothing, as it says.
    /// A space comes from the code point it replaces.
    @inline(__always)
    static func mapCodePoints<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                              _ origins: O, _ decide: (UInt32) -> CodePointAction) -> Int {
        let n = source.count
        var out = 0, i = 0
        while i < n {
            let unit = source[i]
            var scalar = UInt32(unit), width = 1
            if (unit & 0xFC00) == 0xD800, i + 1 < n, (source[i + 1] & 0xFC00) == 0xDC00 {
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(source[i + 1]) - 0xDC00)
                width = 2
            }
            if unit == 0 {
                dest[out] = 0
                origins.same(out, i)
                out += 1
            } else {
                switch decide(scalar) {
                case .keep:
                    dest[out] = unit
                    origins.same(out, i)
                    if width == 2 { dest[out + 1] = source[i + 1]; origins.same(out + 1, i + 1) }
                    out += width
                case .space:
                    dest[out] = 0x20
                    origins.record(out, 1, from: i, to: i + width)
                    out += 1
                case .remove:
                    break
                }
            }
            i += width
        }
        return out
    }

    enum CodePointAction { case keep, space, remove }

    /// Removes control (Cc), format (Cf) and private-use (Co) characters; whitespace controls
    /// (tab, CR, LF, …) become spaces so that words they separated stay apart.
    static func stripControl<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                             _ origins: O) -> Int {
        UnicodeCategory.bmpTable.withUnsafeBufferPointer { table in
            mapCodePoints(source, into: dest, origins) { scalar in
                let category = scalar < 0x10000 ? table[Int(scalar)] : UnicodeCategory.of(scalar)
                switch category {
                case UnicodeCategory.control:
                    return isWhitespace(UInt16(scalar)) ? .space : .remove
                case UnicodeCategory.format, UnicodeCategory.privateUse:
                    return .remove
                default:
                    return .keep
                }
            }
        }
    }

    /// Turns punctuation (and, with `symbols`, symbols) into spaces, except the code points in `keep`.
    static func punctuationToSpace<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                                   keep: Set<UInt32>, symbols: Bool, _ origins: O) -> Int {
        UnicodeCategory.bmpTable.withUnsafeBufferPointer { table in
            mapCodePoints(source, into: dest, origins) { scalar in
                let category = scalar < 0x10000 ? table[Int(scalar)] : UnicodeCategory.of(scalar)
                let hit = UnicodeCategory.punctuation.contains(category)
                    || (symbols && UnicodeCategory.symbols.contains(category))
                return hit && !keep.contains(scalar) ? .space : .keep
            }
        }
    }

    /// Keeps Hangul (syllables and every kind of jamo), whitespace and, when asked, Latin letters,
    /// decimal digits and the code points in `keep`; everything else becomes a space.
    static func hangulOnly<O: UnitOrigins>(_ source: UnsafeBufferPointer<UInt16>, into dest: UnsafeMutablePointer<UInt16>,
                                           latin: Bool, digits: Bool, keep: Set<UInt32>, _ origins: O) -> Int {
        UnicodeCategory.bmpTable.withUnsafeBufferPointer { table in
            mapCodePoints(source, into: dest, origins) { scalar in
                if isHangul(scalar) || (scalar < 0x10000 && isWhitespace(UInt16(scalar))) { return .keep }
                if latin && isLatinLetter(scalar) { return .keep }
                if digits && scalar < 0x10000 && table[Int(scalar)] == UnicodeCategory.decimalNumber { return .keep }
                if digits && scalar >= 0x10000 && UnicodeCategory.of(scalar) == UnicodeCategory.decimalNumber { return .keep }
                return keep.contains(scalar) ? .keep : .space
            }
        }
    }

    @inline(__always)
    static func isHangul(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0xAC00...0xD7A3, 0x1100...0x11FF, 0x3131...0x318E, 0xA960...0xA97C, 0xD7B0...0xD7FB, 0xFFA0...0xFFDC:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isLatinLetter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
            return true
        default:
            return false
        }
    }
}
