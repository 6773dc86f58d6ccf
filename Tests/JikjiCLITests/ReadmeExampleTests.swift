import Foundation
import XCTest
import JikjiTestSupport

/// The README's `sh` examples run in the order written (issue 13: a `vocab delete` before an
/// `encode` of the deleted version, a `dataset build` of an existing name without `--replace`):
/// `scripts/check-readme.sh` runs every block, in order, with the built `jikji`, here on slices of
/// the corpora so that it takes a test's time.
final class ReadmeExampleTests: XCTestCase {
    var temp: TempFolder!
    var folder: URL { temp.url }

    override func setUpWithError() throws {
        temp = try TempFolder()
        // Each slice under the corpus's own name (nsmc/…, chatbot/…), as the README uses them.
        try temp.slice("nsmc/ratings_train.txt", lines: 801)
        try temp.slice("nsmc/ratings_test.txt", lines: 301)
        try temp.slice("nsmc/reviews_train.tsv", lines: 601)
        try temp.slice("nsmc/reviews_test.tsv", lines: 201)
        try temp.slice("chatbot/ChatbotData.csv", lines: 401)
    }

    override func tearDownWithError() throws {
        temp = nil
    }

    func testTheReadmeExamplesRunInTheOrderWritten() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [ProjectPaths.root.appendingPathComponent("scripts/check-readme.sh").path,
                             "--corpora", folder.path, "--jikji", JikjiCommand.executable.path]
        var environment = ProcessInfo.processInfo.environment
        environment["JIKJI_REFERENCE_DIR"] = try ProjectPaths.reference("").path
        environment["TMPDIR"] = folder.path
        process.environment = environment
        let log = folder.appendingPathComponent("check.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = try String(contentsOf: log, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 0, "a README example failed:\n" + output.suffix(6000))
        XCTAssertTrue(output.contains("check-readme: every example ran"), String(output.suffix(2000)))
        // Every block ran (not, say, none because the fences changed).
        let blocks = output.split(separator: "\n").first { $0.hasPrefix("check-readme: running ") }
        let count = blocks.flatMap { $0.split(separator: " ")[2...].first }.flatMap { Int($0) } ?? 0
        XCTAssertGreaterThanOrEqual(count, 9, String(blocks ?? ""))
    }
}
