import Foundation
import XCTest
import JikjiIO
import JikjiTestSupport

/// Framing: lines, terminators, byte-order marks, long records, blocks, and the errors of opening.
final class RecordReaderTests: XCTestCase {
    /// Every record of `path` read as plain lines: (line number, text).
    private func lines(_ path: String, blockSize: Int = 1 << 20) throws -> [(Int, String)] {
        var reader = try RecordBlockReader(path: path, format: .lines, blockSize: blockSize)
        var result = [(Int, String)]()
        while let block = try reader.next() {
            for index in 0..<block.count {
                try block.check(block.records[index], inRecord: index)
                result.append((block.line(of: index), String(decoding: block.bytes[block.records[index]], as: UTF8.self)))
            }
        }
        return result
    }

    func testSplitsLinesWithNumbers() throws {
        let temp = try TempFolder()
        let path = try temp.file("a.txt", text: "첫 줄\n둘째 줄\n\n넷째\n")
        let got = try lines(path)
        XCTAssertEqual(got.map(\.0), [1, 2, 3, 4])
        XCTAssertEqual(got.map(\.1), ["첫 줄", "둘째 줄", "", "넷째"])
    }

    func testCRLFAndNoFinalNewline() throws {
        let temp = try TempFolder()
        let path = try temp.file("crlf.txt", text: "하나\r\n둘\r\n셋")
        var reader = try RecordBlockReader(path: path, format: .lines)
        var texts = [String]()
        while let block = try reader.next() {
            texts += block.records.map { String(decoding: block.bytes[$0], as: UTF8.self) }
        }
        XCTAssertEqual(texts, ["하나", "둘", "셋"])
        XCTAssertTrue(reader.missingFinalNewline)
        XCTAssertEqual(reader.lineCount, 3)
    }

    func testByteOrderMarkIsDroppedOnlyAtStart() throws {
        let temp = try TempFolder()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let path = try temp.file("bom.txt", bom + Array("id\tdoc\n".utf8) + bom + Array("x\n".utf8))
        var reader = try RecordBlockReader(path: path, format: .lines)
        let block = try XCTUnwrap(reader.next())
        XCTAssertEqual(Array(block.bytes[block.records[0]]), Array("id\tdoc".utf8))
        XCTAssertTrue(reader.hadByteOrderMark)
        XCTAssertEqual(Array(block.bytes[block.records[1]]), bom + Array("x".utf8), "a BOM inside the file is data")
        XCTAssertEqual(block.bytes.count, 3 + 7 + 3 + 2, "the block holds the bytes as read, for the fingerprint")
    }

