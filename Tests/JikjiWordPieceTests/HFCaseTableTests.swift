import Foundation
import JikjiConfig
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// HF's own BERT/WordPiece test cases and the edge cases around them (added tokens and their
/// flags, post-processors, decoders, canonically equivalent and U+FEFF vocabulary tokens,
/// truncation, padding, pairs, overflow), each an overlay on a reference tokenizer.json.
/// Expected values: `Fixtures/cases.json`, HF tokenizers 0.23.3's outputs (scripts/hf_cases.py).
final class HFCaseTableTests: XCTestCase {
    /// The fixture, parsed with byte-exact keys (its vocabularies hold canonically equivalent tokens).
    private func table() throws -> [JSONValue] {
        let data = try Data(contentsOf: try HFFixtureFiles.url("cases.json"))
        guard case .array(let cases)? = try JSONValue(parsing: [UInt8](data)).member("cases") else {
            throw HFFixtureError("cases.json has no cases")
        }
        return cases
    }

    private func base(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: try ProjectPaths.reference("hf/\(name)/tokenizer.json"))
        return try JSONValue(parsing: [UInt8](data))
    }

    private func ints(_ value: JSONValue?) -> [Int] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap(\.intValue)
    }

    private func flat(_ value: JSONValue?) -> [Int] {
        guard case .array(let items)? = value else { return [] }
        return items.flatMap { ints($0) }
    }

    private func truncation(_ spec: JSONValue?) -> TruncationOptions? {
        guard let spec, case .object = spec else { return nil }
        return TruncationOptions(
            maxLength: spec.member("max_length")?.intValue ?? 0, stride: spec.member("stride")?.intValue ?? 0,
            strategy: TruncationOptions.Strategy(rawValue: spec.member("strategy")?.stringValue ?? "longest_first") ?? .longestFirst,
            direction: TruncationOptions.Direction(rawValue: spec.member("direction")?.stringValue ?? "right") ?? .right)
    }

    private func padding(_ spec: JSONValue?) -> PaddingOptions? {
        guard let spec, case .object = spec else { return nil }
        return PaddingOptions(strategy: spec.member("length")?.intValue.map { .fixed($0) } ?? .batchLongest,
                              direction: PaddingOptions.Direction(rawValue: spec.member("direction")?.stringValue ?? "right") ?? .right,
                              padToMultipleOf: spec.member("pad_to_multiple_of")?.intValue,
                              padId: Int32(spec.member("pad_id")?.intValue ?? 0), padTypeId: UInt8(spec.member("pad_type_id")?.intValue ?? 0),
                              padToken: spec.member("pad_token")?.stringValue ?? "[PAD]")
    }

    /// The fields of an encoding HF reports, as in the fixture.
    private func fields(_ e: Encoding) -> [String: [Int]] {
        ["ids": e.ids.map(Int.init), "type_ids": e.typeIds.map(Int.init), "offsets": e.offsets.flatMap { [Int($0.start), Int($0.end)] },
         "attention_mask": e.attentionMask.map(Int.init), "special_tokens_mask": e.specialTokensMask.map(Int.init)]
    }

    private func same(_ e: Encoding, _ hf: JSONValue) -> Bool {
        let ours = fields(e)
        guard ours["ids"] == ints(hf.member("ids")), ours["type_ids"] == ints(hf.member("type_ids")),
              ours["offsets"] == flat(hf.member("offsets")), ours["attention_mask"] == ints(hf.member("attention_mask")),
              ours["special_tokens_mask"] == ints(hf.member("special_tokens_mask")) else { return false }
        guard case .array(let overflow)? = hf.member("overflowing"), overflow.count == e.overflowing.count else { return false }
        return zip(e.overflowing, overflow).allSatisfy { same($0, $1) }
    }

    /// Ids and type ids with their overflow parts, nested, for failure messages.
    private func tree(_ e: Encoding) -> String {
        "{ids \(e.ids) types \(e.typeIds) offsets \(e.offsets.flatMap { [$0.start, $0.end] }) over [\(e.overflowing.map(tree).joined(separator: ", "))]}"
    }

    private func tree(_ hf: JSONValue) -> String {
        if let error = hf.member("error")?.stringValue { return "error: \(error)" }
        guard case .array(let over)? = hf.member("overflowing") else { return "?" }
        return "{ids \(ints(hf.member("ids"))) types \(ints(hf.member("type_ids"))) offsets \(flat(hf.member("offsets"))) over [\(over.map(tree).joined(separator: ", "))]}"
    }

    func testEveryCaseMatchesHF() throws {
        var inputs = 0, equal = 0, decodes = 0, decodesEqual = 0
        var failures: [String] = []
        var bases: [String: JSONValue] = [:]
        for c in try table() {
            let name = c.member("name")?.stringValue ?? "?"
            let baseName = c.member("base")?.stringValue ?? "minilm"
            if bases[baseName] == nil { bases[baseName] = try base(baseName) }
            var document = try XCTUnwrap(bases[baseName])
            if case .object(let overlay)? = c.member("overlay") {
                for (key, value) in overlay { document = document.replacing(key, with: value) }
            }
            let tokenizer: WordPieceTokenizer
            do {
                tokenizer = try HFTokenizerJSON(json: document, path: name).tokenizer()
            } catch {
                failures.append("\(name): refused: \(error)")
                continue
            }
            guard case .array(let specs)? = c.member("inputs") else { continue }
            for spec in specs {
                inputs += 1
                let text = spec.member("text")?.stringValue ?? ""
                let pair = spec.member("pair")?.stringValue
                let hf = try XCTUnwrap(spec.member("hf"))
                do {
                    let t = spec.member("truncation").flatMap(truncation) ?? tokenizer.truncation
                    var encodings = [try tokenizer.encode(text, pair: pair, addSpecialTokens: spec.member("add_special_tokens")?.boolValue ?? true,
                                                          truncation: t)]
                    if let p = spec.member("padding").flatMap(padding) ?? tokenizer.padding { WordPieceTokenizer.pad(&encodings, p) }
                    if hf.member("error") == nil, same(encodings[0], hf) {
                        equal += 1
                    } else {
                        failures.append("\(name) / \(text.debugDescription) \(pair ?? ""):\n HF    \(tree(hf))\n Jikji \(tree(encodings[0]))")
                    }
                } catch {
                    if hf.member("error") != nil { equal += 1 } else { failures.append("\(name) / \(text.debugDescription): Jikji threw \(error)") }
                }
            }
            guard case .array(let decodeSpecs)? = c.member("decodes") else { continue }
            for d in decodeSpecs {
                decodes += 1
                let ids = ints(d.member("ids")).map(Int32.init)
                let got = tokenizer.decode(ids, skipSpecialTokens: d.member("skip_special_tokens")?.boolValue ?? true)
                let want = d.member("hf")?.stringValue ?? ""
                if sameBytes(got, want) { decodesEqual += 1 } else { failures.append("\(name) decode \(ids): HF \(want.debugDescription), Jikji \(got.debugDescription)") }
            }
        }
        for failure in failures.prefix(12) { XCTFail(failure) }
        XCTAssertGreaterThan(inputs, 100)
        XCTAssertEqual(equal, inputs, "encodings equal to HF")
        XCTAssertEqual(decodesEqual, decodes, "decodes equal to HF")
        print("HF case table: \(equal) of \(inputs) encodings, \(decodesEqual) of \(decodes) decodes equal")
    }
}
