import Foundation
import JikjiFuzzing
import XCTest

/// A bounded, seeded mutation run of every fuzz target in the normal suite, so that a crash on
/// bad input is caught where libFuzzer is not available. A crash ends the test process (the
/// suite fails); `JIKJI_FUZZ_LAST_INPUT=PATH` keeps the input being run at PATH to reproduce it
/// (`jikji-fuzz replay TARGET PATH`). `JIKJI_FUZZ_ITERATIONS` runs more inputs per target.
final class MutationLoopTests: XCTestCase {
    /// Mutated inputs per target (after its seeds).
    private var iterations: Int {
        ProcessInfo.processInfo.environment["JIKJI_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 300
    }

    func testSafeTensors() throws { try fuzz(.safetensors) }
    func testTokenizerJSON() throws { try fuzz(.tokenizerJSON) }
    func testVocabTxt() throws { try fuzz(.vocabTxt) }
    func testJobFiles() throws { try fuzz(.jobYAML) }
    func testPipelineFiles() throws { try fuzz(.pipelineYAML) }
    func testRecords() throws { try fuzz(.records) }
    func testEncoder() throws { try fuzz(.encoder) }

    private func fuzz(_ target: FuzzTarget, file: StaticString = #filePath, line: UInt = #line) throws {
        var loop = try MutationLoop(target: target)
        loop.lastInputPath = ProcessInfo.processInfo.environment["JIKJI_FUZZ_LAST_INPUT"]
        let statistics = loop.run(iterations: iterations)
        print("fuzz \(target.rawValue): \(statistics), 0 crashes")
        XCTAssertEqual(statistics.tried, loop.seeds.count + iterations, file: file, line: line)
        // Both outcomes occur: the mutations reach past the first checks, and the parsers refuse.
        XCTAssertGreaterThan(statistics.accepted, loop.seeds.count / 2, "\(statistics)", file: file, line: line)
        XCTAssertGreaterThan(statistics.rejected, iterations / 10, "\(statistics)", file: file, line: line)
    }
}
