import Foundation
import JikjiTestSupport
@testable import JikjiWordPiece
import XCTest

/// Pieces that start with a combining mark (`##ा`, `##́`), a skin-tone modifier (`##🏽`) or a
/// variation selector (`##️`): `#` plus such a scalar is one grapheme cluster, so every `##` test
/// must work on scalars or bytes. Expected values: `Fixtures/marks.json` (HF tokenizers 0.23.3).
final class CombiningPrefixTests: XCTestCase {
    private func fixture() throws -> (json: [String: Any], vocabulary: [String], cases: [[String: Any]]) {
        let json = try HFFixtureFiles.json("marks.json")
        let vocabulary = try XCTUnwrap(json["vocab"] as? [String])
        return (json, vocabulary, try XCTUnwrap(json["cases"] as? [[String: Any]]))
    }

    func testEncodeAndDecodeMatchHF() throws {
        let (_, tokens, cases) = try fixture()
        let tokenizer = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: tokens), normalizer: .korean)
        XCTAssertGreaterThan(cases.count, 10)
        var equal = 0
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let e = try tokenizer.encode(text)
            let decoded = tokenizer.decode(e.ids)
            let kept = tokenizer.decode(e.ids, skipSpecialTokens: false)
            let hfDecoded = try XCTUnwrap(c["decoded"] as? String)
            let hfKept = try XCTUnwrap(c["decoded_keep_specials"] as? String)
            let ok = e.ids == int32s(c["ids"]) && e.offsets.flatMap { [$0.start, $0.end] } == flatOffsets(c["offsets"])
                && sameBytes(decoded, hfDecoded) && sameBytes(kept, hfKept)
            if ok { equal += 1 } else { XCTFail("\(text): HF \(c)\n Jikji \(e.ids) '\(decoded)' '\(kept)'") }
        }
        XCTAssertEqual(equal, cases.count)
    }

    func testDecodeJoinsPiecesStartingWithMarks() throws {
        let tokenizer = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(
            tokens: ["[UNK]", "भ", "##ारत", "e", "##\u{301}", "👍", "##🏽", "❤", "##\u{FE0F}"]), normalizer: .korean)
        XCTAssertTrue(sameBytes(tokenizer.decode([1, 2, 3, 4, 5, 6, 7, 8]), "भारत e\u{301} 👍🏽 ❤\u{FE0F}"))
    }

    func testTrainerReproducesHFVocabularyWithMarkContinuations() throws {
        let (json, hf, _) = try fixture()
        let lines = try XCTUnwrap(json["train_lines"] as? [String])
        var options = WordPieceTrainerOptions(vocabSize: try XCTUnwrap(json["vocab_size"] as? Int),
                                              minFrequency: Int64(try XCTUnwrap(json["min_frequency"] as? Int)),
                                              limitAlphabet: try XCTUnwrap(json["limit_alphabet"] as? Int))
        let order = WordPieceTrainerOptions.continuationOrder(fromVocabularyText: hf.joined(separator: "\n"))
        // Every ##x of HF's file is found, ##🏽 and ##\u{301} included.
        XCTAssertEqual(order.count, hf.filter { $0.unicodeScalars.starts(with: "##".unicodeScalars) && $0.unicodeScalars.count == 3 }.count)
        XCTAssertTrue(order.contains("\u{1F3FD}") && order.contains("\u{301}") && order.contains("\u{FE0F}"))
        options.continuationOrder = .explicit(order)
        let run = try TrainerFixtures.train(lines: lines, options: options, normalizer: .korean)
        XCTAssertTrue(sameBytes(run.vocabulary.tokenTexts, hf), "\(run.vocabulary.tokenTexts)\n\(hf)")
    }
}
