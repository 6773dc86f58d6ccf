import Foundation
@testable import JikjiWordPiece
import XCTest

/// The one-pass id encoder (``DirectIdEncoder``) against the general path (normalizer,
/// pre-tokenizer and matcher with offsets, which the HF parity suites check), against a plain
/// re-statement of HF's greedy WordPiece, and through `encodeLines` with offsets on and off.
final class DirectIdEncoderTests: XCTestCase {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "영화", "##가", "##는", "재", "##밌", "##다",
                         "a", "##b", "ab", "c", "##c", "!", ".", "?", ",", "'", "(", ")", "–", "“", "”", "中", "国",
                         "é", "e", "##é", "hello", "##s", "가", "x", "##x", "the", "##ir", "ｘ", "©", "½"]

    private func tokenizer(_ options: BertNormalizerOptions, max: Int = 100) throws -> WordPieceTokenizer {
        var vocabulary = try WordPieceVocabulary(tokens: Self.tokens)
        vocabulary.maxInputCharactersPerWord = max
        return WordPieceTokenizer(vocabulary: vocabulary, normalizer: options)
    }

    /// The direct path's ids, or nil when it hands the text to the general path.
    private func direct(_ t: WordPieceTokenizer, _ text: String) throws -> [Int32]? {
        let encoder = try XCTUnwrap(t.directIds)
        var copy = text
        return copy.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: bytes.count + 1) { buffer in
                encoder.encode(bytes, into: buffer.baseAddress!).map { Array(buffer.prefix($0)) }
            }
        }
    }

    /// Hangul, ASCII and other scripts side by side at every kind of boundary: each row says
    /// whether the direct path takes the text, and its ids equal the general path's.
    func testBoundaryTableAgainstTheGeneralPath() throws {
        let korean = try tokenizer(.korean)
        let lower = try tokenizer(BertNormalizerOptions())
        // (text, taken by the Korean settings, taken with lowercasing and accent stripping)
        let rows: [(String, Bool, Bool)] = [
            ("영화가 재밌다", true, false),         // Hangul words, a space between
            ("영화가abc재밌다!", true, false),      // Hangul then ASCII then Hangul in one word
            ("ab,c.영화", true, false),              // punctuation isolated between scripts
            ("a\tb\nc\r영화", true, false),          // whitespace of every kind ends words
            ("a\u{0}b\u{200B}c", true, true),        // removed by clean_text inside a word
            ("영\u{200B}화가", true, false),         // removed inside a Hangul word
            ("a\u{3000}b\u{A0}c", true, true),       // Unicode spaces
            ("中国a国", true, false),                // CJK ideographs become words
            ("“hello” – x", true, true),             // General Punctuation stays itself
            ("© ½ x", true, true),                   // Latin-1 symbols without mappings
            ("HELLO Ab", true, true),                // ASCII lowercased only when lowercasing
            ("café é", true, false),                 // precomposed accents: stripped by the general path
            ("e\u{301}", true, false),               // a combining mark
            ("Élan", true, false),                   // a non-ASCII capital
            ("ｘ", true, false),                     // fullwidth: NFD leaves it, but it is past U+02FF
            ("", true, true),
            ("   ", true, true),
            ("[CLS] x", false, false),               // '[' may start an added token
            (String(repeating: "가", count: 101), true, false),
            (String(repeating: "x", count: 101) + " ab", true, true),
        ]
        for (text, takenKorean, takenLower) in rows {
            for (t, taken) in [(korean, takenKorean), (lower, takenLower)] {
                let general = try t.encode(text, addSpecialTokens: false).ids
                let fast = try direct(t, text)
                XCTAssertEqual(fast != nil, taken, "taken? \(text.debugDescription) \(t.normalizerOptions)")
                if let fast { XCTAssertEqual(fast, general, text.debugDescription) }
            }
        }
        // A few exact values (the vocabulary above; HF's rules): pieces, isolated punctuation,
        // the word limit and an unknown word.
        XCTAssertEqual(try direct(korean, "영화가 재밌다!"), [5, 6, 8, 9, 10, 16])
        XCTAssertEqual(try direct(korean, "abc 영화는z"), [13, 15, 1])
        XCTAssertEqual(try direct(try tokenizer(.korean, max: 3), "abcc ab"), [1, 13])
        XCTAssertEqual(try direct(lower, "THE theIR"), [36, 36, 37])
    }

    /// Invalid UTF-8 goes to the general path, which reports where.
    func testInvalidUTF8FallsBack() throws {
        let t = try tokenizer(.korean)
        let encoder = try XCTUnwrap(t.directIds)
        for bytes: [UInt8] in [[0x61, 0xFF], [0xEA, 0xB0], [0xED, 0xA0, 0x80], [0xC0, 0x80]] {
            let result = bytes.withUnsafeBufferPointer { b in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: b.count) { encoder.encode(b, into: $0.baseAddress!) }
            }
            XCTAssertNil(result, "\(bytes)")
        }
    }

    /// HF's WordPiece stated plainly: at each position the longest vocabulary entry (with `##`
    /// after the first piece) found by shrinking the end; a word with an unmatched position, or
    /// longer than the limit, is `[UNK]`.
    private static func reference(_ word: [Character], vocabulary: [String: Int32], unknown: Int32, limit: Int) -> [Int32] {
        let scalars = word.flatMap { Array(String($0).unicodeScalars) }
        if scalars.count > limit { return [unknown] }
        var ids: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            ids.append(id)
            start = end
        }
        return ids
    }

    /// Random vocabularies over a small alphabet (one-, two- and three-byte characters) and
    /// random words: the trie's single walk gives exactly the reference's pieces.
    func testTrieMatchesTheReferenceGreedyMatcherOnRandomVocabularies() throws {
        var random = DirectTestRandom(seed: 14)
        let alphabet: [Character] = ["a", "b", "c", "é", "가", "각"]
        for round in 0..<60 {
            var tokens = ["[UNK]"]
            var seen = Set(tokens)
            let size = 3 + Int(random.next() % 40)
            while tokens.count < size {
                let length = 1 + Int(random.next() % 4)
                var token = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
                if random.next() % 2 == 0 { token = "##" + token }
                if seen.insert(token).inserted { tokens.append(token) }
            }
            let limit = 2 + Int(random.next() % 8)
            var vocabulary = try WordPieceVocabulary(tokens: tokens)
            vocabulary.maxInputCharactersPerWord = limit
            let t = WordPieceTokenizer(vocabulary: vocabulary, normalizer: .korean)
            let ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($0.element, Int32($0.offset)) })
            for _ in 0..<40 {
                let length = 1 + Int(random.next() % 12)
                let word = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                let expected = Self.reference(word, vocabulary: ids, unknown: 0, limit: limit)
                XCTAssertEqual(try direct(t, String(word)), expected, "round \(round): \(String(word)) in \(tokens)")
            }
        }
    }

    /// `encodeLines` gives the same ids with offsets (jsonl, the general path) and without (ids,
    /// the direct path), on lines the direct path takes and lines it hands back.
    func testIdsEqualWithOffsetsOnAndOff() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let samples = ["영화가 재밌다!", "Élan café", "[SEP] x", "abc,ab.c", "中国 “hello”", "", "e\u{301} x", "HELLO"]
        let input = folder.appendingPathComponent("in.txt")
        try Data(((0..<900).map { samples[$0 % samples.count] + String(repeating: " 가", count: $0 % 5) }
            .joined(separator: "\n") + "\n").utf8).write(to: input)
        for options in [BertNormalizerOptions.korean, BertNormalizerOptions()] {
            let t = try tokenizer(options)
            func run(_ format: LineEncodingOptions.Format) throws -> [String] {
                let output = folder.appendingPathComponent("out-\(format).txt")
                _ = FileManager.default.createFile(atPath: output.path, contents: nil)
                let handle = try FileHandle(forWritingTo: output)
                _ = try t.encodeLines(from: input.path, to: handle, options: LineEncodingOptions(format: format))
                try handle.close()
                return try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            let plain = try run(.ids)
            let json = try run(.jsonl).filter { !$0.isEmpty }.map { line -> String in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return ((object?["ids"] as? [Int]) ?? []).map(String.init).joined(separator: " ")
            }
            XCTAssertEqual(plain.filter { !$0.isEmpty }.count, 900)
            XCTAssertEqual(Array(plain.prefix(900)), json)
        }
    }
}

/// A small deterministic generator for the property test.
private struct DirectTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
