import Foundation
import XCTest
import JikjiTestSupport

/// Every command that reads text reads it through JikjiIO, so each bad input gets the same
/// outcome from each of them: the same exit status class and the same `file:line:` (and, for
/// bytes, the same `at byte B of the line`), or the same acceptance for a byte-order mark and
/// CRLF line ends. One table of inputs, run through clean, vocab train, encode, dataset build
/// and predict (translate reads through the same `RecordReader.readTexts` as predict).
final class BadInputAgreementTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-bad-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // `dataset build` encodes with a stored vocabulary.
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let imported = try JikjiCommand.run(["vocab", "import", vocab, "--name", "wp150k", "--db", path("data.sqlite")])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// One bad (or odd) input and what every command must make of it.
    struct Case {
        var name: String
        var file: String
        var bytes: [UInt8]
        /// nil: every command succeeds; else the `line` (nil: the message names no line) and text
        /// every error message contains.
        var failure: (line: Int?, text: String)?
        /// What the input path is: a file holding `bytes`, a folder, or a device given by `file`.
        var kind: Kind = .file

        enum Kind { case file, directory, device }
    }

    static let good = "id\tdocument\tlabel\n1\t정말 재밌게 봤다\t1\n2\t최악의 영화\t0\n3\t재밌다 정말\t1\n"

    static var cases: [Case] {
        func text(_ s: String) -> [UInt8] { Array(s.utf8) }
        let header = "id\tdocument\tlabel\n1\t정말 재밌게 봤다\t1\n"
        return [
            Case(name: "wrong field count", file: "short.tsv", bytes: text(header + "2\t최악의 영화\n"),
                 failure: (3, "expected 3 tab-separated fields (as in the header) but found 2")),
            Case(name: "stray tab", file: "tab.tsv", bytes: text(header + "2\t최악의\t영화\t0\n"),
                 failure: (3, "expected 3 tab-separated fields (as in the header) but found 4")),
            Case(name: "unterminated quote", file: "quote.csv",
                 bytes: text("id,document,label\n1,정말 재밌게 봤다,1\n2,\"최악의 영화,0\n3,좋다,1\n"),
                 failure: (3, "a quoted field opened on this line is never closed")),
            Case(name: "byte-order mark", file: "bom.tsv", bytes: [0xEF, 0xBB, 0xBF] + text(good), failure: nil),
            Case(name: "byte-order mark before a CSV header", file: "bom.csv",
                 bytes: [0xEF, 0xBB, 0xBF] + text(good.replacingOccurrences(of: "\t", with: ",")), failure: nil),
            Case(name: "CRLF", file: "crlf.tsv", bytes: text(good.replacingOccurrences(of: "\n", with: "\r\n")), failure: nil),
            Case(name: "invalid UTF-8", file: "utf8.tsv", bytes: text(header + "2\t최") + [0xFF] + text("악\t0\n"),
                 failure: (3, "invalid UTF-8 at byte 6 of the line")),
            Case(name: "NUL byte", file: "nul.tsv", bytes: text(header + "2\t최악") + [0x00] + text("\t0\n"),
                 failure: (3, "NUL byte at byte 9 of the line")),
            Case(name: "empty file", file: "empty.tsv", bytes: [],
                 failure: (1, "the file is empty: expected a header line naming the columns")),
            Case(name: "missing column", file: "column.tsv", bytes: text("id\ttext\tlabel\n1\t좋다\t1\n"),
                 failure: (1, "no column 'document' in the header (columns: 'id', 'text', 'label')")),
            Case(name: "a folder", file: "folder.tsv", bytes: [], failure: (nil, "is a directory, not a text file"), kind: .directory),
            Case(name: "/dev/null", file: "/dev/null", bytes: [],
                 failure: (1, "the file is empty: expected a header line naming the columns"), kind: .device),
        ]
    }

    /// The reading commands, each given an input path; the first argument list of each.
    func commands(runID: Int) -> [(name: String, arguments: (String) -> [String])] {
        let vocab = (try? ProjectPaths.reference("hf/wp150k/vocab.txt").path) ?? "vocab.txt"
        return [
            ("clean", { ["clean", "--pipeline", "korean-web", "--input", $0, "--column", "document", "--output", self.path("cleaned")] }),
            ("vocab train", { ["vocab", "train", "--input", $0, "--column", "document", "--name", "t", "--vocab-size", "100",
                               "--min-frequency", "1", "--db", self.path("vocab.sqlite")] }),
            ("encode", { ["encode", "--vocab", vocab, "--input", $0, "--column", "document"] }),
            ("dataset build", { ["dataset", "build", "--input", $0, "--text-column", "document", "--label-column", "label",
                                 "--vocab", "wp150k", "--name", "d", "--replace", "--db", self.path("data.sqlite")] }),
            ("predict", { ["predict", "\(runID)", "--input", $0, "--column", "document", "--runs", self.path("runs")] }),
        ]
    }

    /// Trains a tiny classifier run for `predict` (a few seconds).
    func trainRun() throws -> Int {
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        let head = text.split(separator: "\n", maxSplits: 401, omittingEmptySubsequences: false).prefix(401)
        try (head.joined(separator: "\n") + "\n").write(toFile: path("train.tsv"), atomically: true, encoding: .utf8)
        let job = """
            name: bad-input
            seed: 1
            data: {train: \(path("train.tsv")), text_column: document, label_column: label, valid_ratio: 0.1}
            vocab: {name: bad-wp, database: \(path("job.sqlite")), vocab_size: 2000, min_frequency: 2}
            batching: {batch_size: 32, max_length: 24}
            model: {kind: classifier, embedding: 8, encoder: {cell: gru, hidden: 8}}
            optim: {optimizer: adam, lr: 0.01}
            train: {epochs: 1}
            """
        try job.write(toFile: path("job.yaml"), atomically: true, encoding: .utf8)
        let run = try JikjiCommand.run(["job", "run", path("job.yaml"), "--quiet", "--runs", path("runs")])
        XCTAssertEqual(run.status, 0, run.stderr)
        return 1
    }

    func testEveryReadingCommandGivesEachBadInputTheSameOutcome() throws {
        let commands = commands(runID: try trainRun())
        for testCase in Self.cases {
            let input = testCase.kind == .device ? testCase.file : path(testCase.file)
            switch testCase.kind {
            case .file: try Data(testCase.bytes).write(to: URL(fileURLWithPath: input))
            case .directory: try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            case .device: break
            }
            for command in commands {
                let arguments = command.arguments(input)
                let result = try JikjiCommand.run(arguments)
                let context = "\(testCase.name), \(command.name): status \(result.status)\n\(result.stderr)"
                if let failure = testCase.failure {
                    XCTAssertEqual(result.status, 1, context)
                    XCTAssertTrue(result.stderr.contains(failure.line.map { "\(input):\($0): " } ?? "\(input): "), context)
                    XCTAssertTrue(result.stderr.contains(failure.text), context)
                } else {
                    XCTAssertEqual(result.status, 0, context)
                }
            }
        }
    }

    /// A byte-order mark and CRLF line ends change nothing: the same output as the plain file.
    func testByteOrderMarkAndCRLFReadLikeThePlainFile() throws {
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let plain = path("plain.tsv")
        try Data(Self.good.utf8).write(to: URL(fileURLWithPath: plain))
        let odd = Self.cases.filter { $0.failure == nil && $0.file.hasSuffix(".tsv") }
        XCTAssertEqual(odd.count, 2)
        let encoded = try JikjiCommand.run(["encode", "--vocab", vocab, "--input", plain, "--column", "document"])
        try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", plain, "--column", "document",
                              "--output", path("plain-cleaned")]).assertSucceeded()
        for testCase in odd {
            let input = path(testCase.file)
            try Data(testCase.bytes).write(to: URL(fileURLWithPath: input))
            let same = try JikjiCommand.run(["encode", "--vocab", vocab, "--input", input, "--column", "document"])
            XCTAssertEqual(same.output, encoded.output, testCase.name)
            try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--column", "document",
                                  "--output", path("odd-cleaned")]).assertSucceeded()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("odd-cleaned"))),
                           try Data(contentsOf: URL(fileURLWithPath: path("plain-cleaned"))), testCase.name)
            let trained = try JikjiCommand.run(["vocab", "train", "--input", input, "--column", "document", "--name", "t",
                                                "--vocab-size", "100", "--min-frequency", "1", "--db", path("v.sqlite")])
            XCTAssertTrue(trained.output.contains("corpus: 3 documents"), trained.output)
        }
    }

    /// Where a command has an option that skips or keeps bad rows, a stray tab is one counted row.
    func testStrayTabIsOneCountedRowUnderTheSkippingOptions() throws {
        let input = path("tab.tsv")
        try Data((Self.good + "4\t탭이\t하나 더\t1\n").utf8).write(to: URL(fileURLWithPath: input))
        let kept = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--column", "document",
                                         "--output", path("out.tsv"), "--keep-bad-rows"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.output.contains("1 rows with a wrong field count copied unchanged"), kept.output)
        let skipped = try JikjiCommand.run(["dataset", "build", "--input", input, "--text-column", "document",
                                            "--label-column", "label", "--vocab", "wp150k", "--name", "d",
                                            "--on-bad-row", "skip", "--db", path("data.sqlite")])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.output.contains("wrong field count: 1"), skipped.output)
    }
}

private extension JikjiCommand.Result {
    func assertSucceeded(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(status, 0, stderr, file: file, line: line)
    }
}
