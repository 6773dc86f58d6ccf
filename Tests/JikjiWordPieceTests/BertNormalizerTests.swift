import Foundation
import JikjiWordPiece
import XCTest

/// HF BertNormalizer behaviour, examples checked against tokenizers 0.23.3.
final class BertNormalizerTests: XCTestCase {
    private func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    func testDefaultsMatchHF() {
        let o = BertNormalizerOptions()
        XCTAssertTrue(o.cleanText)
        XCTAssertTrue(o.handleChineseChars)
        XCTAssertNil(o.stripAccents)
        XCTAssertTrue(o.lowercase)
        XCTAssertTrue(o.effectiveStripAccents)
        XCTAssertFalse(BertNormalizerOptions(lowercase: false).effectiveStripAccents)
    }

    func testOptionsCodableUsesHFKeys() throws {
        let json = try JSONEncoder().encode(BertNormalizerOptions())
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(object["clean_text"] as? Bool, true)
        XCTAssertTrue(object["strip_accents"] is NSNull)
        let decoded = try JSONDecoder().decode(
            BertNormalizerOptions.self,
            from: Data(#"{"type":"BertNormalizer","clean_text":false,"handle_chinese_chars":true,"strip_accents":false,"lowercase":false}"#.utf8))
        XCTAssertEqual(decoded, BertNormalizerOptions(cleanText: false, stripAccents: false, lowercase: false))
    }

    func testCleanTextDeletesControlsAndMapsWhitespace() {
        let n = BertNormalizer()
        XCTAssertEqual(n.normalize("a\u{0B}b\u{0C}c"), "abc")
        XCTAssertEqual(n.normalize("a\u{200B}b\u{200D}c\u{FEFF}d"), "abcd")
        XCTAssertEqual(n.normalize("a\u{A0}b\u{3000}c\u{2028}d\u{85}e"), "a b c de")
        XCTAssertEqual(n.normalize("a\tb\nc\rd"), "a b c d")
    }

    func testStripAccentsAndLowercase() {
        let n = BertNormalizer()
        XCTAssertEqual(n.normalize("Crème brûlée naïve"), "creme brulee naive")
        XCTAssertEqual(n.normalize("İstanbul"), "istanbul")
        XCTAssertEqual(n.normalize("Å"), "a")
        XCTAssertEqual(n.normalize("ﬁ"), "ﬁ")
        XCTAssertEqual(n.normalize("Ｈｅｌｌｏ"), "ｈｅｌｌｏ")
        XCTAssertEqual(n.normalize("ΟΔΟΣ"), "οδοσ")
        XCTAssertEqual(n.normalize("ẞ"), "ß")
        XCTAssertEqual(n.normalize("日本語です"), " 日  本  語 てす")
        // Lowercasing without stripping keeps the dot of İ as a combining mark.
        XCTAssertEqual(scalars(BertNormalizer(options: .init(stripAccents: false)).normalize("İ")), [0x69, 0x307])
    }

    func testChineseRangesUseHFExtensionEStart() {
        let n = BertNormalizer()
        XCTAssertEqual(n.normalize("㐀䶿𠀀𫠠𫤠\u{2CEAF}豈丽〇⺀"), " 㐀  䶿  𠀀 𫠠 𫤠  \u{2CEAF}  豈  丽 〇⺀")
    }

    func testHangulDecomposesOnlyWhenStrippingAccents() {
        XCTAssertEqual(scalars(BertNormalizer().normalize("한국어")),
                       [0x1112, 0x1161, 0x11AB, 0x1100, 0x116E, 0x11A8, 0x110B, 0x1165])
        XCTAssertEqual(BertNormalizer(options: .init(stripAccents: false)).normalize("한국어"), "한국어")
        XCTAssertEqual(BertNormalizer(options: .korean).normalize("한국어 ABC"), "한국어 ABC")
        XCTAssertEqual(scalars(BertNormalizer().normalize("ㄱ")), [0x3131])
    }

    func testCanonicalReorderingOfMarks() {
        // NFD sorts combining marks by class: U+1D165 (ccc 216) goes before U+1D16D (ccc 226).
        // Both are Mc, so stripping (which deletes only Mn) keeps them; HF gives 78 1D165 1D16D.
        let n = BertNormalizer(options: .init(cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false))
        XCTAssertEqual(scalars(n.normalize("x\u{1D16D}\u{1D165}")), [0x78, 0x1D165, 0x1D16D])
        XCTAssertEqual(scalars(n.normalize("x\u{1D165}\u{1D16D}")), [0x78, 0x1D165, 0x1D16D])
        XCTAssertEqual(n.normalize("a\u{301}\u{323}"), "a")
    }
}
