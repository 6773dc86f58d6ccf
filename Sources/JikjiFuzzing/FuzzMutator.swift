import JikjiData
/// Seeded, deterministic mutations of fuzz inputs, for the mutation loop that runs where
/// libFuzzer does not (the normal test suite): the same seed gives the same inputs everywhere.
///
/// Each call stacks one to four mutations: bit flips, interesting bytes, inserted random or
/// dictionary bytes, deleted, duplicated or repeated ranges, splices with another input,
/// numbers replaced by integers at the limits (`2^31`, `2^62`, `2^63 - 1`, `-1`, `1e999`, …) and
/// deep nesting (`[[[…]]]`, `{"a":{"a":…}}`).
public struct FuzzMutator {
    /// The kinds of mutation, applied with equal chance.
    public enum Mutation: CaseIterable, Sendable {
        case flipBit, setInterestingByte, insertRandomBytes, insertToken, deleteRange, duplicateRange
        case repeatRange, splice, boundaryNumber, deepNesting
    }

    /// Numbers at the edges of the integer and floating-point types, as they appear in text.
    public static let boundaryNumbers: [String] = [
        "0", "-0", "1", "-1", "2", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648",
        "4294967295", "4294967296", "9007199254740993", "4611686018427387904", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999", "1e308", "1e999", "-1e999", "1.5", "0x7fffffff",
        ".nan", ".inf", "NaN", "Infinity",
    ]

    /// The boundary numbers that overflow sizes and products (drawn half the time: a size made
    /// of them is where arithmetic on file contents traps).
    public static let limitNumbers: [String] = [
        "2147483648", "4294967296", "4611686018427387904", "9223372036854775807", "-9223372036854775808",
    ]

    /// Bytes that parsers treat specially.
    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x23, 0x27, 0x2C, 0x2D,
                                            0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC3,
                                            0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF]

    /// Inputs never grow beyond this many bytes (so that a bounded run stays bounded).
    public let maximumLength: Int
    private let dictionary: [[UInt8]]
    /// The data-order generator of JikjiData, so a seed gives the same stream on every platform.
    private var random: SplitMix64

    /// A mutator drawing from `seed`, inserting `dictionary` tokens among other bytes.
    public init(seed: UInt64, dictionary: [String] = [], maximumLength: Int = 1 << 16) {
        random = SplitMix64(seed: seed)
        self.dictionary = dictionary.map { Array($0.utf8) }
        self.maximumLength = maximumLength
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 { random.next() }

    /// A random number in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// `input` after one to four mutations; `other` is the input spliced in by ``Mutation/splice``.
    public mutating func mutate(_ input: [UInt8], splicingWith other: [UInt8] = []) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let kind = Mutation.allCases[below(Mutation.allCases.count)]
            apply(kind, to: &bytes, other: other)
        }
        if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        return bytes
    }

    /// Applies one mutation of `kind` to `bytes`.
    public mutating func apply(_ kind: Mutation, to bytes: inout [UInt8], other: [UInt8] = []) {
        switch kind {
        case .flipBit:
            guard !bytes.isEmpty else { return bytes.append(UInt8(truncatingIfNeeded: next())) }
            bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
        case .setInterestingByte:
            let value = Self.interestingBytes[below(Self.interestingBytes.count)]
            if bytes.isEmpty { bytes.append(value) } else { bytes[below(bytes.count)] = value }
        case .insertRandomBytes:
            let count = 1 + below(8)
            let random = (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
            bytes.insert(contentsOf: random, at: below(bytes.count + 1))
        case .insertToken:
            let token = dictionary.isEmpty ? [Self.interestingBytes[below(Self.interestingBytes.count)]]
                : dictionary[below(dictionary.count)]
            bytes.insert(contentsOf: token, at: below(bytes.count + 1))
        case .deleteRange:
            guard !bytes.isEmpty else { return }
            let range = randomRange(in: bytes.count, maximum: 64)
            bytes.removeSubrange(range)
        case .duplicateRange:
            guard !bytes.isEmpty else { return }
            let range = randomRange(in: bytes.count, maximum: 256)
            bytes.insert(contentsOf: bytes[range], at: below(bytes.count + 1))
        case .repeatRange:
            guard !bytes.isEmpty else { return }
            let range = randomRange(in: bytes.count, maximum: 16)
            let chunk = Array(bytes[range])
            let times = 2 + below(500)
            var repeated: [UInt8] = []
            repeated.reserveCapacity(chunk.count * times)
            for _ in 0..<times { repeated.append(contentsOf: chunk) }
            bytes.insert(contentsOf: repeated, at: range.lowerBound)
        case .splice:
            guard !other.isEmpty else { return apply(.duplicateRange, to: &bytes) }
            let cut = below(bytes.count + 1)
            let from = below(other.count)
            bytes = Array(bytes[..<cut]) + other[from...]
        case .boundaryNumber:
            let choices = below(2) == 0 ? Self.limitNumbers : Self.boundaryNumbers
            let number = Array(choices[below(choices.count)].utf8)
            let numbers = numberRanges(in: bytes)
            if numbers.isEmpty {
                bytes.insert(contentsOf: number, at: below(bytes.count + 1))
            } else {
                bytes.replaceSubrange(numbers[below(numbers.count)], with: number)
            }
        case .deepNesting:
            let pairs: [(open: String, close: String)] = [("[", "]"), ("{\"a\":", "}"), ("{a: ", "}"), ("- ", "")]
            let pair = pairs[below(pairs.count)]
            let depth = 1 + below(1 << (1 + below(12)))
            let at = below(bytes.count + 1)
            let end = at + below(bytes.count - at + 1)
            bytes.insert(contentsOf: Array(String(repeating: pair.close, count: depth).utf8), at: end)
            bytes.insert(contentsOf: Array(String(repeating: pair.open, count: depth).utf8), at: at)
        }
    }

    /// A non-empty range of at most `maximum` positions inside `0..<count` (`count` > 0).
    private mutating func randomRange(in count: Int, maximum: Int) -> Range<Int> {
        let start = below(count)
        let length = 1 + below(min(maximum, count - start))
        return start..<(start + length)
    }

    /// Where the decimal numbers (digits, with a leading `-`) are in `bytes`.
    private func numberRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] &- 0x30 < 10 else {
                i += 1
                continue
            }
            let start = i > 0 && bytes[i - 1] == 0x2D ? i - 1 : i
            while i < bytes.count, bytes[i] &- 0x30 < 10 { i += 1 }
            ranges.append(start..<i)
        }
        return ranges
    }
}
