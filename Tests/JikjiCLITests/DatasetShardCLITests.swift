import Foundation
import JikjiTestSupport
import XCTest

/// `jikji dataset build --shard I/N --output PART` and `jikji dataset merge` as separate
/// processes: the merged dataset batches exactly as one built in one piece.
final class DatasetShardCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-dsparts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func jikji(_ arguments: [String]) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments, in: folder)
    }

    /// The batches' lines without timings.
    private func batches(_ name: String) throws -> [String] {
        let r = try jikji(["dataset", "batches", name, "--show", "2", "--epochs", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.output.split(separator: "\n").map { line in
            line.split(separator: ",").filter { !$0.hasSuffix(" s") && !$0.contains("batches/s") }.joined(separator: ",")
        }.filter { !$0.hasPrefix("loaded ") }
    }

    func testMergedPartsBatchAsOneBuild() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        var r = try jikji(["vocab", "import", vocab, "--name", "wp"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let build = ["dataset", "build", "--input", corpus, "--text-column", "document", "--label-column", "label",
                     "--split", "0.8,0.2", "--seed", "3", "--vocab", "wp"]
        r = try jikji(build + ["--name", "whole"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var parts: [String] = []
        for index in 0..<4 {
            let part = folder.appendingPathComponent("part\(index).jkds").path
            r = try jikji(build + ["--name", "nsmc", "--shard", "\(index)/4", "--output", part])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.output.contains("part \(index)/4 of dataset nsmc"), r.output)
            parts.append(part)
        }
        // The parts are not datasets of the catalog until merged.
        XCTAssertFalse(try jikji(["dataset", "list"]).output.contains("nsmc"))
        r = try jikji(["dataset", "merge", parts[2], parts[0], parts[3], parts[1]])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.output.contains("dataset nsmc (classification) merged from 4 part(s)"), r.output)
        let whole = try batches("whole"), merged = try batches("nsmc")
        XCTAssertGreaterThan(whole.count, 5)
        XCTAssertEqual(merged, whole)
        XCTAssertTrue(whole.contains { $0.contains("checksum") }, whole.joined(separator: "\n"))

        r = try jikji(["dataset", "merge", parts[0], parts[1], "--name", "partial"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing shard(s) 2/4, 3/4"), r.stderr)
        r = try jikji(build + ["--name", "x", "--shard", "0/4"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--shard needs --output"), r.stderr)
    }
}
