import JikjiIO
import Foundation
import XCTest
import JikjiText

/// A counter safe to bump from several threads (`@unchecked Sendable`: `count` only under `lock`).
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// Each step on Korean edge cases. Expected values are written by hand; comparisons use
/// `unicodeScalars` because `String ==` compares canonically and would hide NFC/NFD differences.
final class CleaningStepTests: XCTestCase {
    private func run(_ steps: [CleaningStep], _ text: String) -> String {
        CleaningPipeline(steps: steps).clean(text)
    }

    private func assertScalars(_ actual: String, _ expected: String, _ message: String = "",
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.unicodeScalars.map(\.value), expected.unicodeScalars.map(\.value),
                       "\(message) got \(actual.debugDescription), expected \(expected.debugDescription)",
                       file: file, line: line)
    }

    func testNFKCComposesCompatibilityJamoAndFullwidth() {
        assertScalars(run([.normalize(.nfkc)], "ㅁㅡ"), "므")
        assertScalars(run([.normalize(.nfkc)], "ＡＢＣ１２３！"), "ABC123!")
        assertScalars(run([.normalize(.nfkc)], "①㈜ﾊﾝｸﾞﾙ"), "1(주)ハングル")
        // ㅇ becomes a leading consonant under NFKC, so it does not join the syllable as a final.
        assertScalars(NormalizationForm.nfkc.normalize("ㄱㅏㅇ"), "가\u{110B}")
    }

    func testNFDAndNFC() {
        let decomposed = run([.normalize(.nfd)], "한글")
        assertScalars(decomposed, "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}")
        assertScalars(run([.normalize(.nfc)], decomposed), "한글")
        assertScalars(run([.normalize(.nfkd)], "ｶ"), "カ")
        assertScalars(run([.normalize(.nfc)], "e\u{301}"), "é")
    }

    func testLowercaseAndCasefold() {
        assertScalars(run([.lowercase], "HELLO Wörld ÄÖ 한글 ΣΑΣ"), "hello wörld äö 한글 σας")
        assertScalars(run([.casefold], "Straße ǅ"), "strasse ǆ")
        assertScalars(run([.normalize(.nfkcCasefold)], "ＡＢＣ Ⅻ"), "abc xii")
    }

    func testHangulJamoRoundTrip() {
        let text = "안녕하세요 ㅋㅋ Hello 😀 똠방각하 읽다"
        let jamo = run([.hangulToJamo], text)
        XCTAssertFalse(jamo.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) })
        assertScalars(Array(jamo.unicodeScalars.prefix(5)).map(String.init).joined(),
                      "\u{110B}\u{1161}\u{11AB}\u{1102}\u{1167}")
        assertScalars(run([.jamoToHangul], jamo), text)
        assertScalars(HangulJamo.compose(HangulJamo.decompose(text)), text)
    }

    func testCompatibilityAndConjoiningJamo() {
        assertScalars(run([.compatibilityJamoToConjoining], "ㅋㅋㅠ"), "\u{110F}\u{110F}\u{1172}")
        assertScalars(run([.compatibilityJamoToConjoining], "ㄳ"), "\u{11AA}", "no leading form: trailing")
        assertScalars(run([.conjoiningJamoToCompatibility], "\u{110F}\u{1172}\u{11A8}"), "ㅋㅠㄱ")
        assertScalars(run([.compatibilityJamoToConjoining], "ㅀㅄ"), "\u{111A}\u{1121}", "as NFKD")
        // compatibility → conjoining agrees with ICU's NFKD for every modern compatibility jamo.
        for value in UInt32(0x3131)...0x318E {
            let compat = String(Character(Unicode.Scalar(value)!))
            assertScalars(HangulJamo.toConjoining(compat), NormalizationForm.nfkd.normalize(compat),
                          String(format: "U+%04X", value))
            // and back.
            assertScalars(HangulJamo.toCompatibility(HangulJamo.toConjoining(compat)), compat)
        }
        // Conjoining jamo → compatibility → NFKC gives syllables: the ㅁㅡ case.
        assertScalars(run([.conjoiningJamoToCompatibility, .normalize(.nfkc)], "\u{1106}\u{1173}"), "므")
    }

    func testHTMLTags() {
        let step = CleaningStep.htmlTags(replace: " ")
        assertScalars(run([step], "좋아요<br />최고<b>!</b>"), "좋아요 최고 ! ")
        assertScalars(run([step], "<영화> 재밌음 <3 a < b > c"), "<영화> 재밌음 <3 a < b > c",
                      "Korean titles in angle brackets and comparisons are not tags")
        assertScalars(run([step], "앞<!-- 주석 -->뒤<a href=\"x\">링크</a>"), "앞 뒤 링크 ")
        assertScalars(run([.htmlTags(replace: "")], "a<i>b</i>"), "ab")
    }

    func testURLsAndEmails() {
        assertScalars(run([.urls(replace: " ")], "보세요 https://example.com/a?b=1 좋아 WWW.naver.com"),
                      "보세요   좋아  ")
        assertScalars(run([.urls(replace: "<URL>")], "링크:http://x.kr/가"), "링크:<URL>")
        assertScalars(run([.emails(replace: " ")], "문의 kim.cs@mail.example.co.kr 로"), "문의   로")
        assertScalars(run([.emails(replace: "$1")], "a@b.com"), "$1", "a built-in replacement is literal")
    }

    func testCollapseWhitespace() {
        assertScalars(run([.collapseWhitespace], "  정말 \t 재밌다\u{3000}\u{00A0}ㅋ  \r "), "정말 재밌다 ㅋ")
        assertScalars(run([.collapseWhitespace], "   "), "")
        assertScalars(run([.collapseWhitespace], "a\u{1F}b\u{85}c\u{2028}d"), "a b c d", "as Python's str.split")
        assertScalars(run([.collapseWhitespace], "a\u{200B}b"), "a\u{200B}b", "ZWSP is not whitespace")
    }

    func testStripControl() {
        assertScalars(run([.stripControl], "a\u{200B}b\u{E000}c\u{07}d\te\u{FEFF}f\u{1B}g"), "abcd efg")
        assertScalars(run([.stripControl], "😀\u{F0000}한"), "😀한", "supplementary private use")
    }

    func testPunctuationToSpace() {
        let step = CleaningStep.punctuationToSpace(except: "'", symbols: true)
        assertScalars(run([step], "don't stop!! 좋아..「최고」~$"), "don't stop   좋아   최고   ")
        assertScalars(run([.punctuationToSpace(except: "", symbols: false)], "a+b, ♥"), "a+b  ♥")
    }

    func testHangulOnly() {
        assertScalars(run([.hangulOnly(latin: true, digits: true, keep: "")], "한글abc123 😀 漢字! ㅋㅋ"),
                      "한글abc123       ㅋㅋ")
        assertScalars(run([.hangulOnly(latin: false, digits: false, keep: "?")], "좋아?abc1"), "좋아?    ")
    }

    func testRepeatLimitNeverTouchesNeighbours() {
        let cases: [(String, String)] = [
            ("ㅋㅋㅋㅋㅋ", "ㅋㅋ"), ("ㅠㅠㅠㅠ", "ㅠㅠ"), ("!!!!", "!!"), ("ㅋㅋ", "ㅋㅋ"), ("ㅋㅋㅋ", "ㅋㅋ"),
            ("안ㅋㅋㅋㅋ", "안ㅋㅋ"), ("ㅋㅋㅋㅋ안녕", "ㅋㅋ안녕"), ("좋아요ㅎㅎㅎㅎ정말", "좋아요ㅎㅎ정말"),
            ("하하하하하", "하하"), ("^^^^^^", "^^"), ("abababab", "abab"), ("😀😀😀😀", "😀😀"),
            ("ㅋㅋㅋㅠㅠㅠㅠ", "ㅋㅋㅠㅠ"), ("..........", ".."), ("a", "a"), ("", ""),
            ("ㅋ😀ㅋ😀ㅋ😀", "ㅋ😀ㅋ😀"), ("아아아아아아아아아아아아!!!!!!!", "아아!!"),
        ]
        for (input, expected) in cases {
            assertScalars(run([.repeatLimit(max: 2, unit: 3, digits: false)], input), expected, input)
        }
        assertScalars(run([.repeatLimit(max: 3, unit: 1, digits: false)], "ㅋㅋㅋㅋㅋ abab"), "ㅋㅋㅋ abab")
        assertScalars(run([.repeatLimit(max: 1, unit: 2, digits: false)], "ㅋㅋ"), "ㅋ")
        // Numbers are not repeats: 5000원 and 1,000,000 stay unless digits are asked for.
        assertScalars(run([.repeatLimit(max: 2, unit: 3, digits: false)], "5000원 1,000,000 ㅋㅋㅋ777"),
                      "5000원 1,000,000 ㅋㅋ777")
        assertScalars(run([.repeatLimit(max: 2, unit: 3, digits: true)], "5000원 ７７７７"), "500원 ７７")
    }

    func testRegexWithBackreferences() {
        let step = CleaningStep.regex(pattern: #"(\d+)원"#, replace: "$1 won", ignoreCase: false)
        assertScalars(run([step], "가격 5000원, 300원"), "가격 5000 won, 300 won")
        let anchored = CleaningStep.regex(pattern: "^RT ", replace: "", ignoreCase: true)
        XCTAssertEqual(run([anchored], "rt 좋아"), "좋아")
    }

    func testTransliterate() {
        assertScalars(run([.transliterate(id: "Hangul-Latin")], "한국어"), "hangug-eo")
        assertScalars(run([.transliterate(id: "Any-Latin; Latin-ASCII")], "서울"), "seoul")
    }

    func testMixedKoreanWebText() throws {
        let pipeline = try CleaningPipeline(preset: "korean-web")
        assertScalars(pipeline.clean("  ＜b＞정말 재밌다ㅋㅋㅋㅋ https://x.co 👍👍👍👍\u{200B}  "),
                      "정말 재밌다ㅋㅋ 👍👍")
        // Typed jamo stay as typed (issue 13: plain NFKC made 므 of ㅁㅡ, and 큐 of ㅋㅠ).
        assertScalars(pipeline.clean("ㅁㅡ 영화ㅠㅠㅠㅠㅠ\tＯＫ!!!!!"), "ㅁㅡ 영화ㅠㅠ OK!!")
        let seed = try CleaningPipeline(preset: "seed-imdb")
        assertScalars(seed.clean("This movie<br /><br />isn't GOOD... 10/10!"), "this movie isn't good 10 10")
    }

    func testCleanFollowsChangedStepsAndIsThreadSafe() {
        var pipeline = CleaningPipeline(steps: [.lowercase])
        XCTAssertEqual(pipeline.clean("AB"), "ab")
        let copy = pipeline
        pipeline.steps = [.collapseWhitespace]
        XCTAssertEqual(pipeline.clean(" A  B "), "A B")
        XCTAssertEqual(copy.clean("AB"), "ab", "a copy keeps its own steps")
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<500 where copy.clean("ㅋㅋA") != "ㅋㅋa" { failures.increment() }
        }
        XCTAssertEqual(failures.value, 0)
    }

    func testSegmentsAreCleanedSeparately() throws {
        let cleaner = try TextCleaner(pipeline: CleaningPipeline(steps: [.collapseWhitespace, .repeatLimit(max: 2, unit: 3, digits: false)]))
        let input = Array(" a \u{0}ㅋㅋ\u{0}ㅋㅋ \u{0}\u{0}".utf8)
        var output = [UInt8]()
        try input.withUnsafeBufferPointer { _ = try cleaner.cleanSegments($0, into: &output) }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "a\u{0}ㅋㅋ\u{0}ㅋㅋ\u{0}\u{0}",
                       "repeats never join across segments and each segment is trimmed")
    }

    func testInvalidUTF8IsAnErrorOrSubstituted() throws {
        let cleaner = try TextCleaner(pipeline: CleaningPipeline(steps: [.normalize(.nfkc)]))
        let bad: [UInt8] = [0xEA, 0xB0, 0x80, 0xFF, 0x41]
        var output = [UInt8]()
        XCTAssertThrowsError(try bad.withUnsafeBufferPointer { try cleaner.cleanSegments($0, into: &output) }) {
            XCTAssertEqual(($0 as? TextInputError)?.kind, .invalidUTF8)
        }
        output = []
        let replaced = try bad.withUnsafeBufferPointer {
            try cleaner.cleanSegments($0, substituteInvalidUTF8: true, into: &output)
        }
        XCTAssertEqual(replaced, 1)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "가\u{FFFD}A")
    }
}

