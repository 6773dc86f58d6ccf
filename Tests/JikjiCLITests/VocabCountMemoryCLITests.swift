import Foundation
import JikjiTestSupport
import XCTest

/// `jikji vocab count` streams: its memory is bounded by the distinct words, not by the corpus
/// (issue 16's proof, at a scale a test can afford: the same 150,000 distinct words in a corpus
/// of one copy and of 30 copies, the peak resident memory of each process compared).
final class VocabCountMemoryCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-count-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `jikji arguments…` under `/usr/bin/time -f %M` and returns its exit status and peak
    /// resident memory in KiB. Not `wait4` on a child of this process: a child started with
    /// `posix_spawn` (vfork) carries this process's high-water mark over `exec`, so both runs
    /// would report the test runner's size; `time` forks the command from its own small image.
    private func peakKiB(_ arguments: [String]) throws -> (status: Int32, kib: Int) {
        let report = folder.appendingPathComponent("peak-\(UUID().uuidString).txt").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", report, JikjiCommand.executable.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let kib = text.split(whereSeparator: \.isNewline).last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (process.terminationStatus, try XCTUnwrap(kib, "no peak in \(text)"))
    }

    func testPeakMemoryDoesNotGrowWithRepeatedText() throws {
        // scripts/bootstrap.sh installs GNU time; without it this test fails rather than skips.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            return XCTFail("needs /usr/bin/time (GNU time: apt-get install time, or bash scripts/bootstrap.sh)")
        }
        // 150,000 distinct three-syllable words, eight a line; the second corpus repeats the
        // first 30 times (1.5 MB against 45 MB).
        var words: [String] = []
        words.reserveCapacity(150_000)
        for j in 0..<150_000 {
            let scalars = [0xAC00 + j % 11172, 0xAC00 + (j / 11172) * 7, 0xAC00 + (j * 31) % 11172]
            words.append(String(String.UnicodeScalarView(scalars.compactMap { Unicode.Scalar($0) })))
        }
        var text = ""
        for start in stride(from: 0, to: words.count, by: 8) {
            text += words[start..<min(start + 8, words.count)].joined(separator: " ") + "\n"
        }
        let one = folder.appendingPathComponent("one.txt"), many = folder.appendingPathComponent("thirty.txt")
        let bytes = Data(text.utf8)
        try bytes.write(to: one)
        FileManager.default.createFile(atPath: many.path, contents: nil)
        let handle = try FileHandle(forWritingTo: many)
        for _ in 0..<30 { try handle.write(contentsOf: bytes) }
        try handle.close()

        // One thread each: the read block, and so the memory beside the table, is then one
        // chunk whatever the machine.
        var peaks: [Int] = []
        var distinct: [String] = []
        for (input, name) in [(one, "one"), (many, "thirty")] {
            let output = folder.appendingPathComponent("\(name).counts").path
            let run = try peakKiB(["vocab", "count", "--input", input.path, "--threads", "1", "--output", output])
            XCTAssertEqual(run.status, 0, "vocab count \(name)")
            peaks.append(run.kib)
            let trailer = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").last.map(String.init) ?? ""
            // The trailer: <TAB>totals<TAB><distinct words><TAB><occurrences>.
            distinct.append(trailer.split(separator: "\t").dropFirst().first.map(String.init) ?? "")
        }
        XCTAssertEqual(distinct, ["150000", "150000"], "both corpora hold the same distinct words")
        // Measured 1.07–1.09 (release and debug builds); a stand-in that held the 45 MB
        // corpus before running jikji measured 1.32.
        let ratio = Double(peaks[1]) / Double(peaks[0])
        XCTAssertLessThan(ratio, 1.2, "peak RSS \(peaks[0]) KiB for one copy, \(peaks[1]) KiB for 30 copies")
    }
}
