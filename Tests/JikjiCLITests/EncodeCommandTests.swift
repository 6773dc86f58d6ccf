import Foundation
import JikjiTestSupport
import XCTest

/// `jikji encode` and `jikji decode` end to end on NSMC with HF's wp150k vocabulary; expected
/// values are HF tokenizers 0.23.3 outputs from the reference folder.
final class EncodeCommandTests: XCTestCase {
    private struct Reference: Decodable {
        let ids: [Int]
        let tokens: [String]
        let offsets: [[Int]]
    }

    private struct DecodeReference: Decodable {
        let decoded: String
        let decoded_keep_specials: String
    }

    private func gunzip(_ path: String) throws -> [Substring] {
        let url = try ProjectPaths.reference(path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gzip -dc \(url.path)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }

    private func vocab() throws -> String { try ProjectPaths.reference("hf/wp150k/vocab.txt").path }

    func testEncodeColumnOfTSVMatchesHFIds() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let result = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--input", corpus, "--column", "document"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let refs = try gunzip("hf/encodings/ratings_test.jsonl.gz")
        XCTAssertEqual(lines.count, refs.count)
        let decoder = JSONDecoder()
        var mismatches = 0
        for (line, ref) in zip(lines, refs) {
            let expected = try decoder.decode(Reference.self, from: Data(ref.utf8)).ids.map(String.init).joined(separator: " ")
            if line != expected { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testJSONLFormatHasIdsTokensOffsetsAndMasks() throws {
        let refs = try gunzip("hf/encodings/ratings_test.jsonl.gz").prefix(200)
        let texts = try refs.map { line -> String in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap(object["text"] as? String)
        }
        let result = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--format", "jsonl"],
                                          input: Data((texts.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.output.split(separator: "\n")
        XCTAssertEqual(lines.count, refs.count)
        for (line, ref) in zip(lines, refs) {
            let expected = try JSONDecoder().decode(Reference.self, from: Data(ref.utf8))
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["ids"] as? [Int], expected.ids)
            XCTAssertEqual(object["tokens"] as? [String], expected.tokens)
            XCTAssertEqual(object["offsets"] as? [[Int]], expected.offsets)
            XCTAssertEqual(object["attention_mask"] as? [Int], Array(repeating: 1, count: expected.ids.count))
        }
    }

    func testDecodeMatchesHFBothWays() throws {
        let refs = try gunzip("hf/encodings/ratings_test.jsonl.gz")
        let decodes = try gunzip("hf/encodings/ratings_test.decode.jsonl.gz")
        let idLines = try refs.map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)).ids.map(String.init).joined(separator: " ") }
        let input = Data((idLines.joined(separator: "\n") + "\n").utf8)
        let skipped = try JikjiCommand.run(["decode", "--vocab", try vocab(), "--skip-special-tokens"], input: input)
        let kept = try JikjiCommand.run(["decode", "--vocab", try vocab()], input: input)
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertEqual(kept.status, 0, kept.stderr)
        let skippedLines = skipped.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let keptLines = kept.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(skippedLines.count, decodes.count)
        var mismatches = 0
        for (k, line) in decodes.enumerated() {
            let expected = try JSONDecoder().decode(DecodeReference.self, from: Data(line.utf8))
            if skippedLines[k] != expected.decoded || keptLines[k] != expected.decoded_keep_specials { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testTokenizerJSONCarriesItsPostProcessor() throws {
        let input = Data("정말 재밌게 봤다.\n".utf8)
        let plain = try JikjiCommand.run(["encode", "--vocab", try ProjectPaths.reference("hf/wp150k/tokenizer.json").path], input: input)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.output, "5397 5528 5692 18\n", "HF's trained tokenizer.json has no post-processor")
        let bert = try JikjiCommand.run(["encode", "--vocab", try ProjectPaths.reference("hf/wp150k/tokenizer_bert.json").path],
                                        input: input)
        XCTAssertEqual(bert.output, "2 5397 5528 5692 18 3\n")
    }

    func testTruncationPaddingAndTokensFormat() throws {
        let input = Data("정말 재밌게 봤다.\n정말\n".utf8)
        let result = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--format", "tokens", "--max-length", "4", "--pad"],
                                          input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.output, "[CLS] 정말 재밌게 [SEP]\n[CLS] 정말 [SEP] [PAD]\n")
        let bare = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--no-special-tokens"], input: input)
        XCTAssertEqual(bare.output, "5397 5528 5692 18\n5397\n")
    }

    /// `--column` reads CSV too (RFC 4180 quotes, CRLF line ends): one line per chatbot row, each
    /// the encoding of that row's text given as a plain line.
    func testColumnOfTheChatbotCSV() throws {
        let csv = try ProjectPaths.corpus("chatbot/ChatbotData.csv").path
        let questions = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--input", csv, "--column", "Q"])
        XCTAssertEqual(questions.status, 0, questions.stderr)
        let lines = questions.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 11_823)
        let answers = try JikjiCommand.run(["encode", "--vocab", try vocab(), "--input", csv, "--column", "A"])
        let answerLines = answers.output.split(separator: "\n")
        // Row 1 `12시 땡!,하루가 또 가네요.,0`; row 27 has a quoted answer with a comma inside.
        let plain = try JikjiCommand.run(["encode", "--vocab", try vocab()],
                                         input: Data("12시 땡!\n하루가 또 가네요.\n저를 만들어 준 사람을 부모님, 저랑 이야기해 주는 사람을 친구로 생각하고 있어요\n".utf8))
        let expected = plain.output.split(separator: "\n")
        XCTAssertEqual(lines.first, expected[0])
        XCTAssertEqual(answerLines.first, expected[1])
        XCTAssertEqual(answerLines[26], expected[2])
    }

    func testErrorsAreReadableAndFail() throws {
        let vocab = try vocab()
        let cases: [([String], Data?, String)] = [
            (["encode", "--vocab", "/nonexistent/vocab.txt"], nil, "/nonexistent/vocab.txt"),
            (["encode", "--vocab", vocab, "--input", "/nonexistent/input.txt"], nil, "/nonexistent/input.txt"),
            (["encode", "--vocab", vocab, "--column", "review"], Data("id\tdocument\n1\tok\n".utf8), "-:1: no column 'review' in the header"),
            (["encode", "--vocab", vocab], Data([0x6F, 0x6B, 0x0A, 0x61, 0xFF, 0x0A]), "-:2: invalid UTF-8 at byte 2 of the line"),
            (["encode", "--vocab", vocab, "--pad"], Data("x\n".utf8), "--pad needs --max-length"),
            (["decode", "--vocab", vocab], Data("2 3\n2 x 3\n".utf8), "-:2: 'x' is not a token id"),
            (["encode", "--vocab", vocab, "--column", "document"], Data("id\tdocument\n1\n".utf8), "-:2: expected 2 tab-separated fields (as in the header) but found 1"),
        ]
        for (arguments, input, message) in cases {
            let result = try JikjiCommand.run(arguments, input: input ?? Data())
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

/// `--vocab NAME[@V]` reads a vocabulary stored by `jikji vocab import`.
final class EncodeStoredVocabularyTests: XCTestCase {
    func testStoredVocabularyEncodesLikeItsVocabTxt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-encode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("vocab.sqlite").path
        let vocab = try ProjectPaths.reference("hf/wp150k/vocab.txt").path
        let imported = try JikjiCommand.run(["vocab", "import", vocab, "--name", "wp150k", "--db", db])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let input = Data("사랑은 성욕과 다른것이다를 보여줬다. 정말 재밌게 봤다.\n[MASK] ㅋㅋㅋ\n".utf8)
        let fromFile = try JikjiCommand.run(["encode", "--vocab", vocab], input: input)
        let fromStore = try JikjiCommand.run(["encode", "--vocab", "wp150k@1", "--db", db], input: input)
        XCTAssertEqual(fromStore.status, 0, fromStore.stderr)
        XCTAssertEqual(fromStore.output, fromFile.output)
        XCTAssertTrue(fromFile.output.hasPrefix("2 7774 21490 3123 5599 6863 3057 16780 18 5397 5528 5692 18 3\n"))
        let missing = try JikjiCommand.run(["encode", "--vocab", "nosuch", "--db", db], input: input)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nosuch"), missing.stderr)
    }
}
