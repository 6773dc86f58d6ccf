import Foundation
import JikjiTestSupport
import XCTest

/// `jikji vocab export --format tokenizer-json` carries the vocabulary's cleaning pipeline (so the
/// export encodes like the stored vocabulary), refuses a pipeline HF cannot express, and with
/// `--drop-pipeline` says what it left out. Lines and pipeline: `Fixtures/pipeline.json(l.gz)`.
final class PipelineExportCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-cli-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func jikji(_ arguments: [String]) throws -> JikjiCommand.Result {
        try JikjiCommand.run(arguments + (arguments.first == "encode" ? [] : ["--db", "db.sqlite"]), in: folder)
    }

    /// The fixture's lines as a corpus file, and a vocabulary `name` trained on it with `pipeline`.
    private func train(_ name: String, pipeline: String) throws -> String {
        let corpus = folder.appendingPathComponent("corpus.txt")
        if !FileManager.default.fileExists(atPath: corpus.path) {
            let rows = try HFFixtureFiles.jsonLines("pipeline.jsonl.gz").prefix(1500)
            let lines = rows.compactMap { $0["text"] as? String }.filter { !$0.contains("\u{2028}") && !$0.contains("\u{85}") }
            try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: corpus)
        }
        let r = try jikji(["vocab", "train", "--input", corpus.path, "--name", name, "--pipeline", pipeline,
                           "--vocab-size", "2000", "--limit-alphabet", "500"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return corpus.path
    }

    func testExportedPipelineEncodesLikeTheStoredVocabulary() throws {
        let meta = try HFFixtureFiles.json("pipeline.json")
        let pipeline = folder.appendingPathComponent("pipeline.yaml")
        try Data(try XCTUnwrap(meta["pipeline_yaml"] as? String).utf8).write(to: pipeline)
        let corpus = try train("piped", pipeline: pipeline.path)
        let out = folder.appendingPathComponent("piped.json").path
        let e = try jikji(["vocab", "export", "piped", "--format", "tokenizer-json", "--output", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        let stored = try jikji(["encode", "--vocab", "piped", "--db", "db.sqlite", "--input", corpus, "--format", "jsonl"])
        let exported = try jikji(["encode", "--vocab", out, "--input", corpus, "--format", "jsonl"])
        XCTAssertEqual(stored.status, 0, stored.stderr)
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertGreaterThan(stored.output.count, 10_000)
        XCTAssertTrue(sameBytes(stored.output, exported.output), "the export encodes like the stored vocabulary")
    }

    func testInexpressibleStepsStopTheExportUnlessDropped() throws {
        _ = try train("web", pipeline: "korean-web")
        let out = folder.appendingPathComponent("web.json").path
        let refused = try jikji(["vocab", "export", "web", "--format", "tokenizer-json", "--output", out])
        XCTAssertNotEqual(refused.status, 0)
        for part in ["web@1", "'nfkc-keep-compat-jamo'", "'repeat-limit'", "'html-tags'", "'conjoining-jamo-to-compat'", "--drop-pipeline"] {
            XCTAssertTrue(refused.stderr.contains(part), "\(part): \(refused.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let dropped = try jikji(["vocab", "export", "web", "--format", "tokenizer-json", "--output", out, "--drop-pipeline"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertTrue(dropped.stderr.contains("leaves out the cleaning pipeline (nfkc-keep-compat-jamo, conjoining-jamo-to-compat"), dropped.stderr)
        XCTAssertFalse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self).contains("Sequence"))
    }
}
