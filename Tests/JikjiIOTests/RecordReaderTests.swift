import Foundation
import XCTest
import JikjiText
import JikjiTestSupport

final class LineReaderTests: XCTestCase {
    /// Reads every line of `path` as (number, text).
    private func lines(_ path: String, chunkSize: Int = 1 << 20) throws -> [(Int, String)] {
        var reader = try LineReader(path: path, chunkSize: chunkSize)
        var result = [(Int, String)]()
        while let line = try reader.next() { result.append((line.number, try line.text())) }
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
        var reader = try LineReader(path: path)
        var texts = [String]()
        while let line = try reader.next() { texts.append(try line.text()) }
        XCTAssertEqual(texts, ["하나", "둘", "셋"])
        XCTAssertTrue(reader.missingFinalNewline)
    }

    func testByteOrderMarkIsDroppedOnlyAtStart() throws {
        let temp = try TempFolder()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let path = try temp.file("bom.txt", bom + Array("id\tdoc\n".utf8) + bom + Array("x\n".utf8))
        var reader = try LineReader(path: path)
        let first = try XCTUnwrap(reader.next())
        XCTAssertEqual(Array(first.bytes), Array("id\tdoc".utf8))
        XCTAssertTrue(reader.hadByteOrderMark)
        let second = try XCTUnwrap(reader.next())
        XCTAssertEqual(Array(second.bytes), bom + Array("x".utf8), "a BOM inside the file is data")
    }

    func testEmptyFileHasNoLines() throws {
        let temp = try TempFolder()
        let path = try temp.file("empty.txt", [])
        XCTAssertTrue(try lines(path).isEmpty)
        let onlyNewline = try temp.file("nl.txt", [0x0A])
        XCTAssertEqual(try lines(onlyNewline).map(\.1), [""])
    }

    func testLinesLongerThanTheChunkAndAMegabyteLine() throws {
        let temp = try TempFolder()
        let long = String(repeating: "가나다ㅋ", count: 90_000)  // 1.08 MB of UTF-8
        let path = try temp.file("long.txt", text: "짧음\n\(long)\n끝")
        let got = try lines(path, chunkSize: 4096)
        XCTAssertEqual(got.map(\.1), ["짧음", long, "끝"])
        XCTAssertEqual(got.map(\.0), [1, 2, 3])
    }

    func testLineTooLongNamesFileAndLine() throws {
        let temp = try TempFolder()
        let path = try temp.file("l.txt", text: "ok\n" + String(repeating: "x", count: 5000) + "\n")
        var reader = try LineReader(path: path, chunkSize: 1024, maximumLineLength: 2000)
        _ = try reader.next()
        XCTAssertThrowsError(try reader.next()) { error in
            let e = error as? TextInputError
            XCTAssertEqual(e?.kind, .lineTooLong)
            XCTAssertEqual(e?.line, 2)
            XCTAssertTrue(e?.description.hasPrefix(path + ":2:") ?? false, "\(error)")
        }
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try LineReader(path: "/nonexistent/reviews.tsv")) { error in
            let e = error as? TextInputError
            XCTAssertEqual(e?.kind, .cannotOpen)
            XCTAssertTrue("\(error)".contains("/nonexistent/reviews.tsv"))
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }

    func testDirectoryIsNotAnInput() throws {
        let temp = try TempFolder()
        XCTAssertThrowsError(try LineReader(path: temp.url.path)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .cannotOpen)
            XCTAssertEqual("\(error)", "\(temp.url.path): is a directory, not a text file")
        }
    }

    func testInvalidUTF8NamesLineAndByte() throws {
        let temp = try TempFolder()
        let path = try temp.file("bad.txt", Array("좋다\n".utf8) + [0x61, 0x62, 0xFF, 0x63, 0x0A])
        var reader = try LineReader(path: path)
        XCTAssertEqual(try reader.next()?.text(), "좋다")
        let bad = try XCTUnwrap(reader.next())
        XCTAssertThrowsError(try bad.text()) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .invalidUTF8)
            XCTAssertEqual("\(error)", "\(path):2: invalid UTF-8 at byte 3 of the line")
        }
    }

    func testUTF8Validation() {
        func check(_ bytes: [UInt8]) -> Int? { UTF8Validation.firstInvalidOffset(in: bytes) }
        XCTAssertNil(check(Array("한글 abc 😀".utf8)))
        XCTAssertEqual(check([0x61, 0xC0, 0x80]), 1, "overlong")
        XCTAssertEqual(check([0xED, 0xA0, 0x80]), 0, "surrogate")
        XCTAssertEqual(check([0xEA, 0xB0]), 0, "truncated at the end")
        XCTAssertEqual(check([0xF4, 0x90, 0x80, 0x80]), 0, "beyond U+10FFFF")
        XCTAssertEqual(check([0x61, 0x80]), 1, "lone continuation byte")
    }

    func testReadsRealCorpusLineCount() throws {
        let url = try ProjectPaths.corpus("nsmc/ratings_test.txt")
        var reader = try LineReader(contentsOf: url, chunkSize: 1 << 16)
        var count = 0
        while let line = try reader.next() {
            count += 1
            XCTAssertFalse(line.bytes.contains(0x0A))
        }
        // The shared copy and a fresh download differ in size: count newlines independently.
        let data = try Data(contentsOf: url)
        XCTAssertEqual(count, data.filter { $0 == 0x0A }.count + (data.last == 0x0A ? 0 : 1))
        XCTAssertEqual(reader.bytesRead, reader.inputSize)
    }
}