    func testEmptyFileHasNoRecords() throws {
        let temp = try TempFolder()
        let path = try temp.file("empty.txt", [])
        XCTAssertTrue(try lines(path).isEmpty)
        let onlyNewline = try temp.file("nl.txt", [0x0A])
        XCTAssertEqual(try lines(onlyNewline).map(\.1), [""])
        XCTAssertThrowsError(try RecordBlockReader(path: path, format: .tsv)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .missingHeader)
            XCTAssertEqual("\(error)", "\(path):1: the file is empty: expected a header line naming the columns")
        }
    }

    func testRecordsLongerThanTheBlockAndAMegabyteLine() throws {
        let temp = try TempFolder()
        let long = String(repeating: "가나다ㅋ", count: 90_000)  // 1.08 MB of UTF-8
        let path = try temp.file("long.txt", text: "짧음\n\(long)\n끝")
        let got = try lines(path, blockSize: 4096)
        XCTAssertEqual(got.map(\.1), ["짧음", long, "끝"])
        XCTAssertEqual(got.map(\.0), [1, 2, 3])
    }

    func testRecordTooLongNamesFileAndLine() throws {
        let temp = try TempFolder()
        let path = try temp.file("l.txt", text: "ok\n" + String(repeating: "x", count: 5000) + "\n")
        var reader = try RecordBlockReader(path: path, format: .lines, blockSize: 1024, maximumRecordLength: 2048)
        XCTAssertThrowsError(try { while try reader.next() != nil {} }()) { error in
            let e = error as? TextInputError
            XCTAssertEqual(e?.kind, .lineTooLong)
            XCTAssertEqual(e?.line, 2)
            XCTAssertTrue(e?.description.hasPrefix(path + ":2:") ?? false, "\(error)")
        }
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try RecordBlockReader(path: "/nonexistent/reviews.tsv", format: .tsv)) { error in
            let e = error as? TextInputError
            XCTAssertEqual(e?.kind, .cannotOpen)
            XCTAssertTrue("\(error)".contains("/nonexistent/reviews.tsv"))
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }

    func testDirectoryIsNotAnInput() throws {
        let temp = try TempFolder()
        XCTAssertThrowsError(try RecordBlockReader(path: temp.url.path, format: .lines)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .cannotOpen)
            XCTAssertEqual("\(error)", "\(temp.url.path): is a directory, not a text file")
        }
    }

    func testInvalidUTF8AndNULNameLineAndByte() throws {
        let temp = try TempFolder()
        let path = try temp.file("bad.txt", Array("좋다\n".utf8) + [0x61, 0x62, 0xFF, 0x63, 0x0A] + [0x61, 0x00, 0x0A])
        var reader = try RecordBlockReader(path: path, format: .lines)
        let block = try XCTUnwrap(reader.next())
        XCTAssertNoThrow(try block.check(block.records[0], inRecord: 0))
        XCTAssertThrowsError(try block.check(block.records[1], inRecord: 1)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .invalidUTF8)
            XCTAssertEqual((error as? TextInputError)?.byte, 3)
            XCTAssertEqual("\(error)", "\(path):2: invalid UTF-8 at byte 3 of the line")
        }
        XCTAssertThrowsError(try block.check(block.records[2], inRecord: 2)) { error in
            XCTAssertEqual("\(error)", "\(path):3: NUL byte at byte 2 of the line")
        }
        XCTAssertNoThrow(try block.check(block.records[2], inRecord: 2, rejectingNUL: false))
    }

    func testUTF8Validation() {
        func check(_ bytes: [UInt8]) -> Int? { UTF8Validation.firstInvalidOffset(in: bytes) }
        XCTAssertNil(check(Array("한글 abc 😀".utf8)))
        XCTAssertEqual(check([0x61, 0xC0, 0x80]), 1, "overlong")
        XCTAssertEqual(check([0xED, 0xA0, 0x80]), 0, "surrogate")
        XCTAssertEqual(check([0xEA, 0xB0]), 0, "truncated at the end")
        XCTAssertEqual(check([0xF4, 0x90, 0x80, 0x80]), 0, "beyond U+10FFFF")
        XCTAssertEqual(check([0x61, 0x80]), 1, "lone continuation byte")
        XCTAssertNil(check([0x61, 0x00]), "NUL is well-formed UTF-8")
        let nul: [UInt8] = [0x61, 0x00]
        XCTAssertEqual(nul.withUnsafeBufferPointer { UTF8Validation.firstProblem(in: $0, rejectingNUL: true) }, .nul(1))
    }

    func testFormatRule() {
        XCTAssertEqual(RecordFormat.inferred(fromPath: "corpora/chatbot/ChatbotData.CSV", readsColumns: true), .csv)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "a.tsv", readsColumns: false), .tsv)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "d.jsonl", readsColumns: true), .jsonl)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "d.ndjson", readsColumns: true), .jsonl)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "ratings_train.txt", readsColumns: true), .tsv)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "ratings_train.txt", readsColumns: false), .lines)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "-", readsColumns: true), .tsv)
        XCTAssertEqual(RecordFormat.inferred(fromPath: "dir.csv/notes", readsColumns: false), .lines)
    }

    func testFingerprintOfTheBlocksIsTheFile() throws {
        // sha256("abc\n") is a well-known vector; block boundaries must not matter.
        let temp = try TempFolder()
        let path = try temp.file("a.txt", text: "abc\n")
        var reader = try RecordReader(path: path, format: .lines, columns: ["text"])
        let fingerprint = try reader.finish(path: path)
        XCTAssertEqual(fingerprint.sha256, "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb")
        XCTAssertEqual(fingerprint.bytes, 4)
        XCTAssertEqual(fingerprint.lines, 1)
    }

    func testReadsRealCorpusLineCountAndFingerprint() throws {
        let url = try ProjectPaths.corpus("nsmc/ratings_train.txt")
        var reader = try RecordBlockReader(path: url.path, format: .tsv, blockSize: 1 << 16)
        var count = 0
        var fingerprint = FingerprintAccumulator()
        while let block = try reader.next() {
            count += block.count
            fingerprint.add(block)
            XCTAssertFalse(block.records.contains { block.bytes[$0].contains(0x0A) })
        }
        XCTAssertEqual(count, 150_000)
        XCTAssertEqual(reader.bytesRead, reader.inputSize)
        let result = fingerprint.fingerprint(path: url.path)
        XCTAssertEqual(result.lines, 150_001)
        XCTAssertEqual(result.sha256, "6b548ca120ffeda1a212fa26cdf6719fa764352f835dae9ee0cf52ec0d509251")  // sha256sum
    }
}
