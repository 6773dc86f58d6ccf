import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// The tables baked into the source agree with `hf-wordpiece/bert_char_tables.json`, probed from
/// tokenizers 0.23.3 over every code point. Checked through the public normalizer and pre-tokenizer.
final class BertCharacterTablesTests: XCTestCase {
    private struct Tables: Decodable {
        let removed_ranges: [[UInt32]]
        let punct_ranges: [[UInt32]]
        let mn_stripped_ranges: [[UInt32]]
        let to_space_by_clean_text: [UInt32]
        let pretokenizer_whitespace: [UInt32]
        let chinese_ranges: [[UInt32]]
    }

    private func load() throws -> Tables {
        let url = try ProjectPaths.reference("hf-wordpiece/bert_char_tables.json")
        return try JSONDecoder().decode(Tables.self, from: Data(contentsOf: url))
    }

    private func set(_ ranges: [[UInt32]]) -> Set<UInt32> {
        var s = Set<UInt32>()
        for r in ranges { for v in r[0]...r[1] { s.insert(v) } }
        return s
    }

    /// Every valid scalar except those in `excluded`.
    private func allScalars(excluding excluded: Set<UInt32> = []) -> [UInt32] {
        (0..<0x110000).compactMap { v -> UInt32? in
            let u = UInt32(v)
            return (0xD800...0xDFFF).contains(u) || excluded.contains(u) ? nil : u
        }
    }

    func testCleanTextRemovesAndSpacesExactlyTheProbedSets() throws {
        let t = try load()
        let removed = set(t.removed_ranges), toSpace = Set(t.to_space_by_clean_text)
        let n = BertNormalizer(options: .init(cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false))
        var text = String.UnicodeScalarView(), expected = String.UnicodeScalarView()
        for v in allScalars() {
            let u = Unicode.Scalar(v)!
            text.append("x"); text.append(u)
            expected.append("x")
            if removed.contains(v) { continue }
            expected.append(toSpace.contains(v) ? " " : u)
        }
        XCTAssertEqual(n.normalize(String(text)).unicodeScalars.map(\.value), expected.map(\.value))
    }

    func testPreTokenizerWhitespaceAndPunctuationAreTheProbedSets() throws {
        let t = try load()
        let punct = set(t.punct_ranges), space = Set(t.pretokenizer_whitespace)
        var p = BertPreTokenizer(normalizer: .init(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false))
        var text = String.UnicodeScalarView()
        var expected: [String] = []
        for v in allScalars() {
            let u = Unicode.Scalar(v)!
            text.append("x"); text.append(u); text.append("x"); text.append(" ")
            if space.contains(v) { expected += ["x", "x"] }
            else if punct.contains(v) { expected += ["x", String(u), "x"] }
            else { expected.append("x" + String(u) + "x") }
        }
        let words = p.words(in: String(text)).map(\.word)
        XCTAssertEqual(words.count, expected.count)
        XCTAssertTrue(words == expected, "pre-tokenizer classes differ from the probed tables")
    }

    func testChineseRangesAreTheProbedSet() throws {
        let t = try load()
        let chinese = set(t.chinese_ranges)
        let n = BertNormalizer(options: .init(cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false))
        var text = String.UnicodeScalarView(), expected = String.UnicodeScalarView()
        for v in allScalars() {
            let u = Unicode.Scalar(v)!
            text.append(u)
            if chinese.contains(v) { expected.append(" "); expected.append(u); expected.append(" ") } else { expected.append(u) }
        }
        XCTAssertTrue(n.normalize(String(text)).unicodeScalars.elementsEqual(expected), "CJK spacing differs")
    }

    func testStripAccentsDeletesTheProbedMarks() throws {
        let t = try load()
        let marks = set(t.mn_stripped_ranges)
        let n = BertNormalizer(options: .init(cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false))
        // A mark after a base letter disappears; the base stays.
        for v in marks.sorted() {
            let u = Unicode.Scalar(v)!
            let out = n.normalize("x" + String(u))
            if out != "x" { XCTFail(String(format: "U+%04X not stripped: %@", v, out)); return }
        }
        // Marks added after Unicode 8 stay (e.g. U+1DF6, Adlam U+1E944).
        XCTAssertEqual(n.normalize("x\u{1DF6}"), "x\u{1DF6}")
        XCTAssertEqual(n.normalize("x\u{1E944}"), "x\u{1E944}")
    }

    /// Lowercasing agrees with the Swift runtime's full lowercase mapping for every scalar (HF
    /// uses Rust's, of a similar Unicode version; both map each scalar without context).
    func testLowercaseAgreesWithTheRuntimeForEveryScalar() {
        let n = BertNormalizer(options: .init(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true))
        var differing: [String] = []
        for v in allScalars() {
            let u = Unicode.Scalar(v)!
            if n.normalize(String(u)) != u.properties.lowercaseMapping { differing.append(String(v, radix: 16)) }
        }
        XCTAssertEqual(differing, [])
    }

    /// Accent stripping is NFD followed by deleting the probed Mn set: checked against
    /// Foundation's NFD (an implementation independent of the baked table) for every scalar.
    func testStripAccentsIsNFDMinusMarksForEveryScalar() throws {
        let marks = set(try load().mn_stripped_ranges)
        let n = BertNormalizer(options: .init(cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false))
        var differing: [String] = []
        for v in allScalars() {
            let u = Unicode.Scalar(v)!
            let expected = String(String.UnicodeScalarView(
                String(u).decomposedStringWithCanonicalMapping.unicodeScalars.filter { !marks.contains($0.value) }))
            if n.normalize(String(u)) != expected { differing.append(String(v, radix: 16)) }
        }
        XCTAssertEqual(differing, [])
    }
}
