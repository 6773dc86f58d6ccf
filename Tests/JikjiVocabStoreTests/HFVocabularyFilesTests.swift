import Foundation
import JikjiTestSupport
import JikjiVocabStore
import JikjiWordPiece
import XCTest

/// Import and export of HF's own wp150k files through the store: same tokens, same ids, same bytes.
final class HFVocabularyFilesTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func referenceLines(_ url: URL) throws -> [String] {
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// HF's own vocab.txt files hold canonically equivalent tokens (U+F90A and 金; `##é` written
    /// precomposed and decomposed) as distinct lines: they import whole, byte for byte, and only a
    /// byte-identical line is refused as a duplicate.
    func testCanonicallyEquivalentTokensAreNotDuplicates() throws {
        let wp567k = try ProjectPaths.reference("hf/wp567k/vocab.txt")
        let mixed = ProjectPaths.root.appendingPathComponent("Tests/JikjiWordPieceTests/Fixtures/mixed-vocab.txt")
        for source in [wp567k, mixed] {
            let imported = try StoredVocabulary.importing(source, name: "hf", toolVersion: "test")
            XCTAssertEqual(imported.tokenTexts.map { Array($0.utf8) }, try referenceLines(source).map { Array($0.utf8) },
                           source.path)
        }
        let doubled = folder.appendingPathComponent("doubled.txt")
        try "[PAD]\n[UNK]\n##\u{E9}\n##e\u{301}\n##\u{E9}\n".write(to: doubled, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try StoredVocabulary.importing(doubled, name: "d", toolVersion: "test")) { error in
            guard case let VocabularyFileError.duplicateToken(_, _, firstLine, line)? = error as? VocabularyFileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([firstLine, line], [3, 5])
        }
    }

    func testVocabTxtImportExportIsExact() throws {
        let source = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        let store = try VocabularyStore(path: folder.appendingPathComponent("db.sqlite").path)
        let imported = try StoredVocabulary.importing(source, name: "wp150k", toolVersion: "test")
        let saveStart = Date()
        XCTAssertEqual(try store.save(imported), 1)
        print("saving 30000 tokens took \(Int(Date().timeIntervalSince(saveStart) * 1000)) ms")

        let start = Date()
        let loaded = try store.load("wp150k")
        let seconds = Date().timeIntervalSince(start)
        print("loading 30000 tokens took \(Int(seconds * 1000)) ms")
        XCTAssertLessThan(seconds, 2.0, "loading a 30k vocabulary must stay fast")

        let expected = try referenceLines(source)
        XCTAssertEqual(expected.count, 30000)
        XCTAssertEqual(loaded.tokenTexts, expected)
        XCTAssertEqual(loaded.specialTokens, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        let kinds = loaded.kindCounts
        XCTAssertEqual(kinds[.special], 5)
        // wp150k's base vocabulary: 5 specials, then single characters, then ##x, then merges.
        XCTAssertEqual(loaded.tokens[5].kind, .alphabet)
        XCTAssertEqual(loaded.tokens.firstIndex { $0.kind == .merged }, 5 + kinds[.alphabet]! + kinds[.continuation]!)
        XCTAssertEqual(loaded.tokens.first { $0.kind == .merged }?.mergeRank, 0)
        XCTAssertEqual(loaded.normalizer, .korean)

        let out = folder.appendingPathComponent("vocab.txt")
        try loaded.export(to: out, format: .vocabTxt)
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: source))
    }

    func testTokenizerJSONImportAndExportMatchHFBytes() throws {
        let bert = try ProjectPaths.reference("hf/wp150k/tokenizer_bert.json")
        let plain = try ProjectPaths.reference("hf/wp150k/tokenizer.json")
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        let store = try VocabularyStore(path: folder.appendingPathComponent("db.sqlite").path)
        try store.save(StoredVocabulary.importing(bert, name: "wp", toolVersion: "test"))
        try store.save(StoredVocabulary.importing(vocabTxt, name: "wp", toolVersion: "test"))
        let fromJSON = try store.load("wp@1"), fromTxt = try store.load("wp@2")

        XCTAssertEqual(fromJSON.tokenTexts, try referenceLines(vocabTxt))
        XCTAssertTrue(VocabularyDiff(from: fromJSON, to: fromTxt).isEmpty)
        XCTAssertEqual(fromJSON.normalizer, BertNormalizerOptions(stripAccents: false, lowercase: false))
        XCTAssertEqual(fromJSON.kindCounts, fromTxt.kindCounts)

        // Exports of either import are byte for byte the files HF wrote.
        for vocabulary in [fromJSON, fromTxt] {
            let withProcessor = folder.appendingPathComponent("bert-\(vocabulary.version).json")
            let withoutProcessor = folder.appendingPathComponent("plain-\(vocabulary.version).json")
            try vocabulary.export(to: withProcessor, format: .tokenizerJSON)
            try vocabulary.export(to: withoutProcessor, format: .tokenizerJSON, postProcessor: false)
            XCTAssertEqual(try Data(contentsOf: withProcessor), try Data(contentsOf: bert))
            XCTAssertEqual(try Data(contentsOf: withoutProcessor), try Data(contentsOf: plain))
        }
    }

    func testFormatDetectionAndMissingSpecialTokens() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        XCTAssertEqual(try VocabularyFileFormat.detect(vocabTxt), .vocabTxt)
        XCTAssertEqual(try VocabularyFileFormat.detect(ProjectPaths.reference("hf/wp150k/tokenizer.json")), .tokenizerJSON)
        XCTAssertThrowsError(try StoredVocabulary.importing(vocabTxt, name: "x", specialTokens: ["[BOS]"], toolVersion: "t")) {
            XCTAssertTrue("\($0)".contains("[BOS]"), "\($0)")
        }
        let custom = try StoredVocabulary.importing(vocabTxt, name: "x", specialTokens: ["[UNK]", "[PAD]"], toolVersion: "t")
        XCTAssertEqual(custom.specialTokens, ["[PAD]", "[UNK]"])
        XCTAssertEqual(custom.tokens[2].kind, .merged, "[CLS] is an ordinary token when not declared special")
    }
}
