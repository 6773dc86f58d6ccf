import Foundation
import JikjiTestSupport
import JikjiText
import JikjiVocabStore
import JikjiWordPiece
import XCTest

/// The `--vocab` rule (``VocabularySource``) and the store's complete encoder
/// (``StoredVocabulary/textEncoder()``).
final class VocabularySourceTests: XCTestCase {
    private var folder: URL!
    private var database: String { folder.appendingPathComponent("vocab.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testFilesAndNamesAreToldApart() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let json = try ProjectPaths.reference("hf/wp150k/tokenizer_bert.json").path
        // Issue 13: --lowercase alone is HF's lowercase=True, whose strip_accents=None follows it.
        XCTAssertEqual(try VocabularySource(argument: vocabTxt, databasePath: database, lowercase: true),
                       .vocabTxt(path: vocabTxt, normalizer: BertNormalizerOptions(stripAccents: nil, lowercase: true)))
        XCTAssertEqual(try VocabularySource(argument: vocabTxt, databasePath: database, lowercase: true, stripAccents: false),
                       .vocabTxt(path: vocabTxt, normalizer: BertNormalizerOptions(stripAccents: false, lowercase: true)))
        XCTAssertEqual(try VocabularySource(argument: json, databasePath: database), .tokenizerJSON(path: json))
        // A tokenizer.json under another name is told by its first byte.
        let renamed = folder.appendingPathComponent("tokenizer.data")
        try FileManager.default.copyItem(atPath: json, toPath: renamed.path)
        XCTAssertEqual(try VocabularySource(argument: renamed.path, databasePath: database), .tokenizerJSON(path: renamed.path))
        FileManager.default.createFile(atPath: database, contents: nil)
        XCTAssertEqual(try VocabularySource(argument: "wp@2", databasePath: database),
                       .stored(reference: "wp@2", databasePath: database))
    }

    func testEachMistakeHasItsMessage() throws {
        let json = try ProjectPaths.reference("hf/wp150k/tokenizer.json").path
        let cases: [(String, Bool, String)] = [
            ("/nonexistent/vocab.txt", false, "vocabulary file /nonexistent/vocab.txt does not exist"),
            ("missing.json", false, "vocabulary file missing.json does not exist"),
            (json, true, "--lowercase/--strip-accents apply to vocab.txt; \(json) carries its own normalizer"),
            ("wp150k", true, "--lowercase/--strip-accents apply to vocab.txt; stored vocabularies carry their own normalizer"),
            ("wp150k", false, "wp150k is neither a file nor a stored vocabulary: database \(database) does not exist"),
        ]
        for (argument, lowercase, message) in cases {
            XCTAssertThrowsError(try VocabularySource(argument: argument, databasePath: database, lowercase: lowercase)) {
                XCTAssertEqual($0 as? VocabularySourceError, VocabularySourceError(message), argument)
            }
        }
    }

    /// A file is read without a database; once stored, its name gives the same vocabulary; a
    /// name the store lacks is the store's error, listing the names it has.
    func testAFileNeedsNoDatabaseAndAStoredNameGivesTheSameTokens() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        let fromFile = try VocabularySource(argument: vocabTxt.path, databasePath: database).textEncoder()
        XCTAssertEqual(fromFile.vocabulary.tokens.count, 30000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: database), "reading a file touches no database")

        try VocabularyStore(path: database).save(try StoredVocabulary.importing(vocabTxt, name: "vocab.txt", toolVersion: "t"))
        let fromStore = try VocabularySource(argument: "vocab.txt@1", databasePath: database).textEncoder()
        XCTAssertEqual(fromStore.vocabulary.tokens, fromFile.vocabulary.tokens)
        XCTAssertThrowsError(try VocabularySource(argument: "nsmc", databasePath: database).textEncoder()) {
            XCTAssertEqual($0 as? VocabularyStoreError, .unknownName("nsmc", available: ["vocab.txt"], database: database))
        }
    }

    /// A vocabulary stored with a pipeline cleans before encoding; its vocab.txt, the same tokens
    /// without the pipeline, does not.
    func testTheStoredEncoderRunsTheStoredPipeline() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        var stored = try StoredVocabulary.importing(vocabTxt, name: "wp", toolVersion: "t")
        stored.pipeline = CleaningPipeline.presets["korean-web"]!.jsonString
        try VocabularyStore(path: database).save(stored)
        let fromStore = try VocabularySource(argument: "wp", databasePath: database).textEncoder()
        let fromFile = try VocabularySource(argument: vocabTxt.path, databasePath: database).textEncoder()
        XCTAssertEqual(fromStore.pipeline, CleaningPipeline.presets["korean-web"])
        XCTAssertNil(fromFile.pipeline)
        let text = "<b>정말</b> 재밌게 봤다 http://example.com ㅋㅋㅋㅋㅋ"
        let cleaned = CleaningPipeline.presets["korean-web"]!.clean(text)
        XCTAssertEqual(try fromStore.encode(text).ids, try fromFile.encode(cleaned).ids)
        XCTAssertNotEqual(try fromStore.encode(text).ids, try fromFile.encode(text).ids)
        XCTAssertEqual(fromStore.decode(try fromStore.encode(text).ids), fromFile.decode(try fromFile.encode(cleaned).ids))
    }

    func testAStoredPipelineThatDoesNotCompileIsAnError() throws {
        var stored = try StoredVocabulary.importing(try ProjectPaths.reference("hf/wp150k/vocab.txt"), name: "wp", toolVersion: "t")
        stored.pipeline = CleaningPipeline(steps: [.regex(pattern: "(unclosed", replace: "", ignoreCase: false)]).jsonString
        XCTAssertThrowsError(try stored.textEncoder()) { XCTAssertTrue("\($0)".contains("regex"), "\($0)") }
        stored.pipeline = #"{"steps":[]}"#
        XCTAssertNil(try stored.textEncoder().pipeline)
    }
}
