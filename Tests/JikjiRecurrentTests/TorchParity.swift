import Foundation
import XCTest
import JikjiTestSupport

/// Checks Jikji's numerical core against every PyTorch fixture in `$JIKJI_REFERENCE_DIR/torch`.
///
/// The check is chosen by the fixture's file name; every size comes from the file itself.
/// A missing folder, an empty folder or a fixture with no check is a failure, never a skip.
/// Each `check…` function returns the mismatches it found (empty when the fixture agrees).
final class TorchParity: XCTestCase {
    func testEveryFixture() throws {
        let folder = try ProjectPaths.reference("torch")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
        XCTAssertFalse(files.isEmpty, "no fixtures in \(folder.path)")
        for file in files {
            let fixture = try TorchFixture(contentsOf: folder.appendingPathComponent(file))
            let problems: [String]
            do {
                problems = try Self.check(fixture)
            } catch {
                problems = ["threw \(error)"]
            }
            for problem in problems {
                XCTFail("\(file): \(problem)")
            }
        }
    }

    /// Dispatches a fixture to its check by file name.
    static func check(_ fixture: TorchFixture) throws -> [String] {
        let name = fixture.name
        if name.hasPrefix("rnn_") || name.hasPrefix("lstm_") || name.hasPrefix("gru_") {
            return try checkRecurrentLayer(fixture)
        }
        if name.hasPrefix("luong_attention_") { return try checkLuongAttention(fixture) }
        if name.hasPrefix("optimizer_") { return try checkOptimizer(fixture) }
        if name.hasPrefix("classifier_") { return try checkClassifier(fixture) }
        switch name {
        case "bce_with_logits": return try checkBCEWithLogits(fixture)
        case "cross_entropy_label_smoothing": return try checkCrossEntropyLabelSmoothing(fixture)
        case "embedding_linear_cross_entropy": return try checkEmbeddingLinearCrossEntropy(fixture)
        case "clip_grad_norm": return try checkClipGradNorm(fixture)
        case "seq2seq_lstm_luong_general": return try checkSeq2Seq(fixture)
        default: return ["no check for fixture '\(name)'"]
        }
    }
}