/// repeat-limit's hand-written loop against ICU's regex engine running the regex it is defined
/// by, on random text built from characters that repeat: both must agree everywhere.
final class RepeatLimitRegexParityTests: XCTestCase {
    func testNativeLoopMatchesTheDefiningRegex() throws {
        let alphabet = ["ㅋ", "ㅠ", "안", "!", "5", "0", "😀", "👍🏻", " ", "a", "b", "하"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var texts = [String]()
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<next(24) {
                // Runs make repeats likely: a piece of 1–3 characters, repeated 1–5 times.
                let piece = (0...next(3)).map { _ in alphabet[next(alphabet.count)] }.joined()
                text += String(repeating: piece, count: 1 + next(5))
            }
            texts.append(text)
        }
        for (limit, unit, digits) in [(2, 3, false), (2, 3, true), (1, 2, false), (3, 1, true)] {
            let native = try TextCleaner(pipeline: CleaningPipeline(steps: [
                .repeatLimit(max: limit, unit: unit, digits: digits),
            ]))
            let character = digits ? "[^\\x00]" : "[^\\d\\x00]"
            let regex = try TextCleaner(pipeline: CleaningPipeline(steps: [
                .regex(pattern: "(\(character){1,\(unit)}?)\\1{\(limit),}",
                       replace: String(repeating: "$1", count: limit), ignoreCase: false),
            ]))
            for text in texts {
                let a = native.clean(text), b = regex.clean(text)
                if Array(a.unicodeScalars) != Array(b.unicodeScalars) {
                    XCTFail("limit \(limit) unit \(unit) digits \(digits): \(text.debugDescription) → "
                            + "native \(a.debugDescription), regex \(b.debugDescription)")
                    break
                }
            }
        }
    }
}
