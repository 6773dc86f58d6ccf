import Foundation
import JikjiTestSupport
import XCTest

/// `jikji encode --pair-column`, `--truncation-strategy`, `--stride` and `--padding longest
/// --batch-size` give what HF gives for the same settings: `Fixtures/cli-cases.json` (HF tokenizers
/// 0.23.3, all-MiniLM-L6-v2's tokenizer.json; scripts/hf_cli_cases.py), run through the binary.
final class EncodePairsCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// The fixture's rows as a TSV with a `Q` and an `A` column.
    private func pairsFile(_ fixture: [String: Any]) throws -> URL {
        let rows = try XCTUnwrap(fixture["rows"] as? [[String]])
        let url = folder.appendingPathComponent("pairs.tsv")
        try Data(("Q\tA\n" + rows.map { $0.joined(separator: "\t") + "\n" }.joined()).utf8).write(to: url)
        return url
    }

    /// The flags that ask for a run's settings.
    private func arguments(_ run: [String: Any], vocab: String, input: String) -> [String] {
        var args = ["encode", "--vocab", vocab, "--input", input, "--text-column", "Q", "--format", "jsonl", "--no-padding"]
        if run["pair"] as? Bool == true { args += ["--pair-column", "A"] }
        if let maxLength = run["max_length"] as? Int { args += ["--max-length", String(maxLength)] } else { args += ["--no-truncation"] }
        if let stride = run["stride"] as? Int { args += ["--stride", String(stride)] }
        if let strategy = run["strategy"] as? String { args += ["--truncation-strategy", strategy] }
        if let batch = run["batch_size"] as? Int { args += ["--padding", "longest", "--batch-size", String(batch)] }
        return args
    }

    /// Ids, tokens, type ids, attention mask, offsets and overflow parts (recursively) equal HF's.
    private func assertSameEncoding(_ ours: [String: Any], _ hf: [String: Any], _ context: String) {
        XCTAssertEqual(int32s(ours["ids"]), int32s(hf["ids"]), "ids, \(context)")
        XCTAssertEqual(ours["tokens"] as? [String] ?? [], hf["tokens"] as? [String] ?? [], "tokens, \(context)")
        XCTAssertEqual(int32s(ours["type_ids"]), int32s(hf["type_ids"]), "type ids, \(context)")
        XCTAssertEqual(int32s(ours["attention_mask"]), int32s(hf["attention_mask"]), "attention mask, \(context)")
        XCTAssertEqual(flatOffsets(ours["offsets"]), flatOffsets(hf["offsets"]), "offsets, \(context)")
        let oursOverflow = ours["overflowing"] as? [[String: Any]] ?? []
        let hfOverflow = hf["overflowing"] as? [[String: Any]] ?? []
        XCTAssertEqual(oursOverflow.count, hfOverflow.count, "overflowing parts, \(context)")
        for (k, (o, h)) in zip(oursOverflow, hfOverflow).enumerated() { assertSameEncoding(o, h, "\(context), overflow \(k)") }
    }

    func testPairsTruncationStrideAndLongestPaddingMatchHF() throws {
        let fixture = try HFFixtureFiles.json("cli-cases.json")
        let input = try pairsFile(fixture)
        let vocab = try ProjectPaths.reference("hf/minilm/tokenizer.json").path
        let runs = try XCTUnwrap(fixture["runs"] as? [[String: Any]])
        XCTAssertGreaterThan(runs.count, 10)
        for run in runs {
            let name = run["name"] as? String ?? "?"
            let outputs = try XCTUnwrap(run["outputs"] as? [[String: Any]])
            let r = try JikjiCommand.run(arguments(run, vocab: vocab, input: input.path), in: folder)
            if let bad = outputs.firstIndex(where: { $0["error"] != nil }) {
                // HF refuses the row; so does Jikji, naming its line (the header is line 1).
                XCTAssertNotEqual(r.status, 0, name)
                XCTAssertTrue(r.stderr.contains("pairs.tsv:\(bad + 2):"), "\(name): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("too short"), "\(name): \(r.stderr)")
                continue
            }
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(lines.count, outputs.count, name)
            for (k, (line, hf)) in zip(lines, outputs).enumerated() {
                let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], name)
                assertSameEncoding(ours, hf, "\(name), row \(k)")
            }
        }
    }

    /// The ids format pads batches too: batches of `--batch-size` lines counted from the first line,
    /// the last one shorter (1,000 lines of 1 to 5 words, batches of 7).
    func testLongestPaddingCountsBatchesFromTheFirstLine() throws {
        let vocab = try ProjectPaths.reference("hf/minilm/tokenizer.json").path
        let lines = (0..<1000).map { k in String(repeating: "word ", count: k % 5 + 1) }
        let r = try JikjiCommand.run(["encode", "--vocab", vocab, "--no-truncation", "--padding", "longest", "--batch-size", "7"],
                                     input: Data(lines.map { $0 + "\n" }.joined().utf8), in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let widths = r.output.split(separator: "\n").map { $0.split(separator: " ").count }
        XCTAssertEqual(widths.count, 1000)
        for start in stride(from: 0, to: 1000, by: 7) {
            let batch = start..<min(start + 7, 1000)
            // [CLS] + the longest line's words + [SEP].
            let longest = batch.map { $0 % 5 + 1 }.max()! + 2
            XCTAssertEqual(Set(widths[batch]), [longest], "batch at line \(start + 1)")
        }
    }

    func testInconsistentOptionsAreErrors() throws {
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let cases: [([String], String)] = [
            (["--truncation-strategy", "only_second", "--max-length", "8"], "only_second"),
            (["--stride", "2"], "needs a max length"),
            (["--pair-column", "A"], "needs a text column"),
            (["--padding", "max-length"], "--padding max-length needs --max-length"),
            (["--pad", "--max-length", "8", "--padding", "longest"], "not both"),
            (["--padding", "longest", "--batch-size", "0"], "batch size"),
            (["--max-length", "4", "--stride", "3", "--format", "jsonl"], "stride"),
        ]
        for (extra, message) in cases {
            let r = try JikjiCommand.run(["encode", "--vocab", vocab] + extra, input: Data("가 나 다 라 마 바 사\n".utf8), in: folder)
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
        }
    }
}
