import Foundation
import XCTest
import JikjiTestSupport

/// Issue 18: `jikji export RUN --format onnx` from the shell: the model and its tokenizer.json
/// written, the checkpoint chosen by best/last/step, a step the run does not keep named with the
/// ones it does. (ONNX Runtime runs the exports in scripts/check-onnx-export.sh.)
extension JobCommandTests {
    func testExportWritesAnONNXModelAndTheTokenizerOfTheChosenCheckpoint() throws {
        let job = shortClassifierJob("export", model: "classes: 2").replacingOccurrences(of: "max_steps: 40",
                                                                                         with: "max_steps: 40, eval_every: 20, keep_last: 3")
        try jikji(["job", "run", try writeJob("export.yaml", job), "--quiet", "--runs", runs])
        let best = try jikji(["export", "1", "--format", "onnx", "--output", path("model.onnx"), "--with-tokenizer", "--runs", runs])
        XCTAssertTrue(best.output.contains("wrote \(path("model.onnx"))"), best.output)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("model.onnx")))
        XCTAssertGreaterThan(bytes.count, 4000 * 16 * 4, "the embedding's 4000 × 16 floats at least")
        XCTAssertEqual(Array(bytes.prefix(2)), [0x08, 0x08], "ModelProto starts with ir_version 8")
        let tokenizer = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("tokenizer.json")))) as? [String: Any]
        let vocab = try XCTUnwrap((tokenizer?["model"] as? [String: Any])?["vocab"] as? [String: Int])
        XCTAssertEqual(vocab["[PAD]"], 0)

        let last = try jikji(["export", "1", "--checkpoint", "last", "--format", "onnx", "--output", path("last.onnx"), "--runs", runs])
        XCTAssertTrue(last.output.contains("step 40"), last.output)
        let step = try jikji(["export", "1", "--checkpoint", "20", "--format", "onnx", "--output", path("s20.onnx"), "--runs", runs])
        XCTAssertTrue(step.output.contains("step 20"), step.output)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: path("s20.onnx"))), try Data(contentsOf: URL(fileURLWithPath: path("last.onnx"))))
        let missing = try jikji(["export", "1", "--checkpoint", "7", "--format", "onnx", "--output", path("x.onnx"), "--runs", runs], status: 1)
        XCTAssertTrue(missing.stderr.contains("no checkpoint of that step") && missing.stderr.contains("20, 40"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.onnx")))
    }
}
