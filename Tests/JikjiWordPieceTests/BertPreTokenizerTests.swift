import Foundation
import JikjiWordPiece
import XCTest

/// HF BertPreTokenizer behaviour, examples checked against tokenizers 0.23.3.
final class BertPreTokenizerTests: XCTestCase {
    private func split(_ text: String, _ options: BertNormalizerOptions = .korean) -> [String] {
        var p = BertPreTokenizer(normalizer: options)
        return p.words(in: text).map(\.word)
    }

    func testWhitespaceAndPunctuationWithOffsets() {
        var p = BertPreTokenizer(normalizer: .init())
        let words = p.words(in: "Hey friend!     How are you?!?")
        XCTAssertEqual(words.map(\.word), ["hey", "friend", "!", "how", "are", "you", "?", "!", "?"])
        XCTAssertEqual(words.map(\.range), [0..<3, 4..<10, 10..<11, 16..<19, 20..<23, 24..<27, 27..<28, 28..<29, 29..<30])
    }

    func testKoreanAndEmojiOffsetsInCharacters() {
        var p = BertPreTokenizer(normalizer: .korean)
        let words = p.words(in: "ㅋㅋㅋ 대박!! 😂🤣 ok…")
        XCTAssertEqual(words.map(\.word), ["ㅋㅋㅋ", "대박", "!", "!", "😂🤣", "ok", "…"])
        XCTAssertEqual(words.map(\.range), [0..<3, 4..<6, 6..<7, 7..<8, 9..<11, 12..<14, 14..<15])
    }

    func testASCIISymbolsArePunctuationButOtherSymbolsAreNot() {
        XCTAssertEqual(split("a~b^c$d+e<f=g>h|i`j"),
                       ["a", "~", "b", "^", "c", "$", "d", "+", "e", "<", "f", "=", "g", ">", "h", "|", "i", "`", "j"])
        XCTAssertEqual(split("가격₩1000 ★♥ㆍ～"), ["가격₩1000", "★♥ㆍ～"])
        XCTAssertEqual(split("a〜b「c」"), ["a", "〜", "b", "「", "c", "」"])
    }

    func testWithoutCleanTextVerticalTabSplits() {
        XCTAssertEqual(split("a\u{0B}b\u{85}c", .init(cleanText: false, stripAccents: false, lowercase: false)), ["a", "b", "c"])
        XCTAssertEqual(split("a\u{0B}b\u{85}c"), ["abc"])
    }

    func testRemovedCharactersKeepOriginalOffsets() {
        var p = BertPreTokenizer(normalizer: .korean)
        let words = p.words(in: "x a\u{200B}b")
        XCTAssertEqual(words.map(\.word), ["x", "ab"])
        XCTAssertEqual(words.map(\.range), [0..<1, 2..<5])
    }

    func testUTF8EntryPointReportsBytesAndRejectsInvalidInput() throws {
        var p = BertPreTokenizer(normalizer: .korean)
        var words: [String] = []
        var origins: [[Int32]] = []
        let bytes = Array("좋아요 ok".utf8)
        try bytes.withUnsafeBufferPointer { buffer in
            try p.forEachWord(inUTF8: buffer, firstCharacterIndex: 10) { word in
                words.append(String(decoding: word.utf8, as: UTF8.self))
                origins.append(Array(word.origins))
                XCTAssertEqual(word.codePoints.count, word.origins.count)
            }
        }
        XCTAssertEqual(words, ["좋아요", "ok"])
        XCTAssertEqual(origins, [[10, 11, 12], [14, 15]])
        let invalid: [UInt8] = [0x61, 0x20, 0xED, 0xA0, 0x80]  // an encoded UTF-16 surrogate
        XCTAssertThrowsError(try invalid.withUnsafeBufferPointer { try p.forEachWord(inUTF8: $0) { _ in } }) {
            XCTAssertEqual($0 as? WordPieceError, .invalidUTF8(byteOffset: 2))
        }
    }
}
