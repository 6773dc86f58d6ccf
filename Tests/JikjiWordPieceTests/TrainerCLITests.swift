import Foundation
import JikjiTestSupport
import Synchronization
import XCTest

/// `jikji vocab train` end to end: arguments, the stored vocabulary, vocab.txt output, errors.
final class TrainerCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-train-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testTrainStoresAndWritesVocabulary() throws {
        let corpus = try write("c.tsv", Array("id\tdocument\n1\t한국어 한국어 한국\n2\t사람 사람들!\n".utf8))
        let db = folder.appendingPathComponent("v.sqlite").path
        let out = folder.appendingPathComponent("vocab.txt").path
        let result = try JikjiCommand.run(["vocab", "train", "--input", corpus, "--column", "document", "--name", "tiny",
                                           "--vocab-size", "30", "--min-frequency", "2", "--db", db, "--output", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.output.contains("trained tiny@1"), result.output)
        let vocab = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        // Specials, alphabet by code point, ##x by code point, then merges by count.
        XCTAssertEqual(Array(vocab.prefix(5)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(Array(vocab[5..<12]), ["!", "국", "들", "람", "사", "어", "한"])
        XCTAssertEqual(Array(vocab[12..<16]), ["##국", "##들", "##람", "##어"])
        // 한+##국 (3); then 한국+##어 and 사+##람 tie at 2 and the smaller left id (사) wins;
        // 사람+##들 occurs once, below --min-frequency 2.
        XCTAssertEqual(Array(vocab[16...]), ["한국", "사람", "한국어"])

        let shown = try JikjiCommand.run(["vocab", "show", "tiny", "--db", db])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.output.contains("merged"), shown.output)
        XCTAssertTrue(shown.output.contains("c.tsv"), shown.output)
    }

    func testInvalidUTF8IsAClearError() throws {
        let corpus = try write("bad.txt", Array("ok\n".utf8) + [0xFF, 0x0A])
        let db = folder.appendingPathComponent("v.sqlite").path
        let result = try JikjiCommand.run(["vocab", "train", "--input", corpus, "--name", "bad", "--db", db])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("bad.txt:2"), result.stderr)
        XCTAssertTrue(result.stderr.contains("UTF-8"), result.stderr)
    }

    func testEmptyCorpusAndSmallVocabSizeAreErrors() throws {
        let empty = try write("empty.txt", Array("\n \n".utf8))
        let db = folder.appendingPathComponent("v.sqlite").path
        let first = try JikjiCommand.run(["vocab", "train", "--input", empty, "--name", "e", "--db", db])
        XCTAssertNotEqual(first.status, 0)
        XCTAssertTrue(first.stderr.contains("empty corpus"), first.stderr)

        let small = try write("small.txt", Array("abc abd\n".utf8))
        let second = try JikjiCommand.run(["vocab", "train", "--input", small, "--name", "s", "--vocab-size", "5", "--db", db])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.stderr.contains("vocab size 5 is below the base vocabulary of 12"), second.stderr)
    }

    func testTwoConcurrentTrainingsIntoOneDatabaseBothSucceed() throws {
        let corpus = try write("c.txt", Array(String(repeating: "한국어 사람 사람들 영화 영화관\n", count: 200).utf8))
        let db = folder.appendingPathComponent("shared.sqlite").path
        let outcomes = Mutex<(statuses: [Int32], errors: [String])>(([], []))
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = try? JikjiCommand.run(["vocab", "train", "--input", corpus, "--name", "same",
                                                "--vocab-size", "40", "--db", db])
            outcomes.withLock {
                $0.statuses.append(result?.status ?? -1)
                $0.errors.append(result?.stderr ?? "did not run")
            }
        }
        let (statuses, errors) = outcomes.withLock { ($0.statuses, $0.errors) }
        XCTAssertEqual(statuses, [0, 0], errors.joined(separator: "\n"))
        let listed = try JikjiCommand.run(["vocab", "list", "--db", db])
        XCTAssertTrue(listed.output.contains("same@1") && listed.output.contains("same@2"), listed.output)
        // Both versions hold the same (deterministic) tokens.
        let diff = try JikjiCommand.run(["vocab", "diff", "same@1", "same@2", "--db", db])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        let first = try JikjiCommand.run(["vocab", "export", "same@1", "--format", "vocab-txt",
                                          "--output", folder.appendingPathComponent("1.txt").path, "--db", db])
        let second = try JikjiCommand.run(["vocab", "export", "same@2", "--format", "vocab-txt",
                                           "--output", folder.appendingPathComponent("2.txt").path, "--db", db])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("1.txt")),
                       try Data(contentsOf: folder.appendingPathComponent("2.txt")))
    }
}
