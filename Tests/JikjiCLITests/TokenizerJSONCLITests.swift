import Foundation
import JikjiTestSupport
import XCTest

/// `jikji encode/decode --vocab tokenizer.json` apply the file as HF loads it (all-MiniLM-L6-v2:
/// TemplateProcessing, truncation and padding to 128), and `vocab import`/`export` keep it whole.
/// Expected values: `Fixtures/english.jsonl.gz` (HF tokenizers 0.23.3).
final class TokenizerJSONCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-tjson-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func jikji(_ arguments: [String], input: Data? = nil) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments, input: input, in: folder)
    }

    /// Lines of `encode --format jsonl` that equal HF's ids, type ids, mask and offsets.
    private func equalLines(_ output: String, _ rows: [[String: Any]]) throws -> Int {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, rows.count)
        var equal = 0
        for (line, row) in zip(lines, rows) {
            let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let hf = try XCTUnwrap(row["json"] as? [String: Any])
            if int32s(ours["ids"]) == int32s(hf["ids"]), int32s(ours["type_ids"]) == int32s(hf["type_ids"]),
               int32s(ours["attention_mask"]) == int32s(hf["attention_mask"]),
               flatOffsets(ours["offsets"]) == flatOffsets(hf["offsets"]) { equal += 1 }
        }
        return equal
    }

    func testEncodeAppliesTheFilesTruncationPaddingAndTemplate() throws {
        let rows = try HFFixtureFiles.jsonLines("english.jsonl.gz")
        let corpus = folder.appendingPathComponent("english.txt")
        try Data(rows.compactMap { $0["text"] as? String }.map { $0 + "\n" }.joined().utf8).write(to: corpus)
        let json = try ProjectPaths.reference("hf/minilm/tokenizer.json").path
        let r = try jikji(["encode", "--vocab", json, "--input", corpus.path, "--format", "jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try equalLines(r.output, rows), rows.count, "lines equal to HF as it loads the file")

        // Decoding HF's ids gives HF's text.
        let ids = rows.map { int32s(($0["json"] as? [String: Any])?["ids"]).map(String.init).joined(separator: " ") }
        let d = try jikji(["decode", "--vocab", json, "--skip-special-tokens"], input: Data((ids.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(d.status, 0, d.stderr)
        let decoded = d.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(zip(decoded, rows).filter { sameBytes(String($0.0), $0.1["decoded"] as? String ?? "") }.count, rows.count)

        // Options override the file.
        let plain = try jikji(["encode", "--vocab", json, "--no-truncation", "--no-padding"], input: Data("hello world\n".utf8))
        XCTAssertEqual(plain.output, "101 7592 2088 102\n")
        let short = try jikji(["encode", "--vocab", json, "--max-length", "3", "--no-padding"], input: Data("hello world\n".utf8))
        XCTAssertEqual(short.output, "101 7592 102\n")
        // --max-length 0 and 1 are valid, as in HF: too short for [CLS] and [SEP], they truncate nothing
        // (Fixtures/cases.json, case "truncation"); without special tokens 0 leaves nothing.
        for length in ["0", "1"] {
            let r = try jikji(["encode", "--vocab", json, "--max-length", length, "--no-padding"], input: Data("hello world\n".utf8))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.output, "101 7592 2088 102\n")
        }
        let none = try jikji(["encode", "--vocab", json, "--max-length", "0", "--no-padding", "--no-special-tokens"],
                             input: Data("hello world\n".utf8))
        XCTAssertEqual(none.output, "\n")
    }

    func testImportAndExportKeepTheFileWhole() throws {
        let json = try ProjectPaths.reference("hf/minilm/tokenizer.json").path
        XCTAssertEqual(try jikji(["vocab", "import", json, "--name", "minilm"]).status, 0)
        let out = folder.appendingPathComponent("minilm.json").path
        let e = try jikji(["vocab", "export", "minilm", "--format", "tokenizer-json", "--output", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self)
        XCTAssertTrue(text.contains("\"max_length\": 128"), "truncation kept")
        XCTAssertTrue(text.contains("\"Fixed\": 128"), "padding kept")
        XCTAssertTrue(text.contains("\"type\": \"TemplateProcessing\""), "template kept")
        // The stored vocabulary encodes like the file.
        let a = try jikji(["encode", "--vocab", "minilm"], input: Data("Café naïve, hello!\n".utf8))
        let b = try jikji(["encode", "--vocab", json], input: Data("Café naïve, hello!\n".utf8))
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.output, b.output)
    }
}
