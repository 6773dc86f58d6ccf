import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

final class WordPieceVocabularyTests: XCTestCase {
    private func temporaryFile(_ contents: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-vocab-\(UUID().uuidString).txt")
        try Data(contents).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testReadsHFVocabTxt() throws {
        let vocab = try WordPieceVocabulary(vocabTxt: try ProjectPaths.reference("hf/wp150k/vocab.txt"))
        XCTAssertEqual(vocab.count, 30000)
        XCTAssertEqual(Array(vocab.tokens.prefix(5)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(vocab.id(for: "##이었던"), 10401)
        XCTAssertEqual(vocab.token(for: 13784), "화려하고")
        XCTAssertEqual(vocab.unknownTokenId, 1)
        XCTAssertEqual(vocab.specialTokens, ["[UNK]", "[SEP]", "[CLS]", "[PAD]", "[MASK]"])
        XCTAssertEqual(Set(vocab.specialTokenIds), [0, 1, 2, 3, 4])
    }

    func testTrimsTrailingWhitespaceAndLaterDuplicateWins() throws {
        let url = try temporaryFile(Array("[UNK]\r\na \nb\u{3000}\na\n\nc".utf8))
        let vocab = try WordPieceVocabulary(vocabTxt: url)
        XCTAssertEqual(vocab.tokens, ["[UNK]", "a", "b", "a", "", "c"])
        XCTAssertEqual(vocab.id(for: "a"), 3)
        XCTAssertNil(vocab.token(for: 1), "the earlier id of a duplicate is a hole")
        XCTAssertEqual(vocab.token(for: 3), "a")
        XCTAssertEqual(vocab.specialTokens, ["[UNK]"])
    }

    /// 金 (U+91D1) and its compatibility twin U+F90A are canonically equivalent, so Swift's `String`
    /// calls them equal; HF's vocabularies (the reviews corpus has both) keep them as two tokens.
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        let vocab = try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u{91D1}", "\u{F90A}"])
        XCTAssertEqual(vocab.id(for: "\u{91D1}"), 4)
        XCTAssertEqual(vocab.id(for: "\u{F90A}"), 5)
        XCTAssertEqual(vocab.token(for: 4), "\u{91D1}")
        XCTAssertEqual(vocab.token(for: 5).map { Array($0.unicodeScalars) }, ["\u{F90A}"])
        // Without accent stripping (no NFD, which maps U+F90A to U+91D1) HF gives each its own id.
        let tokenizer = try WordPieceTokenizer(vocabulary: vocab, normalizer: BertNormalizerOptions(stripAccents: false, lowercase: false))
        XCTAssertEqual(try tokenizer.encode("\u{91D1}\u{F90A}\u{91D1}", addSpecialTokens: false).ids, [4, 5, 4])
    }

    func testWriteThenReadRoundTrips() throws {
        let vocab = try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "한", "##국"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-vocab-\(UUID().uuidString).txt")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try vocab.writeVocabTxt(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "[PAD]\n[UNK]\n한\n##국\n")
        XCTAssertEqual(try WordPieceVocabulary(vocabTxt: url), vocab)
    }

    func testErrorsNameTheFileAndLine() throws {
        let bad = try temporaryFile([0x61, 0x0A, 0xFF, 0x0A])
        XCTAssertThrowsError(try WordPieceVocabulary(vocabTxt: bad)) {
            XCTAssertEqual($0 as? WordPieceError, .vocabularyNotUTF8(path: bad.path, line: 2, byte: 1))
            XCTAssertTrue(String(describing: $0).contains("\(bad.path):2"))
        }
        // The byte is counted within the line, 1-based, as JikjiIO's readers count it; a sequence
        // cut short by the end of the line (E0 A4 then \n) is ill-formed where it starts.
        let inLine = try temporaryFile(Array("[UNK]\n한국\n".utf8) + [0x61, 0x62, 0xE0, 0xA4, 0x0A, 0x63, 0x0A])
        XCTAssertThrowsError(try WordPieceVocabulary(vocabTxt: inLine)) {
            XCTAssertEqual($0 as? WordPieceError, .vocabularyNotUTF8(path: inLine.path, line: 3, byte: 3))
            XCTAssertEqual(String(describing: $0), "\(inLine.path):3: invalid UTF-8 at byte 3 of the line")
        }
        // --continuation-order-from reads a vocab.txt through the same check.
        XCTAssertThrowsError(try WordPieceTrainerOptions.continuationOrder(fromVocabTxtAt: inLine.path)) {
            XCTAssertEqual($0 as? WordPieceError, .vocabularyNotUTF8(path: inLine.path, line: 3, byte: 3))
        }
        let empty = try temporaryFile([])
        XCTAssertThrowsError(try WordPieceVocabulary(vocabTxt: empty)) {
            XCTAssertEqual($0 as? WordPieceError, .emptyVocabulary(path: empty.path))
        }
        XCTAssertThrowsError(try WordPieceVocabulary(vocabTxt: URL(fileURLWithPath: "/nonexistent/vocab.txt"))) {
            XCTAssertTrue(String(describing: $0).contains("/nonexistent/vocab.txt"))
        }
        XCTAssertThrowsError(try WordPieceVocabulary(tokens: ["a"], specialTokens: ["[CLS]"])) {
            XCTAssertEqual($0 as? WordPieceError, .missingToken(token: "[CLS]", role: "special"))
        }
    }
}
