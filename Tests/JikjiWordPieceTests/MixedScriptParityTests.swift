import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// A mixed-script corpus (English, Korean, Devanagari, Bengali, Thai, Arabic, Greek, Cyrillic,
/// combining accents, emoji with skin-tone modifiers, ZWJ sequences, variation selectors):
/// Jikji's trainer reproduces the vocabulary HF's BertWordPieceTokenizer trains on it (with HF's
/// `##x` order, as `--continuation-order-from` does), and Jikji's encoder and decoder give HF's
/// ids, offsets and text on every held-out line. Expected values: `Fixtures/mixed.jsonl.gz` and
/// `Fixtures/mixed-vocab.txt` (HF tokenizers 0.23.3, scripts/mixed_script.py).
final class MixedScriptParityTests: XCTestCase {
    private func fixture() throws -> (settings: [String: Any], train: [String], heldOut: [[String: Any]], vocab: [String]) {
        let rows = try HFFixtureFiles.jsonLines("mixed.jsonl.gz")
        let head = try XCTUnwrap(rows.first)
        return (try XCTUnwrap(head["settings"] as? [String: Any]), try XCTUnwrap(head["train"] as? [String]),
                Array(rows.dropFirst()), try HFFixtureFiles.lines("mixed-vocab.txt"))
    }

    func testTrainerReproducesHFVocabulary() throws {
        let (settings, train, _, hf) = try fixture()
        var options = WordPieceTrainerOptions(vocabSize: try XCTUnwrap(settings["vocab_size"] as? Int),
                                              minFrequency: Int64(try XCTUnwrap(settings["min_frequency"] as? Int)),
                                              limitAlphabet: try XCTUnwrap(settings["limit_alphabet"] as? Int))
        options.continuationOrder = .explicit(
            WordPieceTrainerOptions.continuationOrder(fromVocabularyText: hf.joined(separator: "\n")))
        let run = try TrainerFixtures.train(lines: train, options: options, normalizer: .korean)
        let ours = run.vocabulary.tokenTexts
        XCTAssertEqual(ours.count, hf.count)
        let equal = zip(ours, hf).filter { sameBytes($0.0, $0.1) }.count
        XCTAssertEqual(equal, hf.count, "tokens equal to HF's (first difference: \(zip(ours, hf).enumerated().first { !sameBytes($0.element.0, $0.element.1) }.map { "\($0.offset): \($0.element)" } ?? "none"))")
    }

    func testEncoderAndDecoderMatchHFOnEveryHeldOutLine() throws {
        let (_, _, rows, vocab) = try fixture()
        let tokenizer = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: vocab), normalizer: .korean)
        XCTAssertEqual(rows.count, 600)
        var encoded = 0, decoded = 0, kept = 0
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String)
            let e = try tokenizer.encode(text)
            if e.ids == int32s(row["ids"]), e.offsets.flatMap({ [$0.start, $0.end] }) == flatOffsets(row["offsets"]) {
                encoded += 1
            } else if encoded + 600 - rows.count < 3 {
                XCTFail("\(text): HF \(int32s(row["ids"])) Jikji \(e.ids)")
            }
            let hfIds = int32s(row["ids"])
            if sameBytes(tokenizer.decode(hfIds), try XCTUnwrap(row["decoded"] as? String)) { decoded += 1 }
            if sameBytes(tokenizer.decode(hfIds, skipSpecialTokens: false), try XCTUnwrap(row["decoded_keep_specials"] as? String)) { kept += 1 }
        }
        XCTAssertEqual(encoded, rows.count, "encodings equal to HF")
        XCTAssertEqual(decoded, rows.count, "decodes equal to HF")
        XCTAssertEqual(kept, rows.count, "decodes with special tokens equal to HF")
    }
}
