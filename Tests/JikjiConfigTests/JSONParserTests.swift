import JikjiConfig
import XCTest

/// The one JSON parser, seen through both of its trees: ``JSONValue`` (tokenizer.json) and
/// ``ConfigValue`` (configurations).
final class JSONParserTests: XCTestCase {
    /// HF's vocabularies hold keys that Swift's `String ==` merges (precomposed é and e +
    /// combining acute; U+F90A and U+91D1): the JSONValue tree keeps every one.
    func testCanonicallyEquivalentKeysStayDistinct() throws {
        let json = "{\"\u{E9}\": 1, \"e\u{301}\": 2, \"\u{F90A}\": 3, \"\u{91D1}\": 4}"
        let value = try JSONValue(parsing: Array(json.utf8))
        guard case .object(let members) = value else { return XCTFail("\(value)") }
        XCTAssertEqual(members.map { Array($0.key.unicodeScalars) },
                       [["\u{E9}"], ["e", "\u{301}"], ["\u{F90A}"], ["\u{91D1}"]])
        XCTAssertEqual(value.member("e\u{301}")?.intValue, 2)
        XCTAssertEqual(value.member("\u{E9}")?.intValue, 1)
        XCTAssertEqual(value.member("\u{91D1}")?.intValue, 4)
        // A key written twice is kept twice; the last one counts, as serde reads it.
        XCTAssertEqual(try JSONValue(parsing: Array("{\"a\": 1, \"a\": 2}".utf8)).member("a")?.intValue, 2)
    }

    func testTypedScalarsAndEscapes() throws {
        let value = try JSONValue(parsing: Array("\u{FEFF}[null, true, false, -0.5e+3, \"\\u00e9\\ud83d\\ude00\\n\\\"\", \"한\"]".utf8))
        XCTAssertEqual(value, .array([.null, .bool(true), .bool(false), .number("-0.5e+3"), .string("é😀\n\""), .string("한")]))
    }

    /// Each bad text is one error of the one parser: the same problem on the same line in both
    /// trees, with the column and byte offset in JSONValue's.
    func testBothTreesReportTheSameProblem() {
        let cases: [(text: String, line: Int, column: Int, problem: String)] = [
            ("{\n  \"a\": tru}", 2, 8, "'tru' is not a JSON value"),
            ("[1, 2}", 1, 6, "expected ',' or ']', found '}'"),
            ("{\"a\": 01}", 1, 7, "'01' is not a JSON value"),
            ("[\"x\n\"]", 1, 4, "a string is not closed on its line"),
            ("[\"\\q\"]", 1, 4, "unknown escape \\q"),
            ("[\"\\ud800\"]", 1, 9, "\\u escape of a lone surrogate"),
            ("", 1, 1, "the text is empty"),
            ("{} {}", 1, 4, "'{' after the value"),
            ("{\"a\" 1}", 1, 6, "expected ':' after a key, found '1'"),
        ]
        for (text, line, column, problem) in cases {
            XCTAssertThrowsError(try JSONValue(parsing: Array(text.utf8)), text) { error in
                XCTAssertEqual(error as? JSONSyntaxError,
                               JSONSyntaxError(kind: .malformed, line: line, column: column,
                                               byteOffset: (error as? JSONSyntaxError)?.byteOffset ?? -1, problem: problem), text)
            }
            XCTAssertThrowsError(try ConfigValue.parse(json: text, source: "t.json"), text) { error in
                XCTAssertEqual("\(error)", "t.json:\(line): not valid JSON: \(problem)", text)
            }
        }
    }

    func testInvalidUTF8InAStringIsAnError() {
        XCTAssertThrowsError(try JSONValue(parsing: [0x5B, 0x22, 0xFF, 0x22, 0x5D])) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.problem, "a string is not valid UTF-8")
        }
    }

    func testNestingLimitOfEachTree() throws {
        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        XCTAssertNoThrow(try JSONValue(parsing: nested(JSONValue.maximumDepth)))
        XCTAssertThrowsError(try JSONValue(parsing: nested(JSONValue.maximumDepth + 1))) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.kind, .tooDeep)
        }
        XCTAssertThrowsError(try ConfigValue.parse(json: String(decoding: nested(ConfigLimits.maximumDepth + 1), as: UTF8.self),
                                                   source: "d.json")) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, .tooDeep)
        }
    }
}
