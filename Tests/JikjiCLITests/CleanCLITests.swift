import Foundation
import XCTest
import JikjiTestSupport

/// `jikji clean` end to end: presets, pipeline files, columns, and every bad input of issue 2.
final class CleanCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-clean-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    private func file(_ name: String, text: String) throws -> String { try file(name, Array(text.utf8)) }

    private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Files left in the test folder other than `inputs` (temporary files of an aborted run).
    private func leftovers(besides inputs: [String]) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !inputs.contains(folder.appendingPathComponent($0).path) }
    }

    func testPresetFromStandardInputToStandardOutput() throws {
        let result = try JikjiCommand.run(["clean", "--pipeline", "korean-web"],
                                          input: Data("  ＜b＞재밌다ㅋㅋㅋㅋㅋ  \n\nㅁㅡ <br>https://a.kr 👍👍👍\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        // ㅁㅡ stays as typed (issue 13: the preset used to compose it into 므).
        XCTAssertEqual(Array(result.output.unicodeScalars), Array("재밌다ㅋㅋ\n\nㅁㅡ 👍👍\n".unicodeScalars))
        XCTAssertTrue(result.stderr.contains("cleaned 3 lines"), result.stderr)
        XCTAssertTrue(result.stderr.contains("2 changed"), result.stderr)
    }

    func testColumnOfTSVLeavesOtherColumnsAlone() throws {
        let input = try file("r.tsv", text: "id\tdocument\tlabel\n1\t  좋아요!!!!!  \t1\n2\t<b>ＯＫ</b>\t0\n")
        let output = folder.appendingPathComponent("out.tsv").path
        let result = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--column", "document",
                                           "--input", input, "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try read(output), "id\tdocument\tlabel\n1\t좋아요!!\t1\n2\tOK\t0\n")
        XCTAssertTrue(result.output.contains("cleaned 2 rows (column 'document')"), result.output)
        XCTAssertTrue(result.output.contains("2 changed"), result.output)
    }

    func testColumnOfCSVKeepsQuoting() throws {
        let input = try file("c.csv", text: "Q,A,label\n\"안녕, 친구\",\"  그는 \"\"좋아\"\"  \",0\nx,  ㅋㅋㅋㅋ ,1\n")
        let output = folder.appendingPathComponent("out.csv").path
        let result = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--column", "A",
                                           "--input", input, "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try read(output), "Q,A,label\n\"안녕, 친구\",\"그는 \"\"좋아\"\"\",0\nx,ㅋㅋ,1\n")
    }

    func testPipelineFileAndPrintPipeline() throws {
        let yaml = try file("p.yaml", text: "steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace]\n")
        let result = try JikjiCommand.run(["clean", "--pipeline", yaml], input: Data("ㅠㅠㅠㅠ<p>끝\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        // NFKC makes ㅠ the conjoining U+1172; this pipeline does not map it back.
        XCTAssertEqual(Array(result.output.unicodeScalars), Array("\u{1172}\u{1172} 끝\n".unicodeScalars))
        let printed = try JikjiCommand.run(["clean", "--pipeline", yaml, "--print-pipeline"])
        XCTAssertEqual(printed.output, "steps:\n  - nfkc\n  - html-tags\n  - repeat-limit: 2\n  - collapse-whitespace\n")
    }

    func testEveryPresetOnTheRealCorpus() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let original = try read(corpus).split(separator: "\n", omittingEmptySubsequences: false)
        for preset in ["nfc", "nfkc", "korean-web", "seed-imdb"] {
            let output = folder.appendingPathComponent("\(preset).tsv").path
            let result = try JikjiCommand.run(["clean", "--pipeline", preset, "--column", "document",
                                               "--input", corpus, "--output", output])
            XCTAssertEqual(result.status, 0, "\(preset): \(result.stderr)")
            let cleaned = try read(output).split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(cleaned.count, original.count, preset)
            XCTAssertEqual(cleaned.first, original.first, "\(preset): header")
            // Ids and labels are untouched.
            for (a, b) in zip(cleaned.dropFirst(), original.dropFirst()) where !a.isEmpty {
                let x = a.split(separator: "\t", omittingEmptySubsequences: false)
                let y = b.split(separator: "\t", omittingEmptySubsequences: false)
                XCTAssertEqual(x.count, 3, preset)
                if x[0] != y[0] || x[2] != y[2] { XCTFail("\(preset): row changed outside the column: \(a)"); break }
            }
            let rows = original.count - (original.last == "" ? 2 : 1)
            XCTAssertTrue(result.output.contains("cleaned \(rows) rows"), "\(preset): \(result.output)")
        }
        // The chatbot CSV (RFC 4180 quoting) with every preset.
        let chatbot = try ProjectPaths.corpus("chatbot/ChatbotData.csv").path
        for preset in ["nfc", "nfkc", "korean-web", "seed-imdb"] {
            let output = folder.appendingPathComponent("\(preset).csv").path
            let result = try JikjiCommand.run(["clean", "--pipeline", preset, "--column", "A",
                                               "--input", chatbot, "--output", output])
            XCTAssertEqual(result.status, 0, "\(preset): \(result.stderr)")
            XCTAssertTrue(result.output.contains("cleaned 11823 rows (column 'A')"), "\(preset): \(result.output)")
            XCTAssertTrue(try read(output).hasPrefix("Q,A,label\n12시 땡!,"), preset)
        }
    }

    // MARK: Bad input

    func testInvalidUTF8IsAnErrorNamingFileAndLineOrRepaired() throws {
        let input = try file("bad.txt", Array("좋다\n또\n".utf8) + [0x61, 0xC3, 0x28, 0x0A])
        let output = folder.appendingPathComponent("out.txt").path
        let failed = try JikjiCommand.run(["clean", "--pipeline", "nfkc", "--input", input, "--output", output])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("\(input):3: invalid UTF-8 at byte 2 of the line"), failed.stderr)
        XCTAssertFalse(exists(output), "no output after an error")
        XCTAssertEqual(try leftovers(besides: [input]), [], "no temporary file left")

        let repaired = try JikjiCommand.run(["clean", "--pipeline", "nfkc", "--input", input, "--output", output,
                                             "--repair-utf8"])
        XCTAssertEqual(repaired.status, 0, repaired.stderr)
        XCTAssertEqual(try read(output), "좋다\n또\na\u{FFFD}(\n")
        XCTAssertTrue(repaired.output.contains("1 invalid UTF-8 sequences replaced"), repaired.output)
    }

    func testNULByteIsAnErrorOrRemoved() throws {
        let input = try file("nul.txt", Array("하나\n둘".utf8) + [0x00] + Array("셋\n".utf8))
        let failed = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("\(input):2: NUL byte at byte 4 of the line"), failed.stderr)
        let repaired = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--remove-nul"])
        XCTAssertEqual(repaired.status, 0, repaired.stderr)
        XCTAssertEqual(repaired.output, "하나\n둘셋\n")
        XCTAssertTrue(repaired.stderr.contains("1 NUL bytes removed"), repaired.stderr)
    }

    func testMegabyteLineCRLFAndBOM() throws {
        let long = String(repeating: "가나다라 ㅋㅋㅋㅋ ", count: 50_000)  // ≈ 1.2 MB
        let input = try file("big.txt", [0xEF, 0xBB, 0xBF] + Array("첫째  줄\r\n\(long)\r\n끝".utf8))
        let result = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "첫째 줄", "BOM dropped, CRLF ends read as line ends")
        XCTAssertEqual(String(lines[1]), String(repeating: "가나다라 ㅋㅋ ", count: 50_000).trimmingCharacters(in: .whitespaces))
        XCTAssertEqual(lines[2], "끝", "the last line without a newline is kept")
        XCTAssertEqual(lines[3], "")
    }

    func testEmptyFile() throws {
        let input = try file("empty.txt", [])
        let lines = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input])
        XCTAssertEqual(lines.status, 0, lines.stderr)
        XCTAssertEqual(lines.output, "")
        XCTAssertTrue(lines.stderr.contains("cleaned 0 lines"), lines.stderr)
        let column = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--column", "document"])
        XCTAssertNotEqual(column.status, 0)
        XCTAssertTrue(column.stderr.contains("\(input):1: the file is empty: expected a header line"), column.stderr)
    }

    /// `--format` is a closed choice: another value is refused before any work, naming the
    /// allowed ones; either case is accepted.
    func testFormatIsAClosedChoice() throws {
        let input = try file("q.txt", text: "Q,A\n가,나\n")
        let bad = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--text-column", "Q", "--format", "xml"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'xml'") && bad.stderr.contains("'tsv'") && bad.stderr.contains("'csv'"), bad.stderr)
        let upper = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--text-column", "Q", "--format", "CSV"])
        XCTAssertEqual(upper.status, 0, upper.stderr)
        XCTAssertEqual(upper.output, "Q,A\n가,나\n")
    }

    func testMissingFile() throws {
        let path = folder.appendingPathComponent("missing.tsv").path
        let result = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\(path): cannot open for reading: No such file or directory"), result.stderr)
    }

    func testUnwritableOutputIsAnErrorBeforeAnyWork() throws {
        let input = try file("in.txt", text: "가\n")
        let intoFolder = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--output", folder.path])
        XCTAssertNotEqual(intoFolder.status, 0)
        XCTAssertTrue(intoFolder.stderr.contains("\(folder.path): is a directory"), intoFolder.stderr)
        let missing = folder.appendingPathComponent("no/such/dir/out.txt").path
        let noFolder = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--output", missing])
        XCTAssertNotEqual(noFolder.status, 0)
        XCTAssertTrue(noFolder.stderr.contains("\(missing): cannot create a file in"), noFolder.stderr)
    }

    func testHeaderWithoutTheColumn() throws {
        let input = try file("r.tsv", text: "id\tdoc\tlabel\n1\t좋다\t1\n")
        let output = folder.appendingPathComponent("out.tsv").path
        let result = try JikjiCommand.run(["clean", "--pipeline", "nfc", "--input", input, "--column", "document",
                                           "--output", output])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\(input):1: no column 'document' in the header (columns: 'id', 'doc', 'label')"),
                      result.stderr)
        XCTAssertFalse(exists(output))
    }

    func testRowWithWrongFieldCountIsAnErrorOrKept() throws {
        let input = try file("r.tsv", text: "id\tdocument\tlabel\n1\t좋다  \t1\n2\t탭\t하나 더\t0\n3\t끝 \t1\n")
        let output = folder.appendingPathComponent("out.tsv").path
        try Data("previous contents\n".utf8).write(to: URL(fileURLWithPath: output))
        let failed = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--column", "document",
                                           "--output", output])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("\(input):3: expected 3 tab-separated fields (as in the header) but found 4"),
                      failed.stderr)
        XCTAssertEqual(try read(output), "previous contents\n", "a failed run leaves the old output as it was")
        XCTAssertEqual(try leftovers(besides: [input, output]), [])

        let kept = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--column", "document",
                                         "--output", output, "--keep-bad-rows"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(try read(output), "id\tdocument\tlabel\n1\t좋다\t1\n2\t탭\t하나 더\t0\n3\t끝\t1\n")
        XCTAssertTrue(kept.output.contains("1 rows with a wrong field count copied unchanged"), kept.output)
    }

    func testAbortedRunLeavesNoPartialOutput() throws {
        // Many batches are written before the bad line is reached.
        var bytes = [UInt8]()
        for i in 0..<60_000 { bytes += Array("줄 \(i) ㅋㅋㅋㅋ 재밌어요 정말 재밌어요\n".utf8) }
        bytes += [0xFF, 0x0A]
        let input = try file("late-error.txt", bytes)
        let output = folder.appendingPathComponent("out.txt").path
        let result = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--output", output])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(":60001: invalid UTF-8"), result.stderr)
        XCTAssertFalse(exists(output))
        XCTAssertEqual(try leftovers(besides: [input]), [])
    }

    func testInterruptedRunLeavesNoFile() throws {
        let output = folder.appendingPathComponent("out.txt").path
        let process = Process()
        process.executableURL = JikjiCommand.executable
        process.arguments = ["clean", "--pipeline", "korean-web", "--output", output]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        // More than one batch, then the input stays open: the run is surely still going.
        var chunk = [UInt8]()
        for i in 0..<40_000 { chunk += Array("줄 \(i) ㅋㅋㅋㅋ 정말 재밌어요\n".utf8) }
        input.fileHandleForWriting.write(Data(chunk))
        let deadline = Date().addingTimeInterval(20)
        while try leftovers(besides: []).isEmpty && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(try leftovers(besides: []).isEmpty, "the run writes to a temporary file first")
        process.interrupt()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertFalse(exists(output))
        XCTAssertEqual(try leftovers(besides: []), [], "the temporary file is removed on interrupt")
    }

    func testProgressOnlyOnATerminal() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let output = folder.appendingPathComponent("out.tsv").path
        // `script` (util-linux) runs the command on a pseudo-terminal.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "\(JikjiCommand.executable.path) clean --pipeline korean-web --column document "
                             + "--input \(corpus) --output \(output)", "/dev/null"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let seen = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, seen)
        XCTAssertTrue(seen.contains("clean [========================] 100%"), seen)
        XCTAssertTrue(seen.contains("MB/s"), seen)

        let plain = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--column", "document",
                                          "--input", corpus, "--output", output])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("clean ["), "no progress bar when standard error is not a terminal")
    }

    /// Every step name given to `--pipeline` is that step alone; the names are the ones
    /// `jikji clean --help` lists (the step enum's), so a new step is covered without edits here.
    func testEveryStepNameWorksAloneAsAPipeline() throws {
        let help = try JikjiCommand.run(["clean", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        let flat = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let listed = try XCTUnwrap(flat.range(of: "Steps: ").map { flat[$0.upperBound...] })
        let names = listed.prefix { $0 != "." }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(names.contains("nfd") && names.contains("repeat-limit") && names.contains("transliterate"), "\(names)")
        XCTAssertGreaterThanOrEqual(names.count, 22)
        for name in names {
            let result = try JikjiCommand.run(["clean", "--pipeline", name], input: Data("Ｈｉ 한국 ㅋㅋㅋㅋ <b>!</b>\n".utf8))
            if name == "regex" || name == "transliterate" {
                XCTAssertNotEqual(result.status, 0, name)
                XCTAssertTrue(result.stderr.contains("cannot run without its '"), "\(name): \(result.stderr)")
                continue
            }
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let printed = try JikjiCommand.run(["clean", "--pipeline", name, "--print-pipeline"])
            XCTAssertEqual(printed.output, "steps:\n  - \(name)\(name == "repeat-limit" ? ": 2" : "")\n", name)
        }
        let nfd = try JikjiCommand.run(["clean", "--pipeline", "nfd"], input: Data("한\n".utf8))
        XCTAssertEqual(Array(nfd.output.unicodeScalars), Array("\u{1112}\u{1161}\u{11AB}\n".unicodeScalars))
    }

    func testBadPipelineErrorsNameStepAndKey() throws {
        let yaml = try file("bad.yaml", text: "steps:\n  - nfkc\n  - repeat-limit: {max: many}\n")
        let result = try JikjiCommand.run(["clean", "--pipeline", yaml], input: Data())
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\(yaml):3: steps[2].repeat-limit.max: expected an integer in 1...1000, found 'many'"), result.stderr)
        let preset = try JikjiCommand.run(["clean", "--pipeline", "korean"], input: Data())
        XCTAssertNotEqual(preset.status, 0)
        XCTAssertTrue(preset.stderr.contains("unknown preset"), preset.stderr)
    }
}
