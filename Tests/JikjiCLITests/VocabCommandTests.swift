import Foundation
import JikjiTestSupport
import XCTest

/// `jikji vocab …` end to end, as separate processes on real HF files.
final class VocabCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `jikji` in the temporary folder, so the default `vocab/jikji.sqlite` lands there.
    private func jikji(_ arguments: String...) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments, in: folder)
    }

    /// `vocab train --output` writes vocab.txt whole through an atomic output file; a path that
    /// cannot be written fails before any training, stores nothing and leaves no file.
    func testTrainOutputIsWrittenWholeOrFailsFirst() throws {
        let corpus = folder.appendingPathComponent("c.txt")
        try Data("좋아요 정말 좋아요\n별로 였다\n".utf8).write(to: corpus)
        let out = folder.appendingPathComponent("vocab.txt").path
        var r = try jikji("vocab", "train", "--input", corpus.path, "--name", "t", "--vocab-size", "50",
                          "--min-frequency", "1", "--output", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.prefix(5), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(lines.last, "", "the file ends with a line break")

        let missing = folder.appendingPathComponent("no/such/folder/vocab.txt").path
        r = try jikji("vocab", "train", "--input", corpus.path, "--name", "u", "--vocab-size", "50",
                      "--min-frequency", "1", "--output", missing)
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("\(missing): cannot create a file in"), r.stderr)
        XCTAssertFalse(r.output.contains("trained u@"), r.output)
        r = try jikji("vocab", "list")
        XCTAssertFalse(r.output.contains("u@1"), r.output)
    }

    func testImportListShowDiffExportDelete() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let bertJSON = try ProjectPaths.reference("hf/wp150k/tokenizer_bert.json").path
        let plainJSON = try ProjectPaths.reference("hf/wp150k/tokenizer.json").path

        var r = try jikji("vocab", "import", vocabTxt, "--name", "wp150k")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("wp150k@1 (30000 tokens)"), r.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab/jikji.sqlite").path))
        r = try jikji("vocab", "import", bertJSON, "--name", "wp150k")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("wp150k@2"), r.output)

        r = try jikji("vocab", "list")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        XCTAssertEqual(rows, ["wp150k@1 30000", "wp150k@2 30000"])

        r = try jikji("vocab", "show", "wp150k@1", "--top", "3")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("wp150k@1: 30000 tokens"), r.output)
        XCTAssertTrue(r.output.contains("kinds: special 5, alphabet "), r.output)
        XCTAssertTrue(r.output.contains("strip_accents=false lowercase=false"), r.output)
        XCTAssertTrue(r.output.contains("5389\t영화"), "the first merge of wp150k: \(r.output)")

        r = try jikji("vocab", "diff", "wp150k@1", "wp150k")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("added 0, removed 0, id changed 0, unchanged 30000"), r.output)
        XCTAssertFalse(r.output.contains("setting "), r.output)

        // Ids 5 and 6 swapped, id 100 removed (101… move down by one), one token appended, read as
        // lowercasing: 2 + 29899 ids change, ids 0-4 and 7-99 stay.
        var lines = try String(contentsOfFile: vocabTxt, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.swapAt(5, 6)
        let removed = lines.remove(at: 100)
        lines.append("새토큰")
        let edited = folder.appendingPathComponent("edited.txt")
        try (lines.joined(separator: "\n") + "\n").write(to: edited, atomically: true, encoding: .utf8)
        XCTAssertEqual(try jikji("vocab", "import", edited.path, "--name", "edited", "--lowercase").status, 0)
        r = try jikji("vocab", "diff", "wp150k@1", "edited", "--limit", "0")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("setting lowercase: false -> true"), r.output)
        XCTAssertTrue(r.output.contains("added 1, removed 1, id changed 29901, unchanged 98"), r.output)
        XCTAssertTrue(r.output.contains("+ 29999\t새토큰"), r.output)
        XCTAssertTrue(r.output.contains("- 100\t\(removed)"), r.output)
        XCTAssertTrue(r.output.contains("~ 5 -> 6\t!"), r.output)

        let bertOut = folder.appendingPathComponent("out/tokenizer_bert.json")  // out/ does not exist yet
        r = try jikji("vocab", "export", "wp150k@1", "--format", "tokenizer-json", "--output", bertOut.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: bertOut), try Data(contentsOf: URL(fileURLWithPath: bertJSON)))
        let plainOut = folder.appendingPathComponent("out/tokenizer.json")
        r = try jikji("vocab", "export", "wp150k", "--format", "tokenizer-json", "--no-post-processor", "-o", plainOut.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: plainOut), try Data(contentsOf: URL(fileURLWithPath: plainJSON)))
        let txtOut = folder.appendingPathComponent("out/vocab.txt")
        r = try jikji("vocab", "export", "wp150k@2", "--format", "vocab-txt", "--output", txtOut.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: txtOut), try Data(contentsOf: URL(fileURLWithPath: vocabTxt)))

        r = try jikji("vocab", "delete", "wp150k@1")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("deleted wp150k@1"), r.output)
        r = try jikji("vocab", "show", "wp150k@1")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("available: wp150k@2"), r.stderr)
    }

    func testBadInputIsAClearErrorWithNonZeroExit() throws {
        var r = try jikji("vocab", "list")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("does not exist yet"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab").path),
                       "listing must not create the database")

        r = try jikji("vocab", "show", "nsmc")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("does not exist"), r.stderr)

        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        XCTAssertEqual(try jikji("vocab", "import", vocabTxt, "--name", "nsmc").status, 0)
        r = try jikji("vocab", "show", "nsnc")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no vocabulary named 'nsnc'") && r.stderr.contains("available: nsmc"), r.stderr)
        r = try jikji("vocab", "show", "nsmc@latest")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("bad vocabulary reference 'nsmc@latest'"), r.stderr)
        r = try jikji("vocab", "import", vocabTxt, "--name", "my vocab")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("bad vocabulary name"), r.stderr)
        r = try jikji("vocab", "import", folder.appendingPathComponent("missing.txt").path, "--name", "x")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("missing.txt"), r.stderr)

        let foreign = folder.appendingPathComponent("foreign.sqlite")
        try Data(repeating: 0x42, count: 8192).write(to: foreign)
        r = try jikji("vocab", "list", "--db", foreign.path)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("not a database") && r.stderr.contains(foreign.path), r.stderr)

        let json = folder.appendingPathComponent("bpe.json")
        try Data(#"{"model": {"type": "BPE", "vocab": {}, "merges": []}}"#.utf8).write(to: json)
        r = try jikji("vocab", "import", json.path, "--name", "bpe")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("model.type") && r.stderr.contains("BPE"), r.stderr)
    }

    /// Two processes importing into one database at the same moment both succeed.
    func testTwoProcessesImportAtOnce() throws {
        let tokenizerJSON = try ProjectPaths.reference("hf/wp150k/tokenizer.json").path
        let db = folder.appendingPathComponent("shared.sqlite").path
        let results = ResultBox()
        let folder: URL = self.folder // the workers share the value, not the test case
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do {
                results.add(try JikjiCommand.run(["vocab", "import", tokenizerJSON, "--name", i % 2 == 0 ? "a" : "b",
                                                  "--db", db], in: folder))
            } catch {
                XCTFail("\(error)")
            }
        }
        XCTAssertEqual(results.all.map(\.status), [0, 0, 0, 0], results.all.map(\.stderr).joined(separator: "\n"))
        let list = try jikji("vocab", "list", "--db", db).output
        for reference in ["a@1", "a@2", "b@1", "b@2"] {
            XCTAssertTrue(list.contains("\(reference) "), list)
        }
    }

    /// A process killed while importing leaves either the whole vocabulary or nothing.
    func testKilledImportLeavesNoHalfVocabulary() throws {
        let vocabTxt = try ProjectPaths.reference("hf/wp150k/vocab.txt")
        let db = folder.appendingPathComponent("killed.sqlite").path
        // Time one whole import, then kill later ones at fractions of that time so some die mid-write.
        let start = Date()
        XCTAssertEqual(try jikji("vocab", "import", vocabTxt.path, "--name", "timed", "--db", db).status, 0)
        let full = Date().timeIntervalSince(start)
        for (attempt, fraction) in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95].enumerated() {
            let delay = full * fraction
            let process = Process()
            process.executableURL = JikjiCommand.executable
            process.arguments = ["vocab", "import", vocabTxt.path, "--name", "k\(attempt)", "--db", db]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let list = try jikji("vocab", "list", "--db", db)
        XCTAssertEqual(list.status, 0, list.stderr)
        let expected = try Data(contentsOf: vocabTxt)
        print("after kills the database holds: \(list.output)")
        for line in list.output.split(separator: "\n").dropFirst() {
            let reference = String(line.split(separator: " ")[0])
            XCTAssertTrue(line.contains(" 30000 "), "a stored vocabulary is complete: \(line)")
            let out = folder.appendingPathComponent("\(reference).txt")
            let r = try jikji("vocab", "export", reference, "--format", "vocab-txt", "-o", out.path, "--db", db)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Data(contentsOf: out), expected, reference)
        }
        // The database still takes writes after the kills.
        XCTAssertEqual(try jikji("vocab", "import", vocabTxt.path, "--name", "after", "--db", db).status, 0)
    }
}

/// Command results gathered from several threads (`@unchecked Sendable`: `results` only under `lock`).
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [JikjiCommand.Result] = []
    func add(_ result: JikjiCommand.Result) { lock.lock(); results.append(result); lock.unlock() }
    var all: [JikjiCommand.Result] { lock.lock(); defer { lock.unlock() }; return results }
}
