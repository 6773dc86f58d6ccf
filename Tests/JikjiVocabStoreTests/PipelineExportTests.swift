import Foundation
import JikjiTestSupport
import JikjiText
import JikjiVocabStore
import JikjiWordPiece
import XCTest

/// A vocabulary's cleaning pipeline goes into its tokenizer.json export as HF normalizers, so HF
/// loading the export encodes like Jikji. Expected values: `Fixtures/pipeline.json` and
/// `pipeline.jsonl.gz`, where HF tokenizers 0.23.3 runs the same cleaning written by hand as HF
/// normalizers (scripts/hf_pipeline_cases.py) on NSMC test reviews and lines made to hit each step.
final class PipelineExportTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// HF's NSMC vocabulary stored with `pipeline`, saved and loaded back.
    private func stored(_ pipeline: CleaningPipeline) throws -> StoredVocabulary {
        var vocabulary = try StoredVocabulary.importing(try ProjectPaths.reference("hf/wp150k/vocab.txt"), name: "piped",
                                                        normalizer: .korean, toolVersion: "test")
        vocabulary.pipeline = pipeline.jsonString
        let store = try VocabularyStore(path: folder.appendingPathComponent("db.sqlite").path)
        let version = try store.save(vocabulary)
        return try store.load("piped@\(version)")
    }

    /// Lines whose ids equal HF's.
    private func equalLines(_ encoder: TextEncoder, _ rows: [[String: Any]]) throws -> Int {
        try rows.filter { row in try encoder.encode(row["text"] as? String ?? "").ids == int32s(row["ids"]) }.count
    }

    func testExportCarriesThePipelineAndEncodesLikeHF() throws {
        let meta = try HFFixtureFiles.json("pipeline.json")
        let rows = try HFFixtureFiles.jsonLines("pipeline.jsonl.gz")
        let pipeline = try CleaningPipeline(yaml: try XCTUnwrap(meta["pipeline_yaml"] as? String), source: "pipeline.json")
        let vocabulary = try stored(pipeline)
        let out = folder.appendingPathComponent("piped.json")
        try vocabulary.export(to: out, format: .tokenizerJSON)

        // HF's structure: a Sequence whose members have the keys HF writes for their type, ending
        // in the BERT normalizer HF writes for the same settings.
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let normalizer = try XCTUnwrap(root["normalizer"] as? [String: Any])
        let hf = try XCTUnwrap(meta["normalizer"] as? [String: Any])
        XCTAssertEqual(normalizer["type"] as? String, "Sequence")
        let members = try XCTUnwrap(normalizer["normalizers"] as? [[String: Any]])
        let hfMembers = try XCTUnwrap(hf["normalizers"] as? [[String: Any]])
        XCTAssertEqual(members.last.map { NSDictionary(dictionary: $0) }, hfMembers.last.map { NSDictionary(dictionary: $0) })
        let shapes = try XCTUnwrap(meta["shapes"] as? [String: [[String]]])
        for (k, member) in members.enumerated() {
            let type = member["type"] as? String ?? "?"
            var keys = member.keys.sorted()
            if let pattern = member["pattern"] as? [String: Any] { keys += pattern.keys.map { "pattern." + $0 } }
            XCTAssertTrue(shapes[type]?.contains(keys) ?? false, "member \(k) \(type) has keys \(keys), HF writes \(shapes[type] ?? [])")
        }

        // Jikji encodes every line as HF does with the pipeline: the stored vocabulary, its export
        // read back, and HF's own hand-written normalizers read by Jikji.
        XCTAssertEqual(try equalLines(try vocabulary.textEncoder(), rows), rows.count, "stored vocabulary")
        XCTAssertEqual(try equalLines(try TextEncoder(try HFTokenizerJSON(contentsOf: out)), rows), rows.count, "the export")
        // (The export's text with its normalizer swapped: a Swift dictionary of model.vocab would
        // merge canonically equivalent tokens.)
        let text = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        let start = try XCTUnwrap(text.range(of: "\"normalizer\": ")), end = try XCTUnwrap(text.range(of: "\"pre_tokenizer\": "))
        let hfNormalizer = String(decoding: try JSONSerialization.data(withJSONObject: hf), as: UTF8.self)
        let hfURL = folder.appendingPathComponent("hf-normalizers.json")
        try Data((text[..<start.upperBound] + hfNormalizer + ",\n  " + text[end.lowerBound...]).utf8).write(to: hfURL)
        let hfRead = try HFTokenizerJSON(contentsOf: hfURL)
        XCTAssertEqual(hfRead.normalizers.count, hfMembers.count - 1)
        XCTAssertEqual(try equalLines(try TextEncoder(hfRead), rows), rows.count, "HF's normalizers, read by Jikji")

        // What the export without the pipeline gave (the bug): HF then disagrees on many lines.
        let dropped = folder.appendingPathComponent("dropped.json")
        try vocabulary.export(to: dropped, format: .tokenizerJSON, dropPipeline: true)
        let without = try equalLines(try TextEncoder(try HFTokenizerJSON(contentsOf: dropped)), rows)
        XCTAssertEqual(without, meta["equal_without_pipeline"] as? Int, "HF's own count without the pipeline")
        print("HF with the pipeline vs the export without it: \(without) of \(rows.count) lines equal")
    }

    func testStepsHFCannotExpressStopTheExportUnlessDropped() throws {
        let vocabulary = try stored(try CleaningPipeline(preset: "korean-web"))
        let out = folder.appendingPathComponent("web.json")
        XCTAssertThrowsError(try vocabulary.export(to: out, format: .tokenizerJSON)) { error in
            guard case let VocabularyFileError.inexpressiblePipeline(name, steps, pipeline)? = error as? VocabularyFileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, vocabulary.reference)
            XCTAssertEqual(steps.map { String($0.prefix(while: { $0 != ":" })) },
                           ["step 1 'nfkc-keep-compat-jamo'", "step 2 'conjoining-jamo-to-compat'", "step 4 'html-tags'", "step 5 'urls'", "step 6 'emails'",
                            "step 7 'repeat-limit'"])
            XCTAssertEqual(pipeline.count, 8)
            XCTAssertTrue("\(error)".contains("--drop-pipeline"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")
        try vocabulary.export(to: out, format: .tokenizerJSON, dropPipeline: true)
        XCTAssertTrue(try HFTokenizerJSON(contentsOf: out).normalizers.isEmpty)
    }
}
