import Foundation
@testable import JikjiFuzzing
import XCTest

/// The fuzz entries reach the real parsers: their seeds (made from the project's real files)
/// parse all the way through, and bad inputs are refused, not taken for good ones.
final class FuzzTargetTests: XCTestCase {
    func testEverySeedOfTheFileTargetsParsesThroughEveryStage() throws {
        // Seeds cut from real files must pass every stage of their target (reading, encoder,
        // import, export read back); otherwise mutations would only ever test the first checks.
        for target in [FuzzTarget.tokenizerJSON, .vocabTxt, .jobYAML, .pipelineYAML] {
            let seeds = try target.seeds()
            XCTAssertGreaterThanOrEqual(seeds.count, 4, "\(target)")
            for (k, seed) in seeds.enumerated() {
                XCTAssertEqual(target.run(seed), .accepted, "\(target) seed \(k) is refused")
            }
        }
    }

    func testCheckpointRecordAndEncoderSeedsParse() throws {
        let safeTensors = try FuzzTarget.safetensors.seeds()
        // The classifier's own model.safetensors, as a file and in the header form, loads.
        XCTAssertEqual(safeTensors.filter { FuzzTarget.safetensors.run($0) == .accepted }.count, 2)
        let records = try FuzzTarget.records.seeds()
        XCTAssertEqual(records.filter { FuzzTarget.records.run($0) == .accepted }.count, records.count)
        let encoder = try FuzzTarget.encoder.seeds()
        XCTAssertGreaterThan(encoder.filter { FuzzTarget.encoder.run($0) == .accepted }.count, encoder.count / 2)
    }

    func testBadInputsAreRefused() {
        let garbage: [UInt8] = [0xFF, 0xFE, 0x00, 0x22, 0x7B, 0x0A, 0xC3]
        for target in FuzzTarget.allCases {
            XCTAssertEqual(target.run([]), .rejected, "\(target) accepted an empty input")
            XCTAssertEqual(target.run(garbage), .rejected, "\(target) accepted \(garbage)")
        }
    }

    func testTheSafeTensorsHeaderFormStandsForTheFile() throws {
        let header = Array(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        let file = [UInt8(header.count)] + [UInt8](repeating: 0, count: 7) + header + [0, 0, 128, 63]
        let input = try XCTUnwrap(FuzzTarget.safeTensorsHeaderInput(file))
        XCTAssertEqual(input, [1] + header + [0] + [0, 0, 128, 63])
        XCTAssertEqual(FuzzTarget.safeTensorsFileBytes(input), file)
        XCTAssertEqual(FuzzTarget.safeTensorsFileBytes([0] + file), file)
    }

    func testDictionariesAreWrittenInLibFuzzerSyntax() {
        let text = FuzzCorpusFiles.dictionaryText(.tokenizerJSON)
        XCTAssertTrue(text.contains(#""\x22model\x22""#), "quotes are escaped")
        XCTAssertTrue(text.contains(#""\x22\x5Cu0000\x22""#), "backslashes are escaped")
        let vocab = FuzzCorpusFiles.dictionaryText(.vocabTxt)
        XCTAssertTrue(vocab.contains(#""\xEF\xBB\xBF""#), "non-ASCII bytes are escaped")
        for line in (text + vocab).split(separator: "\n") {
            XCTAssertTrue(line.hasPrefix("\"") && line.hasSuffix("\"") && line.count >= 3, String(line))
        }
    }
}
