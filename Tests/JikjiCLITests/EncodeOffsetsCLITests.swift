import Foundation
import JikjiTestSupport
import XCTest

/// `jikji encode --format jsonl` with a vocabulary that has a cleaning pipeline: offsets index
/// the input line, not the cleaned text (issue 13).
final class EncodeOffsetsCLITests: XCTestCase {
    func testOffsetsIndexTheInputLineThroughThePipeline() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-offsets-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let train = folder.appendingPathComponent("train.tsv"), database = folder.appendingPathComponent("v.sqlite").path
        try Data("document\n정말 최고 ㅋㅋ\n최고 정말 ㅋㅋ\n정말 정말 최고\n".utf8).write(to: train)
        let trained = try JikjiCommand.run(["vocab", "train", "--input", train.path, "--text-column", "document", "--name", "kw",
                                            "--vocab-size", "100", "--min-frequency", "1", "--pipeline", "korean-web",
                                            "--db", database])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let line = "<b>정말</b>  최고ㅋㅋㅋㅋ ＯＫ"
        let result = try JikjiCommand.run(["encode", "--vocab", "kw", "--db", database, "--format", "jsonl"],
                                          input: Data((line + "\n").utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let offsets = try XCTUnwrap(object["offsets"] as? [[Int]])
        let tokens = try XCTUnwrap(object["tokens"] as? [String])
        let scalars = Array(line.unicodeScalars)
        let slices = zip(tokens, offsets).filter { !["[CLS]", "[SEP]"].contains($0.0) }.map { _, range in
            String(String.UnicodeScalarView(scalars[range[0]..<range[1]]))
        }
        // Cleaned, the line is "정말 최고ㅋㅋ OK": 정말 is at 3 in the line, 최고 at 11, ㅋㅋ the first
        // two of the four, OK its fullwidth letters.
        XCTAssertEqual(offsets.first { $0 != [0, 0] }, [3, 5], "\(tokens) \(offsets)")
        XCTAssertEqual(slices.joined(), "정말최고ㅋㅋＯＫ", "\(tokens) \(offsets)")
    }
}
