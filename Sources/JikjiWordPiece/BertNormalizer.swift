/// The switches of HF's `BertNormalizer`, with its defaults.
///
/// Codable with HF's tokenizer.json key names (`clean_text`, `handle_chinese_chars`,
/// `strip_accents`, `lowercase`); `strip_accents` is written as `null` when it follows `lowercase`.
public struct BertNormalizerOptions: Codable, Equatable, Hashable, Sendable {
    /// Delete control, format and private-use characters (Unicode 8.0 table) and turn
    /// whitespace into U+0020.
    public var cleanText: Bool
    /// Put spaces around CJK ideographs so each becomes its own word.
    public var handleChineseChars: Bool
    /// Decompose (NFD) and delete nonspacing marks. `nil` follows ``lowercase``, as HF does;
    /// note that stripping decomposes Hangul syllables into conjoining jamo.
    public var stripAccents: Bool?
    /// Lowercase every scalar with its full, context-free lowercase mapping.
    public var lowercase: Bool

    /// HF's defaults: everything on, accents follow lowercase (so they are stripped).
    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil,
                lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// The settings Korean vocabularies use (`lowercase=False, strip_accents=False`): Hangul
    /// syllables stay composed.
    public static let korean = BertNormalizerOptions(stripAccents: false, lowercase: false)

    /// The `strip_accents` to store for command-line switches: the explicit choice when one was
    /// made; otherwise HF's `None` (follow lowercasing) when lowercasing, and an explicit `false`
    /// when not (the same effect, recorded as before).
    public static func stripAccents(_ choice: Bool?, lowercase: Bool) -> Bool? {
        choice ?? (lowercase ? nil : false)
    }

    /// Whether accents are stripped once `nil` has been resolved against ``lowercase``.
    public var effectiveStripAccents: Bool { stripAccents ?? lowercase }

    private enum CodingKeys: String, CodingKey {
        case cleanText = "clean_text"
        case handleChineseChars = "handle_chinese_chars"
        case stripAccents = "strip_accents"
        case lowercase
    }

    /// Reads HF's keys; a missing key takes HF's default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cleanText = try c.decodeIfPresent(Bool.self, forKey: .cleanText) ?? true
        handleChineseChars = try c.decodeIfPresent(Bool.self, forKey: .handleChineseChars) ?? true
        stripAccents = try c.decodeIfPresent(Bool.self, forKey: .stripAccents)
        lowercase = try c.decodeIfPresent(Bool.self, forKey: .lowercase) ?? true
    }

    /// Writes HF's keys, with an explicit `null` for a `nil` ``stripAccents``.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cleanText, forKey: .cleanText)
        try c.encode(handleChineseChars, forKey: .handleChineseChars)
        if let stripAccents { try c.encode(stripAccents, forKey: .stripAccents) } else {
            try c.encodeNil(forKey: .stripAccents)
        }
        try c.encode(lowercase, forKey: .lowercase)
    }
}

/// HF's `BertNormalizer`: clean text, space CJK ideographs, strip accents (NFD + delete Mn),
/// lowercase, in that order, with the character tables of tokenizers 0.23.3.
public struct BertNormalizer: Sendable {
    /// The switches.
    public var options: BertNormalizerOptions

    /// A normalizer with the given switches (HF's defaults when omitted).
    public init(options: BertNormalizerOptions = BertNormalizerOptions()) {
        self.options = options
    }

    /// The normalized form of `text`, as HF's `normalize_str` returns it.
    public func normalize(_ text: String) -> String {
        var buffer = NormalizedText()
        var copy = text
        copy.withUTF8 { _ = buffer.normalize(utf8: $0, firstCharacterIndex: 0, options: options) }
        return String(decoding: buffer.utf8, as: UTF8.self)
    }
}

/// The span in the original text of normalized scalars `from..<to`: HF's alignment takes the
/// smallest start and the largest end over the range, which differs from first/last only where
/// canonical reordering moved marks.
@inline(__always)
func originalSpan(_ origins: UnsafeBufferPointer<Int32>, _ from: Int, _ to: Int, monotonic: Bool) -> TokenOffsets {
    if monotonic { return TokenOffsets(origins[from], origins[to - 1] + 1) }
    var low = origins[from], high = origins[from]
    for k in from..<to {
        low = min(low, origins[k])
        high = max(high, origins[k])
    }
    return TokenOffsets(low, high + 1)
}

/// The normalized form of one piece of text, with the alignment back to the original.
///
/// Reused from text to text so that normalizing allocates nothing once the buffers have grown.
struct NormalizedText {
    /// Normalized scalars.
    var scalars: [UInt32] = []
    /// For each normalized scalar, the index (in Unicode scalars, i.e. Python characters) of the
    /// original character it came from.
    var origins: [Int32] = []
    /// The normalized text in UTF-8.
    var utf8: [UInt8] = []
    /// For each normalized scalar, where its UTF-8 starts in ``utf8``; one extra entry at the end.
    var utf8Starts: [Int32] = []
    /// Whether canonical reordering moved a mark, so ``origins`` is not monotonic (spans must
    /// then take the minimum and maximum over their scalars, as HF does).
    var reordered = false
    /// Number of scalars in the original text (valid after ``normalize(utf8:firstCharacterIndex:options:)``).
    var originalCount = 0
    /// Combining marks waiting for canonical reordering (NFD), with their origin and class.
    private var pendingMarks: [(scalar: UInt32, origin: Int32, combiningClass: UInt8, inserted: Bool)] = []
    /// Origin of the last scalar that came out of NFD (before stripping), for marks that a
    /// decomposition inserted.
    private var lastDecomposedOrigin: Int32 = 0

