import Foundation
import XCTest
import JikjiIO
import JikjiTestSupport

/// Fields: TSV, CSV (RFC 4180, multi-line), JSONL; headers, columns, counts, and blocks.
final class DelimitedRecordTests: XCTestCase {
    /// Every record of `path` as (line, values of every header column) through blocks of `blockSize`.
    private func records(_ path: String, _ format: RecordFormat, columns: [String]? = nil,
                         blockSize: Int = 1 << 20) throws -> [(Int, [String])] {
        var reader = try RecordBlockReader(path: path, format: format, blockSize: blockSize)
        let selection = try reader.columns(columns ?? reader.header)
        var cursor = RecordCursor(columns: selection, format: format)
        var result = [(Int, [String])]()
        while let block = try reader.next() {
            for index in 0..<block.count {
                try cursor.select(index, in: block)
                result.append((block.line(of: index), try (0..<selection.names.count).map { try cursor.string($0, in: block) }))
            }
        }
        return result
    }

    private func file(_ text: String, _ ext: String, temp: TempFolder, name: String = "t") throws -> String {
        try temp.file(name + "." + ext, text: text)
    }

    func testTSVHeaderColumnsAndFields() throws {
        let temp = try TempFolder()
        let path = try file("id\tdocument\tlabel\n1\t재밌다 ㅋㅋ\t1\n2\t\t0\n", "tsv", temp: temp)
        let reader = try RecordBlockReader(path: path, format: .tsv)
        XCTAssertEqual(reader.header, ["id", "document", "label"])
        XCTAssertEqual(try reader.columns(["document"]).indices, [1])
        let got = try records(path, .tsv)
        XCTAssertEqual(got.map(\.0), [2, 3])
        XCTAssertEqual(got.map(\.1), [["1", "재밌다 ㅋㅋ", "1"], ["2", "", "0"]], "an empty field is a field")
    }

    func testTSVKeepsQuotesAsData() throws {
        let temp = try TempFolder()
        let path = try file("a\tb\n\"인용\"\tx\"y\n", "tsv", temp: temp)
        XCTAssertEqual(try records(path, .tsv).map(\.1), [["\"인용\"", "x\"y"]])
    }

