import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// Ids and offsets equal HF's on multilingual and random strings under HF's default normalizer
/// (NFD, accent stripping, lowercasing), the Korean settings and lowercasing alone.
final class HFEncodeFixtureTests: XCTestCase {
    private func check(_ options: BertNormalizerOptions, _ expected: [(ids: [Int32], offsets: [Int32])],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let vocabulary = try WordPieceVocabulary(vocabTxt: try ProjectPaths.reference("hf/wp150k/vocab.txt"))
        let tokenizer = WordPieceTokenizer(vocabulary: vocabulary, normalizer: options)
        XCTAssertEqual(expected.count, HFEncodeFixtures.texts.count, file: file, line: line)
        var mismatches = 0
        for (text, want) in zip(HFEncodeFixtures.texts, expected) {
            let e = try tokenizer.encode(text)
            let offsets = e.offsets.flatMap { [$0.start, $0.end] }
            if e.ids != want.ids || offsets != want.offsets {
                mismatches += 1
                if mismatches <= 3 {
                    XCTFail("\(text.unicodeScalars.map { String($0.value, radix: 16) })\n HF \(want)\n Jikji \(e.ids) \(offsets)",
                            file: file, line: line)
                }
            }
        }
        XCTAssertEqual(mismatches, 0, file: file, line: line)
    }

    func testHFDefaultNormalizer() throws { try check(BertNormalizerOptions(), HFEncodeFixtures.hfDefault) }
    func testKoreanNormalizer() throws { try check(.korean, HFEncodeFixtures.korean) }
    func testLowercaseWithoutStripping() throws {
        try check(BertNormalizerOptions(stripAccents: false, lowercase: true), HFEncodeFixtures.lowercaseOnly)
    }
}
