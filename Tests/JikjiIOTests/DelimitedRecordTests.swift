import Foundation
import XCTest
import JikjiText
import JikjiTestSupport

final class DelimitedReaderTests: XCTestCase {
    private func reader(_ text: String, _ format: DelimitedFormat, temp: TempFolder,
                        name: String = "t") throws -> DelimitedReader {
        let path = try temp.file(name + "." + format.rawValue, text: text)
        return try DelimitedReader(LineReader(path: path), format: format)
    }

    private func values(_ record: DelimitedRecord) -> [String] {
        (0..<record.count).map { String(decoding: record.field($0), as: UTF8.self) }
    }

    func testTSVHeaderColumnsAndFields() throws {
        let temp = try TempFolder()
        var r = try reader("id\tdocument\tlabel\n1\t재밌다 ㅋㅋ\t1\n2\t\t0\n", .tsv, temp: temp)
        XCTAssertEqual(r.header, ["id", "document", "label"])
        XCTAssertEqual(try r.column(named: "document"), 1)
        let first = try XCTUnwrap(r.next())
        XCTAssertEqual(values(first), ["1", "재밌다 ㅋㅋ", "1"])
        XCTAssertEqual(first.line, 2)
        let second = try XCTUnwrap(r.next())
        XCTAssertEqual(values(second), ["2", "", "0"], "an empty field is a field")
        XCTAssertEqual(try second.string(0), "2")
        XCTAssertNil(try r.next())
    }

    func testTSVKeepsQuotesAsData() throws {
        let temp = try TempFolder()
        var r = try reader("a\tb\n\"인용\"\tx\"y\n", .tsv, temp: temp)
        XCTAssertEqual(values(try XCTUnwrap(r.next())), ["\"인용\"", "x\"y"])
    }

    func testMissingColumnNamesFileHeaderAndColumn() throws {
        let temp = try TempFolder()
        let r = try reader("id\tdocument\tlabel\n", .tsv, temp: temp, name: "ratings")
        XCTAssertThrowsError(try r.column(named: "text")) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .missingColumn)
            XCTAssertEqual("\(error)", "\(r.file):1: no column 'text' in the header "
                           + "(columns: 'id', 'document', 'label')")
        }
    }

    func testWrongFieldCountNamesLineAndCounts() throws {
        let temp = try TempFolder()
        var r = try reader("id\tdocument\tlabel\n1\t좋아\t1\n2\t탭\t없음\t0\n", .tsv, temp: temp)
        _ = try r.next()
        XCTAssertThrowsError(try r.next()) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .fieldCount)
            XCTAssertEqual((error as? TextInputError)?.line, 3)
            XCTAssertTrue("\(error)".contains("expected 3 tab-separated fields (as in the header) but found 4"),
                          "\(error)")
        }
        var lenient = try reader("a\tb\n1\n", .tsv, temp: temp, name: "lenient")
        lenient.allowsFieldCountMismatch = true
        XCTAssertEqual(try lenient.next()?.count, 1)
    }

    func testEmptyFileHasNoHeader() throws {
        let temp = try TempFolder()
        XCTAssertThrowsError(try reader("", .tsv, temp: temp)) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .missingHeader)
            XCTAssertTrue("\(error)".contains("the file is empty"), "\(error)")
        }
    }

    func testCSVQuotingRFC4180() throws {
        let temp = try TempFolder()
        let text = "Q,A,label\r\n\"안녕, 친구\",\"그는 \"\"좋아\"\"라고 했다\",0\r\n"
            + "\"여러\n줄\",끝,1\r\nplain,,2"
        var r = try reader(text, .csv, temp: temp)
        XCTAssertEqual(r.header, ["Q", "A", "label"])
        let first = try XCTUnwrap(r.next())
        XCTAssertEqual(values(first), ["안녕, 친구", "그는 \"좋아\"라고 했다", "0"])
        XCTAssertEqual(String(decoding: first.raw[first.fieldRanges[0]], as: UTF8.self), "\"안녕, 친구\"")
        let multi = try XCTUnwrap(r.next())
        XCTAssertEqual(values(multi), ["여러\n줄", "끝", "1"])
        XCTAssertEqual(multi.line, 3)
        let last = try XCTUnwrap(r.next())
        XCTAssertEqual(values(last), ["plain", "", "2"])
        XCTAssertNil(try r.next())
    }

    func testInvalidUTF8FieldNamesFileLineAndField() throws {
        let temp = try TempFolder()
        let path = try temp.file("bad.tsv", Array("a\tb\nok\t".utf8) + [0x80] + [0x0A])
        var r = try DelimitedReader(LineReader(path: path), format: .tsv)
        let record = try XCTUnwrap(r.next())
        XCTAssertEqual(try record.string(0), "ok")
        XCTAssertThrowsError(try record.string(1)) { error in
            XCTAssertEqual("\(error)", "\(path):2: invalid UTF-8 in field 2 at byte 1")
        }
    }

    func testCSVUnterminatedQuoteNamesStartLine() throws {
        let temp = try TempFolder()
        var r = try reader("a,b\n1,\"열린\n따옴표\n", .csv, temp: temp)
        XCTAssertThrowsError(try r.next()) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .unterminatedQuote)
            XCTAssertEqual((error as? TextInputError)?.line, 2)
        }
    }

    func testCSVTextAfterClosingQuoteIsAnError() throws {
        let temp = try TempFolder()
        var r = try reader("a,b\n\"x\"y,2\n", .csv, temp: temp)
        XCTAssertThrowsError(try r.next()) { error in
            XCTAssertEqual((error as? TextInputError)?.kind, .badQuote)
        }
    }

    func testRealCorpora() throws {
        var tsv = try DelimitedReader(LineReader(contentsOf: try ProjectPaths.corpus("nsmc/reviews_test.tsv")),
                                      format: .tsv)
        XCTAssertEqual(tsv.header, ["id", "movie", "rating", "document"])
        var records = 0
        while try tsv.next() != nil { records += 1 }
        XCTAssertEqual(records, 72_274)
        let chatbotURL = try ProjectPaths.corpus("chatbot/ChatbotData.csv")
        var csv = try DelimitedReader(LineReader(contentsOf: chatbotURL), format: .inferred(fromPath: chatbotURL.path))
        XCTAssertEqual(csv.header, ["Q", "A", "label"])
        var rows = 0
        while try csv.next() != nil { rows += 1 }
        XCTAssertEqual(rows, 11_823)
    }
}
