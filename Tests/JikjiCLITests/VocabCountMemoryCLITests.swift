#if canImport(Glibc)
import Glibc
#endif
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

    #if canImport(Glibc)
    /// Runs `jikji arguments…` (output to /dev/null) and returns its exit status and peak
    /// resident memory in KiB, from `wait4`'s accounting of that one child (`getrusage` of all
    /// children would report the largest of every child so far).
    private func peakKiB(_ arguments: [String]) throws -> (status: Int32, kib: Int) {
        let argv: [UnsafeMutablePointer<CChar>?] = ([JikjiCommand.executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, JikjiCommand.executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw XCTSkip("cannot start \(JikjiCommand.executable.path): errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw XCTSkip("wait4 failed: errno \(errno)") }
        return (status, usage.ru_maxrss)
    }
    #endif

    func testPeakMemoryDoesNotGrowWithRepeatedText() throws {
        #if canImport(Glibc)
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
        try Data(text.utf8).write(to: one)
        try Data(String(repeating: text, count: 30).utf8).write(to: many)

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
        let ratio = Double(peaks[1]) / Double(peaks[0])
        XCTAssertLessThan(ratio, 1.3, "peak RSS \(peaks[0]) KiB for one copy, \(peaks[1]) KiB for 30 copies")
        #else
        throw XCTSkip("peak memory of a child process is read with wait4 (Linux)")
        #endif
    }
}
