import Foundation
import JikjiTestSupport
import XCTest

/// `jikji vocab count`, `vocab merge-counts` and `vocab train --from-counts` as separate
/// processes: any number of shards, in any order, give the vocab.txt of one `vocab train`.
final class VocabShardCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func jikji(_ arguments: [String], input: Data? = nil) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments, input: input, in: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// N = 1, 2 and 7 shards of NSMC's review column (cut mid-file at line ends), merged in
    /// shuffled order: vocab.txt byte-identical to `vocab train` on the whole file, and the
    /// stored vocabularies identical token for token (`vocab diff`).
    func testShardsInAnyOrderGiveTheWholeCorpusVocabulary() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let training = ["--vocab-size", "5000", "--min-frequency", "3"]
        var r = try jikji(["vocab", "train", "--input", corpus, "--text-column", "document", "--name", "whole",
                           "--output", path("whole.txt")] + training)
        XCTAssertEqual(r.status, 0, r.stderr)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path("whole.txt")))
        for count in [1, 2, 7] {
            var shards: [String] = []
            for index in 0..<count {
                let shard = path("s\(index)of\(count).counts")
                r = try jikji(["vocab", "count", "--input", corpus, "--text-column", "document", "--shard", "\(index)/\(count)",
                               "--output", shard])
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertTrue(r.output.contains("counted shard \(index)/\(count) of 1 input(s)"), r.output)
                shards.append(shard)
            }
            var generator = SplitMixForTests(seed: UInt64(count))
            shards.shuffle(using: &generator)
            r = try jikji(["vocab", "merge-counts"] + shards + ["--output", path("m\(count).counts")])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.output.contains("merged \(count) count file(s)"), r.output)
            r = try jikji(["vocab", "train", "--from-counts", path("m\(count).counts"), "--name", "sharded\(count)",
                           "--output", path("sharded\(count).txt")] + training)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("sharded\(count).txt"))), whole, "\(count) shards")
            r = try jikji(["vocab", "diff", "whole", "sharded\(count)"])
            XCTAssertTrue(r.output.contains("added 0, removed 0, id changed 0"), r.output)
        }
        // The whole file piped through standard input, counted as one shard: the same again.
        r = try jikji(["vocab", "count", "--input", "-", "--text-column", "document", "--output", "-"],
                      input: try Data(contentsOf: URL(fileURLWithPath: corpus)))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("counted 1 input(s) into -"), r.stderr)
        try r.stdout.write(to: URL(fileURLWithPath: path("stdin.counts")))
        r = try jikji(["vocab", "train", "--from-counts", path("stdin.counts"), "--name", "piped", "--output", path("piped.txt")] + training)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("piped.txt"))), whole)
    }

    /// A cleaning pipeline and normalizer flags travel in the counts: the vocabulary trained from
    /// them is stored with that pipeline and equals `vocab train` with the same options.
    func testPipelineAndNormalizerComeFromTheCounts() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let counting = ["--text-column", "document", "--pipeline", "korean-web", "--lowercase", "--no-strip-accents"]
        var r = try jikji(["vocab", "train", "--input", corpus, "--name", "whole", "--output", path("whole.txt"),
                           "--vocab-size", "5000"] + counting)
        XCTAssertEqual(r.status, 0, r.stderr)
        for index in 0..<3 {
            r = try jikji(["vocab", "count", "--input", corpus, "--shard", "\(index)/3", "--output", path("p\(index).counts")] + counting)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        r = try jikji(["vocab", "merge-counts", path("p2.counts"), path("p0.counts"), path("p1.counts"), "-o", path("p.counts")])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try jikji(["vocab", "train", "--from-counts", path("p.counts"), "--name", "sharded", "--output", path("sharded.txt"),
                       "--vocab-size", "5000"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("sharded.txt"))),
                       try Data(contentsOf: URL(fileURLWithPath: path("whole.txt"))))
        let shown = try jikji(["vocab", "show", "sharded"]).output, reference = try jikji(["vocab", "show", "whole"]).output
        for line in reference.split(separator: "\n") where line.contains("pipeline") || line.contains("normalizer") {
            XCTAssertTrue(shown.contains(line), "missing '\(line)' in:\n\(shown)")
        }
        // Options that change counting do not go with --from-counts.
        r = try jikji(["vocab", "train", "--from-counts", path("p.counts"), "--name", "x", "--lowercase"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("are those of the counts"), r.stderr)
    }

    /// Shards counted with other settings are refused by name, and no merged file appears.
    func testMismatchedShardsAreRefused() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        var r = try jikji(["vocab", "count", "--input", corpus, "--text-column", "document", "--shard", "0/2", "--output", path("a.counts")])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try jikji(["vocab", "count", "--input", corpus, "--text-column", "document", "--shard", "1/2", "--lowercase",
                       "--output", path("b.counts")])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try jikji(["vocab", "merge-counts", path("a.counts"), path("b.counts"), "--output", path("m.counts")])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("b.counts was counted with other settings than") && r.stderr.contains("normalizer lowercase: true vs false"),
                      r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.counts")))
        r = try jikji(["vocab", "count", "--input", corpus, "--shard", "2/2", "--output", path("c.counts")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("shard '2/2'"), r.stderr)
    }
}

/// A small seeded generator, so that the shuffled shard orders are the same on every run.
private struct SplitMixForTests: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