    /// Normalizes UTF-8 `input` whose first character has index `firstCharacterIndex` in the
    /// whole original text. Returns nil, or the byte offset of the first invalid UTF-8 sequence.
    mutating func normalize(utf8 input: UnsafeBufferPointer<UInt8>, firstCharacterIndex: Int,
                            options: BertNormalizerOptions) -> Int? {
        scalars.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
        utf8.removeAll(keepingCapacity: true)
        utf8Starts.removeAll(keepingCapacity: true)
        pendingMarks.removeAll(keepingCapacity: true)
        reordered = false
        guard let base = input.baseAddress else {
            utf8Starts.append(0)
            originalCount = 0
            return nil
        }
        let table = BertCharacterClass.shared
        let clean = options.cleanText, chinese = options.handleChineseChars
        let strip = options.effectiveStripAccents, lower = options.lowercase
        let plainASCII = !lower  // ASCII needs no work unless lowercasing
        var i = 0
        var origin = Int32(firstCharacterIndex)
        let n = input.count
        while i < n {
            let b0 = base[i]
            if b0 < 0x80 {
                // ASCII fast path: only control removal, whitespace and A-Z matter.
                var s = UInt32(b0)
                i += 1
                if clean {
                    let f = table.flags[Int(s)]
                    if f & BertCharacterFlags.removed.rawValue != 0 { origin += 1; continue }
                    if f & BertCharacterFlags.toSpace.rawValue != 0 { s = 0x20 }
                }
                if !plainASCII, s &- 0x41 < 26 { s += 32 }
                if strip {
                    if !pendingMarks.isEmpty { flushMarks(strip: strip, lower: lower) }
                    lastDecomposedOrigin = origin
                }
                appendOutput(s, origin)
                origin += 1
                continue
            }
            guard let s = Self.decode(base, &i, n) else {
                originalCount = Int(origin) - firstCharacterIndex
                return i
            }
            stageClean(s, origin, clean: clean, chinese: chinese, strip: strip, lower: lower, table: table)
            origin += 1
        }
        if !pendingMarks.isEmpty { flushMarks(strip: strip, lower: lower) }
        utf8Starts.append(Int32(utf8.count))
        originalCount = Int(origin) - firstCharacterIndex
        return nil
    }

