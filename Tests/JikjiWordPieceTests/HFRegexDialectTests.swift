import Foundation
import JikjiWordPiece
import XCTest

/// ICU patterns rewritten for Oniguruma (HF's regex engine) keep their meaning; the constructs
/// without a shared form are refused. Expected forms follow the two engines' documented (and, for
/// Oniguruma, tokenizers 0.23.3's observed) behaviour: its `.` matches U+2028 and `\r`, its `^`/`$`
/// match at every line break, its `\h` is a hex digit and it has no `\Q…\E`.
final class HFRegexDialectTests: XCTestCase {
    func testRewritesWhatTheEnginesReadDifferently() throws {
        let cases: [(String, String)] = [
            ("a.b", #"a[^\n\x{B}\f\r\x{85}\x{2028}\x{2029}]b"#),
            ("^x", #"\Ax"#),
            ("x$", #"x(?=(?:\r\n|[\n\x{B}\f\r\x{85}\x{2028}\x{2029}])?\z)"#),
            (#"\d+"#, #"\p{Nd}+"#),
            (#"[\d,]"#, #"[\p{Nd},]"#),
            (#"\s"#, #"[\t\n\f\r\p{Z}]"#),
            (#"\u3131\x41\x{1F600}"#, #"\x{3131}\x{41}\x{1F600}"#),
            (#"\Q.*\E"#, #"\x{2E}\x{2A}"#),
            (#"(\d+)원"#, #"(\p{Nd}+)원"#),
            ("[ㅋᄏ]{3,}", "[ㅋᄏ]{3,}"),
            (#"(?<=a)b|(?!c)\.\\"#, #"(?<=a)b|(?!c)\.\\"#),
        ]
        for (icu, onig) in cases {
            XCTAssertEqual(try HFRegexDialect.onigPattern(fromICU: icu), onig, icu)
        }
        XCTAssertEqual(try HFRegexDialect.onigPattern(fromICU: "good", ignoreCase: true), "(?i)good")
    }

    func testRefusesWhatHasNoSharedForm() {
        for pattern in [#"\bx"#, #"\h"#, #"\v"#, #"\R"#, #"\X"#, #"a\Z"#, "[[:alpha:]]", "[a&&b]", "(?m)a", "(?x) a",
                        #"\p{Script=Latin}"#, #"[\S]"#, "a{,3}"] {
            XCTAssertThrowsError(try HFRegexDialect.onigPattern(fromICU: pattern), pattern)
        }
    }

    func testSharedPatternsAreThoseLeftAsTheyAre() {
        XCTAssertTrue(HFRegexDialect.isShared(#"\A[\t\n\f\r\p{Z}]*[.,]+"#))
        XCTAssertTrue(HFRegexDialect.isShared(#"(?i)good|bad"#))
        XCTAssertFalse(HFRegexDialect.isShared(#"\s+"#))   // Oniguruma's \s is not ICU's
        XCTAssertFalse(HFRegexDialect.isShared("^a"))      // Oniguruma's ^ matches after every \n
        XCTAssertFalse(HFRegexDialect.isShared("a.b"))
    }

    func testReplacementsAreLiteralOrRefused() {
        XCTAssertEqual(HFRegexDialect.literal(ofReplacement: #"a\$b\\"#), #"a$b\"#)
        XCTAssertNil(HFRegexDialect.literal(ofReplacement: "$1 won"))
        XCTAssertEqual(HFRegexDialect.literalReplacement(#"$1\"#), #"\$1\\"#)
    }

    /// A tokenizer.json whose Sequence holds a normalizer Jikji cannot run is refused by name.
    func testUnsupportedSequenceMembersAreNamed() throws {
        func file(_ members: String) -> Data {
            Data("""
            {"normalizer": {"type": "Sequence", "normalizers": [\(members)]}, "pre_tokenizer": {"type": "BertPreTokenizer"},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1}}}
            """.utf8)
        }
        let bert = #"{"type": "BertNormalizer", "lowercase": false}"#
        let read = try HFTokenizerJSON(data: file(#"{"type": "NFKC"}, {"type": "Strip"}, "# + bert), path: "t.json")
        XCTAssertEqual(read.normalizers, [.nfkc, .strip(left: true, right: true)])
        for (members, message) in [
            (#"{"type": "Precompiled", "precompiled_charsmap": ""}, "# + bert, "normalizer.normalizers[0].type"),
            (#"{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, "# + bert, "cannot run in ICU"),
            (#"{"type": "NFKC"}"#, "does not end in a BertNormalizer"),
        ] {
            XCTAssertThrowsError(try HFTokenizerJSON(data: file(members), path: "t.json"), members) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
                XCTAssertTrue("\(error)".contains("t.json"), "\(error)")
            }
        }
    }
}
