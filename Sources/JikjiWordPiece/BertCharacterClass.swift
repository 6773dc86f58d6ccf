/// How HF's BERT normalizer and pre-tokenizer see one Unicode scalar: a set of flags looked up in
/// a flat table built once from ``BertCharacterTables``.
struct BertCharacterFlags: OptionSet, Sendable {
    let rawValue: UInt8
    /// Deleted by clean_text.
    static let removed = BertCharacterFlags(rawValue: 1)
    /// Turned into a space by clean_text.
    static let toSpace = BertCharacterFlags(rawValue: 2)
    /// Split on by the pre-tokenizer.
    static let whitespace = BertCharacterFlags(rawValue: 4)
    /// Isolated by the pre-tokenizer.
    static let punctuation = BertCharacterFlags(rawValue: 8)
    /// Spaced by handle_chinese_chars.
    static let chinese = BertCharacterFlags(rawValue: 16)
    /// Deleted after NFD by strip_accents.
    static let nonspacingMark = BertCharacterFlags(rawValue: 32)
    /// Has a lowercase mapping different from itself.
    static let hasLowercase = BertCharacterFlags(rawValue: 64)
    /// Has a canonical decomposition (Hangul syllables excepted: they are algorithmic).
    static let hasDecomposition = BertCharacterFlags(rawValue: 128)
}

/// The expanded character tables, shared by every normalizer and pre-tokenizer of the process.
///
/// One byte of flags per code point (1.1 MB) keeps the hot path to a single load per scalar; the
/// mappings are dictionaries because only flagged scalars ever consult them.
///
/// `@unchecked Sendable` (for the raw `flags` pointer): every property is a `let`, and the table
/// behind `flags` is written only in `init`, before the instance is shared.
final class BertCharacterClass: @unchecked Sendable {
    /// The process-wide instance (built on first use, immutable afterwards).
    static let shared = BertCharacterClass()

    /// Flags of every code point 0...0x10FFFF (surrogates carry none).
    let flags: UnsafeMutablePointer<UInt8>
    /// Single-scalar lowercase mappings.
    let lowercaseSingle: [UInt32: UInt32]
    /// Multi-scalar lowercase mappings (only U+0130 in tokenizers 0.23.3).
    let lowercaseMulti: [UInt32: [UInt32]]
    /// Canonical decompositions: where in ``decompositionStorage`` and how many scalars.
    let decompositions: [UInt32: (start: Int32, count: Int32)]
    /// The decomposed scalars, back to back.
    let decompositionStorage: [UInt32]

    static let scalarLimit = 0x110000

    private init() {
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.scalarLimit)
        flags.initialize(repeating: 0, count: Self.scalarLimit)
        self.flags = flags
        func mark(_ ranges: [UInt32], _ flag: BertCharacterFlags) {
            var i = 0
            while i + 1 < ranges.count {
                for v in ranges[i]...ranges[i + 1] { flags[Int(v)] |= flag.rawValue }
                i += 2
            }
        }
        mark(BertCharacterTables.removed, .removed)
        mark(BertCharacterTables.toSpace, .toSpace)
        mark(BertCharacterTables.whitespace, .whitespace)
        mark(BertCharacterTables.punctuation, .punctuation)
        mark(BertCharacterTables.chinese, .chinese)
        mark(BertCharacterTables.nonspacingMarks, .nonspacingMark)

        var single: [UInt32: UInt32] = [:]
        for (key, values) in Self.unpack(BertCharacterTables.lowercasePacked) {
            single[key] = values[0]
            flags[Int(key)] |= BertCharacterFlags.hasLowercase.rawValue
        }
        var multi: [UInt32: [UInt32]] = [:]
        for (key, values) in Self.unpack(BertCharacterTables.lowercaseMultiPacked) {
            multi[key] = values
            flags[Int(key)] |= BertCharacterFlags.hasLowercase.rawValue
        }
        var decompositions: [UInt32: (start: Int32, count: Int32)] = [:]
        var storage: [UInt32] = []
        for (key, values) in Self.unpack(BertCharacterTables.decompositionPacked) {
            decompositions[key] = (Int32(storage.count), Int32(values.count))
            storage.append(contentsOf: values)
            flags[Int(key)] |= BertCharacterFlags.hasDecomposition.rawValue
        }
        lowercaseSingle = single
        lowercaseMulti = multi
        self.decompositions = decompositions
        decompositionStorage = storage
    }

    /// Parses "KEY:V1,V2;KEY:V;…" (hex) as written by the table generator.
    private static func unpack(_ text: String) -> [(UInt32, [UInt32])] {
        var result: [(UInt32, [UInt32])] = []
        var key: UInt32 = 0
        var values: [UInt32] = []
        var current: UInt32 = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ":"): key = current; current = 0
            case UInt8(ascii: ","): values.append(current); current = 0
            case UInt8(ascii: ";"):
                values.append(current)
                result.append((key, values))
                values = []
                current = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"): current = current << 4 | UInt32(byte - 48)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): current = current << 4 | UInt32(byte - 55)
            default: break
            }
        }
        return result
    }

    /// The flags of `scalar` (any value below 0x110000).
    @inline(__always)
    func flags(of scalar: UInt32) -> BertCharacterFlags {
        BertCharacterFlags(rawValue: flags[Int(scalar)])
    }

    /// Whether a scalar is a precomposed Hangul syllable (decomposed algorithmically by NFD).
    @inline(__always)
    static func isHangulSyllable(_ scalar: UInt32) -> Bool {
        scalar &- 0xAC00 < 11172
    }
}
