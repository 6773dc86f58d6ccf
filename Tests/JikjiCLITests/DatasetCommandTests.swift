import Foundation
import XCTest
import JikjiTestSupport

/// End-to-end tests of `jikji dataset` on the real corpora, with HF's wp150k vocabulary imported.
final class DatasetCommandTests: XCTestCase {
    var folder: URL!
    var db: String { folder.appendingPathComponent("jikji.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-dataset-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let imported = try JikjiCommand.run(["vocab", "import", vocab, "--name", "wp150k", "--db", db])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func jikji(_ arguments: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> JikjiCommand.Result {
        let result = try JikjiCommand.run(arguments + ["--db", db])
        XCTAssertEqual(result.status, status, "jikji \(arguments.joined(separator: " ")): \(result.stderr)\(result.output)", file: file, line: line)
        return result
    }

    /// The source ids of a shard, read from its documented layout (little-endian sections).
    func shardSequences(_ path: String) throws -> [[UInt32]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
        func u64(_ at: Int) -> Int { Int(u32(at)) | Int(u32(at + 4)) << 32 }
        XCTAssertEqual(Array(bytes[0..<4]), Array("JKDS".utf8))
        var cursor = (12 + Int(u32(8)) + 7) & ~7
        func section() -> [UInt32] {
            let count = u64(cursor)
            cursor += 8
            let values = (0..<count).map { u32(cursor + 4 * $0) }
            cursor = (cursor + 4 * count + 7) & ~7
            return values
        }
        let offsets = section(), ids = section()
        return (0..<(offsets.count - 1)).map { Array(ids[Int(offsets[$0])..<Int(offsets[$0 + 1])]) }
    }

    func testBuildNSMCTestGivesHFIdsAndInspectShowsPaddingSavings() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let build = try jikji(["dataset", "build", "--input", corpus, "--text-column", "document", "--label-column", "label",
                               "--vocab", "wp150k", "--name", "nsmc-test"])
        XCTAssertTrue(build.output.contains("train 24954"), build.output)

        // Every stored sequence equals HF's encoding of the review without [CLS]/[SEP].
        let reference = try ProjectPaths.reference("hf/encodings/ratings_test.jsonl.gz")
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", reference.path]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let jsonl = pipe.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        let stored = try shardSequences(folder.appendingPathComponent("datasets/nsmc-test.jkds").path)
        var lines = 0, mismatches = 0
        for line in jsonl.split(separator: UInt8(ascii: "\n")) {
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let ids = (object["ids"] as! [Int]).dropFirst().dropLast().map { UInt32($0) }
            if stored[lines] != ids { mismatches += 1 }
            lines += 1
        }
        XCTAssertEqual(lines, 24_954)
        XCTAssertEqual(stored.count, lines)
        XCTAssertEqual(mismatches, 0)

        let svg = folder.appendingPathComponent("lengths.svg").path
        let inspect = try jikji(["dataset", "inspect", "nsmc-test", "--svg", svg])
        XCTAssertTrue(inspect.output.contains("labels: 0: 12477 (50.0%), 1: 12477 (50.0%)"), inspect.output)
        XCTAssertTrue(inspect.output.contains("p50 11, p90 30, p95 42, p99 58, max 114"), inspect.output)
        XCTAssertTrue(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<svg"))
        func padding(_ strategy: String) -> Double? {
            guard let line = inspect.output.split(separator: "\n").first(where: { $0.hasPrefix(strategy) }),
                  let percent = line.split(separator: " ").last?.dropLast() else { return nil }
            return Double(percent)
        }
        let fixed = try XCTUnwrap(padding("fixed length 64")), bucketed = try XCTUnwrap(padding("bucketed"))
        XCTAssertLessThan(bucketed, fixed / 10)

        let show = try jikji(["dataset", "show", "nsmc-test"])
        XCTAssertTrue(show.output.contains("wp150k@1"), show.output)
        XCTAssertTrue(show.output.contains("sha256 fa56924291c7e54e2ed71c392cb751d7995911c5fa9f0da570c3e466baf0b7a6"), show.output)
        let list = try jikji(["dataset", "list"])
        XCTAssertTrue(list.output.contains("nsmc-test  classification  wp150k@1"), list.output)

        let batches = try jikji(["dataset", "batches", "nsmc-test", "--batch-size", "64", "--max-length", "64", "--epoch", "3"])
        XCTAssertTrue(batches.output.contains("epoch 3: 390 batches, 24954 rows, widest 64"), batches.output)
        // Epoch 3 alone equals epoch 3 reached after epochs 0…2.
        let replayed = try jikji(["dataset", "batches", "nsmc-test", "--batch-size", "64", "--max-length", "64", "--epochs", "4"])
        let checksum = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("epoch 3:") }?.split(separator: " ").last }
        XCTAssertNotNil(checksum(batches.output))
        XCTAssertEqual(checksum(batches.output), checksum(replayed.output))

