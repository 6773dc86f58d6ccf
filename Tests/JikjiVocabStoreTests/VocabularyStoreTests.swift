import JikjiIO
import Foundation
import JikjiSQLite
import JikjiTestSupport
import JikjiVocabStore
import JikjiWordPiece
import XCTest

/// The vocabulary store: round trips, versions, references, deletion, rollback, foreign files.
final class VocabularyStoreTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func dbPath(_ name: String = "jikji.sqlite") -> String { folder.appendingPathComponent(name).path }

    /// A small vocabulary with every field set, including awkward token texts.
    private func sample(name: String = "tiny", extra: [String] = []) -> StoredVocabulary {
        var tokens: [StoredToken] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map {
            StoredToken(text: $0, kind: .special, count: 0)
        }
        tokens += [StoredToken(text: "영", kind: .alphabet, count: 900),
                   StoredToken(text: "화", kind: .alphabet, count: 800),
                   StoredToken(text: "\"", kind: .alphabet, count: 7),
                   StoredToken(text: "##화", kind: .continuation, count: 500),
                   StoredToken(text: "영화", kind: .merged, count: 450, mergeRank: 0),
                   StoredToken(text: "##\u{0}x", kind: .merged, count: 3_000_000_000_000, mergeRank: 1)]
        tokens += extra.enumerated().map { StoredToken(text: $1, kind: .merged, count: 2, mergeRank: 2 + $0) }
        let created = Date(timeIntervalSince1970: 1_795_000_000.125)
        return StoredVocabulary(
            name: name, tokens: tokens, normalizer: .korean, maxInputCharactersPerWord: 80,
            trainerSettings: #"{"vocab_size":30000,"min_frequency":2}"#, pipeline: #"{"steps":["nfc"]}"#,
            corpus: CorpusFingerprint(files: [FileFingerprint(path: "corpora/a.txt", bytes: 123, lines: 4, sha256: String(repeating: "ab", count: 32)),
                                              FileFingerprint(path: "corpora/b.tsv", bytes: 9, lines: 1, sha256: String(repeating: "0f", count: 32))],
                                      column: "document"),
            statistics: #"{"merges":2}"#, origin: "trained", toolVersion: "0.1.0", createdAt: created)
    }

    func testRoundTripKeepsEveryField() throws {
        let store = try VocabularyStore(path: dbPath())
        let original = sample()
        XCTAssertEqual(try store.save(original), 1)
        var expected = original
        expected.version = 1
        XCTAssertEqual(try store.load("tiny"), expected)
        XCTAssertEqual(try store.load("tiny@1"), expected)
        // A second connection (another process would be the same) sees the committed vocabulary.
        XCTAssertEqual(try VocabularyStore(path: dbPath(), create: false).load("tiny"), expected)
        XCTAssertEqual(try store.load("tiny").wordPieceVocabulary().id(for: "영화"), 9)
    }

    func testVersionsLatestAndNoReuseAfterDelete() throws {
        let store = try VocabularyStore(path: dbPath())
        XCTAssertEqual(try store.save(sample()), 1)
        XCTAssertEqual(try store.save(sample(extra: ["영화관"])), 2)
        XCTAssertEqual(try store.save(sample(name: "other")), 1)
        XCTAssertEqual(try store.load("tiny").version, 2)
        XCTAssertEqual(try store.load("tiny").tokens.last?.text, "영화관")
        XCTAssertEqual(try store.load("tiny@1").tokens.count, 11)
        XCTAssertEqual(try store.list().map(\.reference), ["other@1", "tiny@1", "tiny@2"])

        XCTAssertEqual(try store.delete("tiny@2"), ["tiny@2"])
        XCTAssertEqual(try store.load("tiny").version, 1)
        // The deleted number is not handed out again: tiny@2 keeps meaning the deleted tokens.
        XCTAssertEqual(try store.save(sample()), 3)
        XCTAssertEqual(try store.delete("tiny"), ["tiny@1", "tiny@3"])
        XCTAssertEqual(try store.names(), ["other"])
        XCTAssertEqual(try store.database.scalarInt("SELECT count(*) FROM tokens"), 11, "tokens of deleted versions go too")
    }

    func testUnknownNamesAndBadReferencesExplainThemselves() throws {
        let store = try VocabularyStore(path: dbPath())
        try store.save(sample())
        try store.save(sample(name: "nsmc"))
        XCTAssertThrowsError(try store.load("nsnc")) { error in
            XCTAssertEqual(error as? VocabularyStoreError,
                           .unknownName("nsnc", available: ["nsmc", "tiny"], database: dbPath()))
            XCTAssertTrue("\(error)".contains("available: nsmc, tiny"), "\(error)")
        }
        XCTAssertThrowsError(try store.load("nsmc@4")) { error in
            XCTAssertEqual(error as? VocabularyStoreError,
                           .unknownVersion(name: "nsmc", version: 4, available: [1], database: dbPath()))
        }
        XCTAssertThrowsError(try store.delete("nsmc@4"))
        XCTAssertThrowsError(try store.delete("gone"))
        for bad in ["nsmc@", "@1", "nsmc@x", "nsmc@0", "nsmc@-1", "a@1@2", "", "has space", "a/b", "-flag"] {
            XCTAssertThrowsError(try VocabularyReference(parsing: bad), "'\(bad)' must be rejected") { error in
                XCTAssertTrue(error is VocabularyStoreError, "\(error)")
            }
        }
        XCTAssertEqual(try VocabularyReference(parsing: "한국어.v2_x-1@12"),
                       try VocabularyReference(name: "한국어.v2_x-1", version: 12))
        XCTAssertThrowsError(try store.save(sample(name: "bad name")))
    }

    func testInvalidVocabulariesAreRefused() throws {
        let store = try VocabularyStore(path: dbPath())
        var empty = sample()
        empty.tokens = []
        XCTAssertThrowsError(try store.save(empty))
        var zeroLength = sample()
        zeroLength.maxInputCharactersPerWord = 0
        XCTAssertThrowsError(try store.save(zeroLength))
        var badJSON = sample()
        badJSON.trainerSettings = "vocab_size=3"
        XCTAssertThrowsError(try store.save(badJSON))
        XCTAssertEqual(try store.list(), [])
    }

    /// A failure in the middle of writing the tokens leaves no trace of the vocabulary.
    func testInterruptedSaveLeavesNothingBehind() throws {
        let store = try VocabularyStore(path: dbPath())
        try store.save(sample())
        // Fail at the 1000th token row, as a crash or a full disk would.
        try store.database.execute("""
            CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON tokens WHEN NEW.token_id = 1000
            BEGIN SELECT RAISE(ABORT, 'simulated failure'); END
            """)
        let big = sample(name: "big", extra: (0..<5000).map { "tok\($0)" })
        XCTAssertThrowsError(try store.save(big)) { error in
            XCTAssertTrue("\(error)".contains("simulated failure"), "\(error)")
        }
        XCTAssertEqual(try store.list().map(\.reference), ["tiny@1"])
        XCTAssertEqual(try store.database.scalarInt("SELECT count(*) FROM tokens"), 11)
        XCTAssertNil(try store.database.scalarInt("SELECT last_version FROM vocabulary_names WHERE name = 'big'"))
        try store.database.execute("DROP TRIGGER fail_midway")
        XCTAssertEqual(try store.save(big), 1, "the failed attempt used no version number")
    }

    func testDamagedTokenRowsAreReportedNotGuessed() throws {
        let store = try VocabularyStore(path: dbPath())
        try store.save(sample())
        try store.database.execute("DELETE FROM tokens WHERE token_id = 3")
        XCTAssertThrowsError(try store.load("tiny")) { error in
            guard case .corruptRecord(_, let vocabulary, let problem)? = error as? VocabularyStoreError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(vocabulary, "tiny@1")
            XCTAssertTrue(problem.contains("from 2 to 4"), problem)
        }
    }

    func testMissingForeignAndNewerDatabasesAreClearErrors() throws {
        XCTAssertThrowsError(try VocabularyStore(path: dbPath("absent.sqlite"), create: false)) { error in
            XCTAssertEqual(error as? VocabularyStoreError, .databaseMissing(path: dbPath("absent.sqlite")))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dbPath("absent.sqlite")))

        let text = dbPath("notes.sqlite")
        try Data("not a database, just text\n".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try VocabularyStore(path: text)) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 26, "\(error)")
        }

        let foreign = dbPath("foreign.sqlite")
        try Database(path: foreign).execute("CREATE TABLE songs (title TEXT)")
        XCTAssertThrowsError(try VocabularyStore(path: foreign)) { error in
            guard case .notJikjiDatabase(let path, _)? = error as? SchemaError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, foreign)
        }

        let newer = dbPath("newer.sqlite")
        try VocabularyStore(path: newer).save(sample())
        try Database(path: newer).execute("INSERT INTO jikji_migrations (domain, version, name) VALUES ('vocab', 99, 'future')")
        XCTAssertThrowsError(try VocabularyStore(path: newer)) { error in
            XCTAssertEqual(error as? SchemaError,
                           .newerSchema(path: newer, domain: "vocab", knownVersion: 2, databaseVersion: 99))  // 2: hf_settings (issue 13)
        }
    }

    /// A store opened read-only (vocab list/show/export, encode --vocab NAME) never migrates: a
    /// schema one version behind is an error telling to run a command that writes, and the file
    /// is left as it was.
    func testReadOnlyOpenOfAnOlderSchemaNamesTheFixAndChangesNothing() throws {
        let path = dbPath()
        try VocabularyStore(path: path).save(sample())
        // Make the file look as an older Jikji left it: its last migration not yet applied.
        try Database(path: path).execute("DELETE FROM jikji_migrations WHERE domain = 'vocab' AND version = 2")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try VocabularyStore(path: path, create: false, readOnly: true)) { error in
            XCTAssertEqual(error as? SchemaError, .upgradeNeeded(path: path, domain: "vocab", databaseVersion: 1, knownVersion: 2))
            XCTAssertTrue("\(error)".contains("run a command that writes to it first"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["jikji.sqlite"])
    }

    func testDefaultPathCreatesItsFolder() throws {
        let path = folder.appendingPathComponent("vocab/jikji.sqlite").path
        let store = try VocabularyStore(path: path)
        try store.save(sample())
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(VocabularyStore.defaultPath, "vocab/jikji.sqlite")
    }

    /// Two connections on two threads save at once: both succeed with distinct versions.
    func testConcurrentSavesBothSucceed() throws {
        let path = dbPath()
        _ = try VocabularyStore(path: path)
        let big = sample(extra: (0..<30_000).map { "t\($0)" })
        let versions = VersionBox()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                let store = try VocabularyStore(path: path)
                versions.append(.success(try store.save(big)))
            } catch {
                versions.append(.failure(error))
            }
        }
        XCTAssertEqual(versions.sortedVersions, [1, 2], versions.errors)
        XCTAssertEqual(try VocabularyStore(path: path).load("tiny@2").tokens.count, big.tokens.count)
    }

    func testTrainedVocabularyIsStoredWithSettingsAndStatistics() throws {
        let tokens = [TrainedToken(text: "[PAD]", kind: .special, count: 0),
                      TrainedToken(text: "[UNK]", kind: .special, count: 0),
                      TrainedToken(text: "a", kind: .alphabet, count: 10),
                      TrainedToken(text: "b", kind: .alphabet, count: 6),
                      TrainedToken(text: "##b", kind: .continuation, count: 6),
                      TrainedToken(text: "ab", kind: .merged, count: 6, mergeRank: 0)]
        var options = WordPieceTrainerOptions(vocabSize: 6, minFrequency: 2, limitAlphabet: 1000,
                                              specialTokens: ["[PAD]", "[UNK]"])
        options.continuationOrder = .explicit(["b"])
        var statistics = TrainingStatistics()
        statistics.distinctWords = 2
        statistics.merges = 1
        statistics.stopReason = .vocabSizeReached
        let trained = TrainedVocabulary(tokens: tokens, options: options, statistics: statistics)
        let corpus = CorpusFingerprint(files: [FileFingerprint(path: "c.txt", bytes: 5, lines: 2, sha256: String(repeating: "0", count: 64))])
        let stored = StoredVocabulary(trained: trained, name: "ab", normalizer: .korean, pipeline: #"{"steps":[]}"#,
                                      corpus: corpus, toolVersion: "0.1.0")
        let store = try VocabularyStore(path: dbPath())
        try store.save(stored)
        let loaded = try store.load("ab")
        XCTAssertEqual(loaded.tokens.map(\.kind), [.special, .special, .alphabet, .alphabet, .continuation, .merged])
        XCTAssertEqual(loaded.tokens.map(\.count), [0, 0, 10, 6, 6, 6])
        XCTAssertEqual(loaded.tokens[5].mergeRank, 0)
        XCTAssertEqual(loaded.corpus, corpus)
        XCTAssertEqual(loaded.pipeline, #"{"steps":[]}"#)
        XCTAssertEqual(loaded.origin, "trained")
        let settings = try JSONSerialization.jsonObject(with: Data(loaded.trainerSettings!.utf8)) as? [String: Any]
        XCTAssertEqual(settings?["vocab_size"] as? Int, 6)
        XCTAssertEqual(settings?["limit_alphabet"] as? Int, 1000)
        XCTAssertEqual(settings?["special_tokens"] as? [String], ["[PAD]", "[UNK]"])
        XCTAssertEqual((settings?["continuation_order"] as? [String: Any])?["explicit"] as? [String], ["b"])
        let figures = try JSONSerialization.jsonObject(with: Data(loaded.statistics!.utf8)) as? [String: Any]
        XCTAssertEqual(figures?["merges"] as? Int, 1)
        XCTAssertEqual(figures?["stop_reason"] as? String, "vocab size reached")
    }

    /// Opening and reading never wait for a writer: another connection holding the write lock
    /// (a long training run saving its result) does not block `load`.
    func testReadersDoNotWaitForAWriter() throws {
        let path = dbPath()
        try VocabularyStore(path: path).save(sample())
        let writer = try Database(path: path)
        try writer.execute("BEGIN IMMEDIATE")
        try writer.execute("INSERT INTO vocabulary_names (name, last_version) VALUES ('pending', 1)")
        let start = Date()
        let reader = try VocabularyStore(path: path, create: false)
        XCTAssertEqual(try reader.load("tiny").tokens.count, 11)
        XCTAssertEqual(try reader.names(), ["tiny"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "the reader waited for the writer's lock")
        try writer.execute("COMMIT")
    }

    func testShowLinesListSettingsKindsAndTopTokensByCount() throws {
        var vocabulary = sample()
        vocabulary.version = 3
        let lines = vocabulary.descriptionLines(top: 3)
        XCTAssertEqual(lines.first, "tiny@3: 11 tokens")
        XCTAssertTrue(lines.contains("kinds: special 5, alphabet 3, continuation 1, merged 2"), "\(lines)")
        XCTAssertTrue(lines.contains("normalizer: clean_text=true handle_chinese_chars=true strip_accents=false lowercase=false"))
        XCTAssertTrue(lines.contains("  corpora/a.txt: 123 bytes, 4 lines, sha256 \(String(repeating: "ab", count: 32))"))
        XCTAssertTrue(lines.contains("corpus (column document):"))
        // Highest counts, specials excluded: ##\0x (3e12), 영 (900), 화 (800).
        XCTAssertEqual(Array(lines.suffix(4)), ["top 3 tokens by count (id, token, kind, count):",
                                                "  10\t##\u{0}x\tmerged\t3000000000000",
                                                "  5\t영\talphabet\t900", "  6\t화\talphabet\t800"])
        vocabulary.tokens = vocabulary.tokens.map { StoredToken(text: $0.text, kind: $0.kind, mergeRank: $0.mergeRank) }
        XCTAssertEqual(Array(vocabulary.descriptionLines(top: 1).suffix(2)),
                       ["first 1 merged tokens (no counts stored; id, token):", "  9\t영화"])

        var other = sample()
        other.normalizer = BertNormalizerOptions(stripAccents: nil, lowercase: true)
        other.pipeline = nil
        XCTAssertEqual(VocabularyDiff.settingChanges(from: sample(), to: other),
                       ["setting strip_accents: false -> null", "setting lowercase: false -> true",
                        #"setting cleaning pipeline: {"steps":["nfc"]} -> none"#])
    }

    func testDiffReportsAddedRemovedAndMoved() {
        let diff = VocabularyDiff(from: ["[UNK]", "a", "b", "c"], to: ["[UNK]", "c", "a", "d"])
        XCTAssertEqual(diff.added, [.init(token: "d", id: 3)])
        XCTAssertEqual(diff.removed, [.init(token: "b", id: 2)])
        XCTAssertEqual(diff.moved, [.init(token: "c", oldID: 3, newID: 1), .init(token: "a", oldID: 1, newID: 2)])
        XCTAssertEqual(diff.unchanged, 1)
        XCTAssertTrue(VocabularyDiff(from: ["x", "y"], to: ["x", "y"]).isEmpty)
        // 金 (U+91D1) and U+F90A are canonically equivalent but different tokens, as in HF.
        let twins = VocabularyDiff(from: ["[UNK]", "\u{91D1}"], to: ["[UNK]", "\u{F90A}"])
        XCTAssertEqual(twins.added.map { $0.token.unicodeScalars.map(\.value) }, [[0xF90A]])
        XCTAssertEqual(twins.removed.map { $0.token.unicodeScalars.map(\.value) }, [[0x91D1]])
        XCTAssertEqual(twins.unchanged, 1)
    }
}

/// Results gathered from several threads (`@unchecked Sendable`: `results` only under `lock`).
final class VersionBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Int, Error>] = []
    func append(_ result: Result<Int, Error>) { lock.lock(); results.append(result); lock.unlock() }
    var sortedVersions: [Int] {
        lock.lock(); defer { lock.unlock() }
        return results.compactMap { try? $0.get() }.sorted()
    }
    var errors: String {
        lock.lock(); defer { lock.unlock() }
        return results.compactMap { if case .failure(let e) = $0 { return "\(e)" } else { return nil } }.joined(separator: "; ")
    }
}