    func testMissingColumnNamesFileHeaderAndColumn() throws {
        let temp = try TempFolder()
        let path = try file("id\tdocument\tlabel\n", "tsv", temp: temp, name: "ratings")
        let reader = try RecordBlockReader(path: path, format: .tsv)
        XCTAssertThrowsError(try reader.columns(["text"])) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .missingColumn)
            XCTAssertEqual("\(error)", "\(path):1: no column 'text' in the header (columns: 'id', 'document', 'label')")
        }
        let lines = try RecordBlockReader(path: path, format: .lines)
        XCTAssertThrowsError(try lines.columns(["document"])) { error in
            XCTAssertEqual("\(error)", "\(path):1: no column 'document' in the header (columns: 'text')")
        }
    }

    func testWrongFieldCountNamesLineAndCounts() throws {
        let temp = try TempFolder()
        let path = try file("id\tdocument\tlabel\n1\t좋아\t1\n2\t탭\t없음\t0\n", "tsv", temp: temp)
        XCTAssertThrowsError(try records(path, .tsv)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .fieldCount)
            XCTAssertEqual((error as? TextInputError)?.line, 3)
            XCTAssertTrue("\(error)".contains("expected 3 tab-separated fields (as in the header) but found 4"), "\(error)")
        }
        var reader = try RecordBlockReader(path: path, format: .tsv)
        var cursor = RecordCursor(columns: try reader.columns(["id"]), format: .tsv)
        let block = try XCTUnwrap(reader.next())
        XCTAssertTrue(try cursor.selectAllowingFieldCountMismatch(0, in: block))
        XCTAssertFalse(try cursor.selectAllowingFieldCountMismatch(1, in: block))
        XCTAssertEqual(cursor.fields.count, 4)
    }

    func testCSVQuotingRFC4180() throws {
        let temp = try TempFolder()
        let text = "\u{FEFF}Q,A,label\r\n\"안녕, 친구\",\"그는 \"\"좋아\"\"라고 했다\",0\r\n"
            + "\"여러\r\n줄\",끝,1\r\nplain,,2"
        let path = try file(text, "csv", temp: temp)
        let reader = try RecordBlockReader(path: path, format: .csv)
        XCTAssertEqual(reader.header, ["Q", "A", "label"], "the byte-order mark is not part of the first name")
        let got = try records(path, .csv)
        XCTAssertEqual(got.map(\.1), [["안녕, 친구", "그는 \"좋아\"라고 했다", "0"], ["여러\n줄", "끝", "1"], ["plain", "", "2"]])
        XCTAssertEqual(got.map(\.0), [2, 3, 5])
    }

    func testInvalidUTF8InAFieldNamesThePhysicalLineAndByte() throws {
        let temp = try TempFolder()
        let tsv = try temp.file("bad.tsv", Array("a\tb\nok\t".utf8) + [0x80] + [0x0A])
        XCTAssertThrowsError(try records(tsv, .tsv)) { error in
            XCTAssertEqual("\(error)", "\(tsv):2: invalid UTF-8 at byte 4 of the line")
        }
        // In a quoted field spanning lines, the byte is counted from the start of its own line.
        let csv = try temp.file("bad.csv", Array("a,b\n1,\"첫 줄\nxy".utf8) + [0xFF] + Array("\"\n".utf8))
        XCTAssertThrowsError(try records(csv, .csv)) { error in
            XCTAssertEqual("\(error)", "\(csv):3: invalid UTF-8 at byte 3 of the line")
        }
    }

    func testCSVUnterminatedQuoteNamesStartLine() throws {
        let temp = try TempFolder()
        let path = try file("a,b\n1,2\n1,\"열린\n따옴표\n", "csv", temp: temp)
        XCTAssertThrowsError(try records(path, .csv)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .unterminatedQuote)
            XCTAssertEqual("\(error)", "\(path):3: a quoted field opened on this line is never closed")
        }
    }

    func testCSVTextAfterClosingQuoteIsAnError() throws {
        let temp = try TempFolder()
        let path = try file("a,b\n\"x\"y,2\n", "csv", temp: temp)
        XCTAssertThrowsError(try records(path, .csv)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .badQuote)
            XCTAssertEqual((error as? TextInputError)?.line, 2)
        }
        // A quote inside an unquoted field is data, and does not open a quoted field.
        let data = try file("a,b\nx\"y,2\n", "csv", temp: temp, name: "data")
        XCTAssertEqual(try records(data, .csv).map(\.1), [["x\"y", "2"]])
    }

    func testJSONLReadsStringsAndIntegerNumbers() throws {
        let temp = try TempFolder()
        let path = try file("{\"text\": \"재밌다\", \"label\": 1}\n{\"text\": \"a\\nb\", \"label\": 2.5}\n", "jsonl", temp: temp)
        XCTAssertEqual(try records(path, .jsonl, columns: ["text", "label"]).map(\.1), [["재밌다", "1"], ["a\nb", "2.5"]])
        for (text, problem) in [("[1,2]\n", "the line is not a JSON object"), ("{\"text\": \"x\"}\n", "no key 'label'"),
                                ("not json\n", "not valid JSON")] {
            let bad = try file(text, "jsonl", temp: temp, name: "bad")
            XCTAssertThrowsError(try records(bad, .jsonl, columns: ["text", "label"])) { error in
                XCTAssertEqual((error as? TextInputError)?.kind, .malformedJSON)
                XCTAssertEqual("\(error)", "\(bad):1: \(problem)")
            }
        }
    }

    func testRecordReaderSkipsPastARecordLevelError() throws {
        let temp = try TempFolder()
        let path = try file("id\tdocument\n1\t좋다\n2\t탭\t하나 더\n3\t끝\n", "tsv", temp: temp)
        var reader = try RecordReader(path: path, format: .tsv, columns: ["document"], optionalColumns: ["label"])
        XCTAssertFalse(reader.hasColumn("label"))
        XCTAssertEqual(try reader.next(), RecordReader.Record(line: 2, values: ["좋다"]))
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual(($0 as? TextInputError)?.kind.isRecordLevel, true) }
        XCTAssertEqual(try reader.next(), RecordReader.Record(line: 4, values: ["끝"]))
        XCTAssertNil(try reader.next())
    }

    /// Multi-line CSV records read through blocks of every small size: the records, their lines
    /// and the fingerprint never depend on where a block ends.
    func testBlockBoundariesAtEveryPosition() throws {
        let temp = try TempFolder()
        let text = "\u{FEFF}Q,A,label\r\n\"한 줄, 쉼표\",\"두\r\n줄 \"\"인용\"\"\",0\n,,1\n\"\"\"\",x,2\r\n"
            + "\"세\n\n줄\",\"\",3\nlast,\"\",4"
        let path = try file(text, "csv", temp: temp)
        let expected: [(Int, [String])] = [
            (2, ["한 줄, 쉼표", "두\n줄 \"인용\"", "0"]), (4, ["", "", "1"]), (5, ["\"", "x", "2"]),
            (6, ["세\n\n줄", "", "3"]), (9, ["last", "", "4"]),
        ]
        var sha = SHA256()
        sha.update(Array(text.utf8))
        for blockSize in 1...(text.utf8.count + 1) {
            let got = try records(path, .csv, blockSize: blockSize)
            XCTAssertEqual(got.map(\.0), expected.map(\.0), "block size \(blockSize)")
            XCTAssertEqual(got.map(\.1), expected.map(\.1), "block size \(blockSize)")
            var reader = try RecordBlockReader(path: path, format: .csv, blockSize: blockSize)
            var fingerprint = FingerprintAccumulator()
            var blocks = 0
            while let block = try reader.next() {
                fingerprint.add(block)
                blocks += 1
            }
            XCTAssertEqual(fingerprint.fingerprint(path: path).sha256, sha.finalizeHex(), "block size \(blockSize)")
            XCTAssertEqual(fingerprint.lines, 9, "block size \(blockSize)")
            if blockSize < 16 { XCTAssertGreaterThan(blocks, 2) }
        }
        // The same for TSV lines.
        let tsv = try file("a\tb\r\n1\t하나\n\n2\t둘", "tsv", temp: temp)
        XCTAssertThrowsError(try records(tsv, .tsv, blockSize: 16), "the empty line has one field, not two")
        let good = try file("a\tb\r\n1\t하나\n2\t둘\r\n3\t셋", "tsv", temp: temp, name: "good")
        for blockSize in 1...30 {
            XCTAssertEqual(try records(good, .tsv, blockSize: blockSize).map(\.1), [["1", "하나"], ["2", "둘"], ["3", "셋"]])
        }
    }

    func testPartsCoverEveryRecordOnce() throws {
        let temp = try TempFolder()
        let path = try file((0..<1000).map { "line \($0) " + String(repeating: "x", count: $0 % 13) }.joined(separator: "\n"),
                            "txt", temp: temp)
        var reader = try RecordBlockReader(path: path, format: .lines, blockSize: 4096)
        while let block = try reader.next() {
            for workers in [1, 2, 3, 7] {
                let parts = block.parts(workers)
                XCTAssertLessThanOrEqual(parts.count, workers)
                XCTAssertEqual(parts.first?.lowerBound, 0)
                XCTAssertEqual(parts.last?.upperBound, block.count)
                for (a, b) in zip(parts, parts.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertFalse(parts.contains { $0.isEmpty })
            }
        }
    }

    func testRealCorpora() throws {
        XCTAssertEqual(try records(try ProjectPaths.corpus("nsmc/reviews_test.tsv").path, .tsv, columns: ["document"]).count,
                       72_274)
        let chatbot = try ProjectPaths.corpus("chatbot/ChatbotData.csv").path
        XCTAssertEqual(RecordFormat.inferred(fromPath: chatbot, readsColumns: true), .csv)
        let reader = try RecordBlockReader(path: chatbot, format: .csv)
        XCTAssertEqual(reader.header, ["Q", "A", "label"])
        XCTAssertEqual(try records(chatbot, .csv, blockSize: 4096).count, 11_823)
    }
}