        let again = try jikji(["dataset", "build", "--input", corpus, "--text-column", "document", "--label-column", "label",
                               "--vocab", "wp150k", "--name", "nsmc-test"], status: 1)
        XCTAssertTrue(again.stderr.contains("--replace"), again.stderr)
    }

    func testChatbotPairsBuildAndBatch() throws {
        let corpus = try ProjectPaths.corpus("chatbot/ChatbotData.csv").path
        let build = try jikji(["dataset", "build", "--input", corpus, "--source-column", "Q", "--target-column", "A",
                               "--label-column", "label", "--split", "0.9,0.1", "--vocab", "wp150k", "--name", "chatbot"])
        XCTAssertTrue(build.output.contains("dataset chatbot (pairs)"), build.output)
        XCTAssertTrue(build.output.contains("train 10641, valid 1182"), build.output)
        let show = try jikji(["dataset", "batches", "chatbot", "--batch-size", "4", "--show", "1", "--no-shuffle", "--bucket-pool", "0"])
        XCTAssertTrue(show.output.contains("batch 0: [4, "), show.output)
        let inspect = try jikji(["dataset", "inspect", "chatbot"])
        XCTAssertTrue(inspect.output.contains("source lengths"), inspect.output)
        XCTAssertTrue(inspect.output.contains("target lengths"), inspect.output)
        XCTAssertTrue(inspect.output.contains("labels: 0: "), inspect.output)
    }

    func testLanguageModelDatasetGivesWindowsWithNextTokenTargets() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        _ = try jikji(["dataset", "build", "--kind", "lm", "--input", corpus, "--text-column", "document",
                       "--vocab", "wp150k", "--name", "lm"])
        let result = try jikji(["dataset", "batches", "lm", "--window", "8", "--batch-size", "2", "--show", "1", "--no-shuffle"])
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("batch 0: [2, 8]"), result.output)
        // Row 0 is the first 8 tokens of the stream; its targets are the same stream shifted by one.
        let row = lines[2].split(separator: "|")[0].split(separator: " ").map(String.init)
        let next = lines[3].replacingOccurrences(of: "next tokens:", with: "").split(separator: " ").map(String.init)
        XCTAssertEqual(row.count, 8)
        XCTAssertEqual(Array(row.dropFirst()), Array(next.dropLast()))
        XCTAssertEqual(lines[4].split(separator: "|")[0].split(separator: " ").first.map(String.init), next.last)
        let stream = try XCTUnwrap(lines.first { $0.hasPrefix("epoch 0:") })
        XCTAssertTrue(stream.contains("padding 0.0%"), stream)
    }

    func testReviewRatingsMappedToLabelsWithDroppedRowsCounted() throws {
        let corpus = try ProjectPaths.corpus("nsmc/reviews_test.tsv").path
        let build = try jikji(["dataset", "build", "--input", corpus, "--text-column", "document", "--label-column", "rating",
                               "--label-map", "1-4=0,9-10=1", "--vocab", "wp150k", "--name", "reviews"])
        XCTAssertTrue(build.output.contains("label not in mapping: "), build.output)
        let show = try jikji(["dataset", "show", "reviews", "--json"])
        let info = try JSONSerialization.jsonObject(with: show.stdout) as! [String: Any]
        let skipped = info["skipped"] as! [String: Int]
        let examples = info["examples"] as! [String: Int]
        XCTAssertEqual((skipped["label not in mapping"] ?? 0) + examples["train"]!, info["rowsRead"] as! Int)
        XCTAssertGreaterThan(skipped["label not in mapping"] ?? 0, 1000)
    }

    func testBadRowsFailWithFileAndLineOrAreSkippedAndReported() throws {
        let corpus = folder.appendingPathComponent("bad.tsv")
        try Data("id\tdocument\tlabel\n1\t좋은 영화\t1\n2\t필드가 모자람\n3\t괜찮다\tpositive\n4\t  \t0\n5\t최고\t1\n".utf8).write(to: corpus)
        let failed = try jikji(["dataset", "build", "--input", corpus.path, "--text-column", "document", "--label-column", "label",
                                "--vocab", "wp150k", "--name", "bad"], status: 1)
        XCTAssertTrue(failed.stderr.contains("\(corpus.path):3: wrong field count"), failed.stderr)
        let report = folder.appendingPathComponent("skipped.tsv").path
        let skipped = try jikji(["dataset", "build", "--input", corpus.path, "--text-column", "document", "--label-column", "label",
                                 "--vocab", "wp150k", "--name", "bad", "--on-bad-row", "skip", "--skipped-rows", report])
        XCTAssertTrue(skipped.output.contains("train 2,"), skipped.output)
        XCTAssertTrue(skipped.output.contains("wrong field count: 1"), skipped.output)
        XCTAssertTrue(skipped.output.contains("unparseable label: 1"), skipped.output)
        XCTAssertTrue(skipped.output.contains("empty text: 1"), skipped.output)
        let rows = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows[1].hasPrefix("\(corpus.path)\t3\twrong field count"), String(rows[1]))
    }

    /// `--skipped-rows` goes through an atomic output file: a path that cannot be written fails
    /// before the build, and no dataset is saved.
    func testAnUnwritableSkippedRowsReportFailsBeforeTheBuild() throws {
        let corpus = folder.appendingPathComponent("bad.tsv")
        try Data("id\tdocument\tlabel\n1\t좋은 영화\t1\n2\t모자람\n".utf8).write(to: corpus)
        let report = folder.appendingPathComponent("no/such/folder/skipped.tsv").path
        let failed = try jikji(["dataset", "build", "--input", corpus.path, "--text-column", "document", "--label-column", "label",
                                "--vocab", "wp150k", "--name", "bad", "--on-bad-row", "skip", "--skipped-rows", report], status: 1)
        XCTAssertTrue(failed.stderr.contains("\(report): cannot create a file in"), failed.stderr)
        let list = try jikji(["dataset", "list"])
        XCTAssertFalse(list.output.contains("bad "), list.output)
    }

    /// A vocabulary trained behind a cleaning pipeline: the dataset build runs the same pipeline,
    /// so markup and URLs the pipeline removes do not change the ids.
    func testBuildRunsTheVocabularysCleaningPipeline() throws {
        let train = folder.appendingPathComponent("train.tsv")
        try Data("document\n좋아요 정말 좋아요\n별로 별로 였다\n영화 최고\n".utf8).write(to: train)
        _ = try jikji(["vocab", "train", "--input", train.path, "--column", "document", "--name", "cleaned",
                       "--vocab-size", "100", "--min-frequency", "1", "--pipeline", "korean-web"])
        let corpus = folder.appendingPathComponent("d.tsv")
        try Data("text\tlabel\n<b>좋아요</b>\t1\n좋아요\t1\nhttp://naver.com 별로\t0\n별로\t0\n".utf8).write(to: corpus)
        _ = try jikji(["dataset", "build", "--input", corpus.path, "--text-column", "text", "--label-column", "label",
                       "--vocab", "cleaned", "--name", "cleaned"])
        let stored = try shardSequences(folder.appendingPathComponent("datasets/cleaned.jkds").path)
        XCTAssertEqual(stored.count, 4)
        XCTAssertEqual(stored[0], stored[1])
        XCTAssertEqual(stored[2], stored[3])
        XCTAssertNotEqual(stored[0], stored[2])
    }

    /// Issue 13: the commands that only read open the catalog read-only. They leave the database
    /// file byte for byte as it was, make no -wal or -shm file beside it (a WAL-mode reader
    /// would, and leave them) and create no table (the catalog's tables before the first build).
    func testReadingCommandsOpenTheCatalogReadOnly() throws {
        let listing = { try FileManager.default.contentsOfDirectory(atPath: self.folder.path).filter { $0.hasPrefix("jikji.sqlite") }.sorted() }
        let bytes = { try Data(contentsOf: URL(fileURLWithPath: self.db)) }
        XCTAssertEqual(try listing(), ["jikji.sqlite"])
        var before = try bytes()
        let empty = try jikji(["dataset", "list"])
        XCTAssertTrue(empty.output.contains("no datasets"), empty.output)
        XCTAssertEqual(try bytes(), before, "dataset list on a vocabulary database created the catalog's tables")
        XCTAssertEqual(try listing(), ["jikji.sqlite"])

        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_test.txt"), encoding: .utf8)
        let corpus = folder.appendingPathComponent("small.tsv")
        try (text.split(separator: "\n").prefix(301).joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
        try jikji(["dataset", "build", "--input", corpus.path, "--text-column", "document", "--label-column", "label",
                   "--vocab", "wp150k", "--name", "small"])
        XCTAssertEqual(try listing(), ["jikji.sqlite"])
        before = try bytes()
        for arguments in [["dataset", "list"], ["dataset", "show", "small"], ["dataset", "inspect", "small"],
                          ["dataset", "batches", "small", "--batch-size", "16", "--show", "1"]] {
            let result = try jikji(arguments)
            XCTAssertFalse(result.output.isEmpty, "\(arguments)")
            XCTAssertEqual(try listing(), ["jikji.sqlite"], "\(arguments)")
            XCTAssertEqual(try bytes(), before, "\(arguments)")
        }
    }

    func testUnknownNamesAreClearErrors() throws {
        let noDatabase = try JikjiCommand.run(["dataset", "list", "--db", folder.appendingPathComponent("none/x.sqlite").path])
        XCTAssertNotEqual(noDatabase.status, 0)
        XCTAssertTrue(noDatabase.stderr.contains("no Jikji database at"), noDatabase.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("none").path))
        let missing = try jikji(["dataset", "inspect", "nope"], status: 1)
        XCTAssertTrue(missing.stderr.contains("no dataset named 'nope'"), missing.stderr)
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let badVocab = try jikji(["dataset", "build", "--input", corpus, "--text-column", "document", "--label-column", "label",
                                  "--vocab", "nosuchvocab", "--name", "x"], status: 1)
        XCTAssertTrue(badVocab.stderr.contains("nosuchvocab"), badVocab.stderr)
        let badColumn = try jikji(["dataset", "build", "--input", corpus, "--text-column", "text", "--label-column", "label",
                                   "--vocab", "wp150k", "--name", "x"], status: 1)
        XCTAssertTrue(badColumn.stderr.contains("no column 'text' in the header"), badColumn.stderr)
    }
}