    /// Decodes one multi-byte UTF-8 sequence at `i` (which it advances); nil when invalid.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) -> UInt32? {
        let b0 = p[i]
        @inline(__always) func cont(_ k: Int) -> UInt32? {
            guard i + k < n else { return nil }
            let b = p[i + k]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let c1 = cont(1) else { return nil }
            i += 2
            return UInt32(b0 & 0x1F) << 6 | c1
        case 0xE0...0xEF:
            guard let c1 = cont(1), let c2 = cont(2) else { return nil }
            let s = UInt32(b0 & 0x0F) << 12 | c1 << 6 | c2
            // Reject overlong forms and UTF-16 surrogates.
            guard s >= 0x800, !(0xD800...0xDFFF).contains(s) else { return nil }
            i += 3
            return s
        case 0xF0...0xF4:
            guard let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return nil }
            let s = UInt32(b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            guard s >= 0x10000, s <= 0x10FFFF else { return nil }
            i += 4
            return s
        default:
            return nil
        }
    }

    /// clean_text and handle_chinese_chars for one original scalar.
    @inline(__always)
    private mutating func stageClean(_ scalar: UInt32, _ origin: Int32, clean: Bool, chinese: Bool,
                                     strip: Bool, lower: Bool, table: BertCharacterClass) {
        var s = scalar
        let f = table.flags[Int(s)]
        if clean {
            if f & BertCharacterFlags.removed.rawValue != 0 { return }
            if f & BertCharacterFlags.toSpace.rawValue != 0 { s = 0x20 }
        }
        if chinese, f & BertCharacterFlags.chinese.rawValue != 0 {
            // The inserted spaces are aligned to the ideograph they surround.
            stageDecompose(0x20, origin, strip: strip, lower: lower, table: table)
            stageDecompose(s, origin, strip: strip, lower: lower, table: table)
            stageDecompose(0x20, origin, strip: strip, lower: lower, table: table)
        } else {
            stageDecompose(s, origin, strip: strip, lower: lower, table: table)
        }
    }

    /// NFD (only when stripping accents): decomposition plus canonical reordering of marks.
    @inline(__always)
    private mutating func stageDecompose(_ s: UInt32, _ origin: Int32, strip: Bool, lower: Bool,
                                         table: BertCharacterClass) {
        guard strip else {
            stageStripLower(s, origin, strip: false, lower: lower, table: table)
            return
        }
        if BertCharacterClass.isHangulSyllable(s) {
            // Unicode's algorithmic decomposition: leading consonant, vowel, optional trailing.
            let index = s - 0xAC00
            if !pendingMarks.isEmpty { flushMarks(strip: strip, lower: lower) }
            lastDecomposedOrigin = origin
            appendOutput(0x1100 + index / 588, origin)
            appendOutput(0x1161 + (index % 588) / 28, origin)
            if index % 28 != 0 { appendOutput(0x11A7 + index % 28, origin) }
            return
        }
        if table.flags[Int(s)] & BertCharacterFlags.hasDecomposition.rawValue != 0,
           let (start, count) = table.decompositions[s] {
            for k in Int(start)..<Int(start + count) {
                reorder(table.decompositionStorage[k], origin, inserted: k > Int(start), strip: strip, lower: lower,
                        table: table)
            }
        } else {
            reorder(s, origin, inserted: false, strip: strip, lower: lower, table: table)
        }
    }

    /// Holds combining marks until the next starter so they can be put in canonical order.
    @inline(__always)
    private mutating func reorder(_ s: UInt32, _ origin: Int32, inserted: Bool, strip: Bool, lower: Bool,
                                  table: BertCharacterClass) {
        let combiningClass: UInt8 = s < 0x300 ? 0 : (Unicode.Scalar(s)?.properties.canonicalCombiningClass.rawValue ?? 0)
        if combiningClass == 0 {
            if !pendingMarks.isEmpty { flushMarks(strip: strip, lower: lower) }
            lastDecomposedOrigin = origin
            stageStripLower(s, origin, strip: strip, lower: lower, table: table)
        } else {
            pendingMarks.append((s, origin, combiningClass, inserted))
        }
    }

    /// Emits the held marks in canonical order (a stable sort by combining class).
    private mutating func flushMarks(strip: Bool, lower: Bool) {
        let marks = pendingMarks
        pendingMarks.removeAll(keepingCapacity: true)
        var ordered = marks
        if ordered.count > 1 {
            // Insertion sort: stable and the runs are a handful of marks long.
            for a in 1..<ordered.count {
                var b = a
                let item = ordered[a]
                while b > 0, ordered[b - 1].combiningClass > item.combiningClass {
                    ordered[b] = ordered[b - 1]
                    b -= 1
                    reordered = true
                }
                ordered[b] = item
            }
        }
        let table = BertCharacterClass.shared
        // HF's alignment follows the edit script, not the characters: a mark that stood for an
        // original character takes the next original position of the run (in input order),
        // whichever mark was moved there; a mark a decomposition inserted takes the position of
        // the scalar before it.
        var next = 0
        for mark in ordered {
            let origin: Int32
            if mark.inserted {
                origin = lastDecomposedOrigin
            } else {
                while marks[next].inserted { next += 1 }
                origin = marks[next].origin
                next += 1
            }
            lastDecomposedOrigin = origin
            stageStripLower(mark.scalar, origin, strip: strip, lower: lower, table: table)
        }
    }

    /// Deletes nonspacing marks (when stripping) and lowercases.
    @inline(__always)
    private mutating func stageStripLower(_ s: UInt32, _ origin: Int32, strip: Bool, lower: Bool,
                                          table: BertCharacterClass) {
        let f = table.flags[Int(s)]
        if strip, f & BertCharacterFlags.nonspacingMark.rawValue != 0 { return }
        if lower {
            if s &- 0x41 < 26 { appendOutput(s + 32, origin); return }
            if f & BertCharacterFlags.hasLowercase.rawValue != 0 {
                if let single = table.lowercaseSingle[s] {
                    appendOutput(single, origin)
                } else if let multi = table.lowercaseMulti[s] {
                    for m in multi { appendOutput(m, origin) }
                } else {
                    appendOutput(s, origin)
                }
                return
            }
        }
        appendOutput(s, origin)
    }

    /// Appends one normalized scalar with its origin and its UTF-8.
    @inline(__always)
    private mutating func appendOutput(_ s: UInt32, _ origin: Int32) {
        scalars.append(s)
        origins.append(origin)
        utf8Starts.append(Int32(utf8.count))
        if s < 0x80 {
            utf8.append(UInt8(s))
        } else if s < 0x800 {
            utf8.append(UInt8(0xC0 | s >> 6))
            utf8.append(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            utf8.append(UInt8(0xE0 | s >> 12))
            utf8.append(UInt8(0x80 | (s >> 6) & 0x3F))
            utf8.append(UInt8(0x80 | s & 0x3F))
        } else {
            utf8.append(UInt8(0xF0 | s >> 18))
            utf8.append(UInt8(0x80 | (s >> 12) & 0x3F))
            utf8.append(UInt8(0x80 | (s >> 6) & 0x3F))
            utf8.append(UInt8(0x80 | s & 0x3F))
        }
    }
}
