import Foundation
import JikjiTestSupport
import XCTest

/// `--lowercase` means HF's `lowercase=True`, whose `strip_accents=None` strips accents too, for
/// `encode` of a vocab.txt, `vocab import` and `vocab train`. Expected values:
/// `Fixtures/english.jsonl.gz` and `Fixtures/english-vocab.txt` (HF tokenizers 0.23.3) on English
/// lines with accented words (`Café naïve …`).
final class EnglishLowercaseCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-lower-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func jikji(_ arguments: [String], input: Data? = nil) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments, input: input, in: folder)
    }

    /// The fixture's lines and HF's ids for each, with the lines written to a file.
    private func english() throws -> (corpus: String, expected: [String]) {
        let rows = try HFFixtureFiles.jsonLines("english.jsonl.gz")
        let texts = rows.compactMap { $0["text"] as? String }
        XCTAssertEqual(texts.count, rows.count)
        let corpus = folder.appendingPathComponent("english.txt")
        try Data(texts.map { $0 + "\n" }.joined().utf8).write(to: corpus)
        let expected = rows.map { int32s($0["vocab_txt_lowercase_ids"]).map(String.init).joined(separator: " ") }
        return (corpus.path, expected)
    }

    private func equalLines(_ output: String, _ expected: [String]) -> Int {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, expected.count)
        return zip(lines, expected).filter { $0.0 == $0.1 }.count
    }

    func testEncodeVocabTxtWithLowercaseStripsAccentsLikeHF() throws {
        let (corpus, expected) = try english()
        let vocab = try ProjectPaths.reference("hf/minilm/vocab.txt").path
        let r = try jikji(["encode", "--vocab", vocab, "--lowercase", "--input", corpus])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(equalLines(r.output, expected), expected.count, "lines equal to HF's lowercase=True")
        // --no-strip-accents keeps them: "café" is then not HF's lowercase=True encoding.
        let kept = try jikji(["encode", "--vocab", vocab, "--lowercase", "--no-strip-accents"], input: Data("Café naïve\n".utf8))
        XCTAssertEqual(kept.status, 0, kept.stderr)
        let stripped = try jikji(["encode", "--vocab", vocab, "--lowercase"], input: Data("Café naïve\n".utf8))
        XCTAssertNotEqual(kept.output, stripped.output)
    }

    func testImportedVocabTxtWithLowercaseEncodesLikeHF() throws {
        let (corpus, expected) = try english()
        let vocab = try ProjectPaths.reference("hf/minilm/vocab.txt").path
        let imported = try jikji(["vocab", "import", vocab, "--name", "minilm", "--lowercase"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let r = try jikji(["encode", "--vocab", "minilm", "--input", corpus])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(equalLines(r.output, expected), expected.count)
    }

    func testTrainWithLowercaseReproducesHFVocabulary() throws {
        let (corpus, _) = try english()
        let hf = try HFFixtureFiles.url("english-vocab.txt").path
        let output = folder.appendingPathComponent("trained.txt").path
        let r = try jikji(["vocab", "train", "--input", corpus, "--name", "english", "--lowercase",
                           "--vocab-size", "3000", "--min-frequency", "2", "--limit-alphabet", "1000",
                           "--continuation-order-from", hf, "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        let trained = try HFFixtureFiles.lines("english-vocab.txt")
        let ours = String(decoding: try Data(contentsOf: URL(fileURLWithPath: output)), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(ours.count, trained.count)
        XCTAssertTrue(sameBytes(ours, trained), "first difference at \(zip(ours, trained).enumerated().first { !sameBytes($0.element.0, $0.element.1) }.map { "\($0.offset): \($0.element)" } ?? "-")")
    }
}
