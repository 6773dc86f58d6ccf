import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// all-MiniLM-L6-v2's `tokenizer.json` (`hf/minilm/`, TemplateProcessing, truncation and padding
/// to 128) encoded exactly as HF loads it, on 2,200 English lines. Expected values:
/// `Fixtures/english.jsonl.gz` (HF tokenizers 0.23.3 `Tokenizer.from_file(...).encode(line)`).
final class MiniLMTokenizerJSONParityTests: XCTestCase {
    func testEncodesAsHFLoadsTheFile() throws {
        let file = try HFTokenizerJSON(contentsOf: try ProjectPaths.reference("hf/minilm/tokenizer.json"))
        XCTAssertEqual(file.truncation, TruncationOptions(maxLength: 128))
        XCTAssertEqual(file.padding?.strategy, .fixed(128))
        guard case .template? = file.processor else { return XCTFail("TemplateProcessing must stay a template") }
        let tokenizer = try file.tokenizer()
        let rows = try HFFixtureFiles.jsonLines("english.jsonl.gz")
        XCTAssertEqual(rows.count, 2200)
        var equal = 0, decodesEqual = 0, truncated = 0, shown = 0
        for row in rows {
            let text = try XCTUnwrap(row["text"] as? String)
            let hf = try XCTUnwrap(row["json"] as? [String: Any])
            var encodings = [try tokenizer.encode(text, truncation: tokenizer.truncation)]
            WordPieceTokenizer.pad(&encodings, try XCTUnwrap(tokenizer.padding))
            let e = encodings[0]
            let overflow = (hf["overflowing_ids"] as? [Any] ?? []).map(int32s)
            if !overflow.isEmpty { truncated += 1 }
            let same = e.ids == int32s(hf["ids"]) && e.typeIds.map(Int32.init) == int32s(hf["type_ids"])
                && e.attentionMask.map(Int32.init) == int32s(hf["attention_mask"])
                && e.specialTokensMask.map(Int32.init) == int32s(hf["special_tokens_mask"])
                && e.offsets.flatMap { [$0.start, $0.end] } == flatOffsets(hf["offsets"])
                && e.overflowing.map(\.ids) == overflow
            if same { equal += 1 } else if shown < 2 {
                shown += 1
                XCTFail("\(text)\n HF \(hf)\n Jikji \(e.ids) \(e.overflowing.map(\.ids))")
            }
            if sameBytes(tokenizer.decode(e.ids), try XCTUnwrap(row["decoded"] as? String)) { decodesEqual += 1 }
        }
        XCTAssertGreaterThan(truncated, 20, "the corpus must exercise truncation")
        XCTAssertEqual(equal, rows.count, "lines equal to HF")
        XCTAssertEqual(decodesEqual, rows.count, "decodes equal to HF")
    }

    func testExportKeepsTruncationPaddingAndTemplate() throws {
        let url = try ProjectPaths.reference("hf/minilm/tokenizer.json")
        let file = try HFTokenizerJSON(contentsOf: url)
        let again = try HFTokenizerJSON(data: file.serialized(), path: "round trip")
        XCTAssertEqual(again, file)
        // HF's own pretty-printed save of this file, byte for byte, starts the same way.
        let text = String(decoding: file.serialized(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("{\n  \"version\": \"1.0\",\n  \"truncation\": {\n    \"direction\": \"Right\",\n    \"max_length\": 128,"), text)
        XCTAssertTrue(text.contains("\"type\": \"TemplateProcessing\""))
    }
}
