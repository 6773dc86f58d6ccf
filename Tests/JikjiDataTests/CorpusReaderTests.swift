import JikjiIO
import Foundation
import XCTest
import JikjiData

final class CorpusReaderTests: XCTestCase {
    func testPlainLinesKeepEveryLineAndStripCarriageReturns() throws {
        let path = try temporaryFile("a.txt", "첫 줄\r\n둘째 줄\n\n마지막")
        let rows = try readAll(path, format: .lines, columns: ["text"])
        XCTAssertEqual(rows.map { try? $0.get().values[0] }, ["첫 줄", "둘째 줄", "", "마지막"])
        XCTAssertEqual(rows.map { try? $0.get().line }, [1, 2, 3, 4])
    }

    func testTSVPicksNamedColumnsAndReportsWrongFieldCounts() throws {
        let path = try temporaryFile("r.tsv", "id\tdocument\tlabel\n1\t좋아요\t1\n2\t별로\n3\t최고\t1\n")
        let rows = try readAll(path, format: .tsv, columns: ["label", "document"])
        XCTAssertEqual(try rows[0].get(), RecordReader.Record(line: 2, values: ["1", "좋아요"]))
        guard case let .failure(bad) = rows[1] else { return XCTFail("expected a bad row") }
        XCTAssertEqual(bad.reason, .wrongFieldCount)
        XCTAssertEqual(bad.line, 3)
        XCTAssertEqual(bad.file, path)
        XCTAssertTrue(bad.description.contains("\(path):3: wrong field count"), bad.description)
        XCTAssertEqual(try rows[2].get().values, ["1", "최고"])
    }

    func testUnknownColumnNamesTheAvailableOnes() throws {
        let path = try temporaryFile("r.tsv", "id\tdocument\tlabel\n1\tx\t0\n")
        XCTAssertThrowsError(try CorpusReader(path: path, format: .tsv, columns: ["text"])) { error in
            XCTAssertEqual(error as? TextInputError, .missingColumn(file: path, name: "text", header: ["id", "document", "label"]))
            XCTAssertTrue("\(error)".contains("'document'"))
        }
    }

    func testCSVHandlesQuotesEscapedQuotesCommasAndLineBreaks() throws {
        let csv = "\u{FEFF}Q,A,label\n\"안녕, 친구\",\"그는 \"\"좋아\"\"라고 했다\",0\n\"두 줄\n질문\",답,1\n평범,답,2\n"
        let path = try temporaryFile("c.csv", csv)
        let rows = try readAll(path, format: .csv, columns: ["Q", "A", "label"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(try rows[0].get().values, ["안녕, 친구", "그는 \"좋아\"라고 했다", "0"])
        XCTAssertEqual(try rows[1].get(), RecordReader.Record(line: 3, values: ["두 줄\n질문", "답", "1"]))
        XCTAssertEqual(try rows[2].get(), RecordReader.Record(line: 5, values: ["평범", "답", "2"]))
    }

    func testCSVUnclosedQuoteAtEndOfFileIsAnError() throws {
        // It swallows the rest of the file, so no bad-row policy can skip it: every command rejects it.
        let path = try temporaryFile("c.csv", "Q,A,label\n\"열린,답,0\n")
        XCTAssertThrowsError(try readAll(path, format: .csv, columns: ["Q"])) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .unterminatedQuote)
            XCTAssertEqual((error as? TextInputError)?.line, 2)
        }
    }

    func testRecordLevelProblemsBecomeBadRowsWithTheReadersWording() throws {
        let path = try temporaryFile("n.tsv", "id\tdocument\n1\ta\u{0}b\n2\t\"x\"\n")
        let rows = try readAll(path, format: .tsv, columns: ["document"])
        guard case let .failure(bad) = rows.first else { return XCTFail("expected a bad row") }
        XCTAssertEqual(bad.reason, .nulByte)
        XCTAssertEqual(bad.description, "\(path):2: NUL byte: NUL byte at byte 4 of the line")
        XCTAssertEqual(try rows[1].get().values, ["\"x\""])
    }

    func testJSONLReadsStringsAndIntegerNumbers() throws {
        let path = try temporaryFile("d.jsonl", "{\"text\": \"재밌다\", \"label\": 1}\n[1,2]\n{\"text\": \"x\"}\nnot json\n")
        let rows = try readAll(path, format: .jsonl, columns: ["text", "label"])
        XCTAssertEqual(try rows[0].get().values, ["재밌다", "1"])
        for (index, row) in rows.dropFirst().enumerated() {
            guard case let .failure(bad) = row else { return XCTFail("row \(index + 2) should be bad") }
            XCTAssertEqual(bad.reason, .malformedJSON)
            XCTAssertEqual(bad.line, index + 2)
        }
    }

    func testInvalidUTF8IsABadRowWithItsLine() throws {
        var data = Data("id\tdocument\tlabel\n1\t좋다\t1\n2\t".utf8)
        data.append(contentsOf: [0xED, 0xA0, 0x80, 0xFF])
        data.append(contentsOf: Array("\t0\n3\t좋다\t1\n".utf8))
        let path = try temporaryFile("bad.tsv", data)
        let rows = try readAll(path, format: .tsv, columns: ["document"])
        XCTAssertEqual(rows.count, 3)
        guard case let .failure(bad) = rows[1] else { return XCTFail("expected invalid UTF-8") }
        XCTAssertEqual(bad.reason, .invalidUTF8)
        XCTAssertEqual(bad.line, 3)
        XCTAssertEqual(try rows[2].get().values, ["좋다"])
    }

    func testFingerprintCoversTheWholeFileAndMatchesKnownSHA256() throws {
        // sha256("abc\n") is a well-known vector; chunk boundaries must not matter.
        let path = try temporaryFile("a.txt", "abc\n")
        var reader = try CorpusReader(path: path, format: .lines, columns: ["text"])
        let fingerprint = try reader.finish()
        XCTAssertEqual(fingerprint.path, URL(fileURLWithPath: path).standardizedFileURL.path)
        XCTAssertEqual(fingerprint.sha256, "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb")
        XCTAssertEqual(fingerprint.bytes, 4)
        XCTAssertEqual(fingerprint.lines, 1)
    }

    func testNSMCTrainingFileStreamsAllRows() throws {
        let path = try JikjiTestSupportPaths.corpus("nsmc/ratings_train.txt")
        var reader = try CorpusReader(path: path, format: .tsv, columns: ["document", "label"])
        var good = 0, bad = 0
        while let row = try reader.next() {
            switch row { case .success: good += 1; case .failure: bad += 1 }
        }
        XCTAssertEqual(good + bad, 150_000)
        XCTAssertEqual(bad, 0)
        let fingerprint = try reader.finish()
        XCTAssertEqual(fingerprint.lines, 150_001)
        XCTAssertEqual(fingerprint.sha256, "6b548ca120ffeda1a212fa26cdf6719fa764352f835dae9ee0cf52ec0d509251")  // sha256sum
    }
}
