import JikjiIO
import Foundation
import XCTest
import JikjiText
import JikjiTestSupport

/// ``TextCleaner/clean(utf8:into:alignment:)``: the same text as cleaning alone, and where each
/// cleaned character came from. Expected spans are written by hand.
final class CleaningAlignmentTests: XCTestCase {
    private func aligned(_ steps: [CleaningStep], _ text: String) throws -> (String, [Range<Int>]) {
        let (cleaned, alignment) = try TextCleaner(pipeline: CleaningPipeline(steps: steps)).cleanAligned(text)
        XCTAssertEqual(alignment.count, cleaned.unicodeScalars.count)
        XCTAssertEqual(alignment.originalCount, text.unicodeScalars.count)
        return (cleaned, (0..<alignment.count).map { Int(alignment.starts[$0])..<Int(alignment.ends[$0]) })
    }

    private func assertSpans(_ steps: [CleaningStep], _ text: String, _ expected: String, _ spans: [Range<Int>],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let (cleaned, actual) = try aligned(steps, text)
        XCTAssertEqual(cleaned.unicodeScalars.map(\.value), expected.unicodeScalars.map(\.value), text, file: file, line: line)
        XCTAssertEqual(actual, spans, "\(text.debugDescription) → \(cleaned.debugDescription)", file: file, line: line)
    }

    func testEachKindOfStepAligns() throws {
        // One to one, one to several, several to one.
        try assertSpans([.normalize(.nfkc)], "ﬁx", "fix", [0..<1, 0..<1, 1..<2])
        try assertSpans([.normalize(.nfkc)], "3㎏", "3kg", [0..<1, 1..<2, 1..<2])
        try assertSpans([.normalize(.nfc)], "e\u{301}a", "éa", [0..<2, 2..<3])
        try assertSpans([.normalize(.nfkc)], "ㅁㅡ!", "므!", [0..<2, 2..<3])
        // Vowel jamo could join a consonant before them, but not a space: each maps to itself.
        try assertSpans([.normalize(.nfkc)], "가 ㅠㅠ", "가 \u{1172}\u{1172}", [0..<1, 1..<2, 2..<3, 3..<4])
        try assertSpans([.nfkcKeepingCompatibilityJamo], "ㅁㅡﬁ", "ㅁㅡfi", [0..<1, 1..<2, 2..<3, 2..<3])
        try assertSpans([.lowercase], "İA", "i\u{307}a", [0..<1, 0..<1, 1..<2])
        try assertSpans([.casefold], "Straße", "strasse", [0..<1, 1..<2, 2..<3, 3..<4, 4..<5, 4..<5, 5..<6])
        try assertSpans([.hangulToJamo], "한a", "\u{1112}\u{1161}\u{11AB}a", [0..<1, 0..<1, 0..<1, 1..<2])
        try assertSpans([.jamoToHangul], "\u{1112}\u{1161}\u{11AB}a", "한a", [0..<3, 3..<4])
        try assertSpans([.collapseWhitespace], "  a \t b ", "a b", [2..<3, 3..<6, 6..<7])
        try assertSpans([.stripControl], "a\u{200B}b\tc", "ab c", [0..<1, 2..<3, 3..<4, 4..<5])
        try assertSpans([.punctuationToSpace(except: "", symbols: true)], "a!b", "a b", [0..<1, 1..<2, 2..<3])
        try assertSpans([.repeatLimit(max: 2, unit: 3, digits: false)], "ㅋㅋㅋㅋ안", "ㅋㅋ안", [0..<1, 1..<2, 4..<5])
        try assertSpans([.repeatLimit(max: 2, unit: 3, digits: false)], "😀😀😀!", "😀😀!", [0..<1, 1..<2, 3..<4])
        try assertSpans([.htmlTags(replace: " ")], "<b>x</b>", " x ", [0..<3, 3..<4, 4..<8])
        try assertSpans([.urls(replace: "U")], "a http://x.co b", "a U b", [0..<1, 1..<2, 2..<13, 13..<14, 14..<15])
        try assertSpans([.regex(pattern: #"(\d+)원"#, replace: "$1 won", ignoreCase: false)], "값 50원",
                        "값 50 won", [0..<1, 1..<2] + Array(repeating: 2..<5, count: 6))
        // A transliterator rewrites whole words: each output character comes from its word.
        try assertSpans([.transliterate(id: "Hangul-Latin")], "한국 어", "hangug eo",
                        Array(repeating: 0..<2, count: 6) + [2..<3, 3..<4, 3..<4])
        // Steps compose: the jamo of 각 come from 각 through both steps.
        try assertSpans([.hangulToJamo, .repeatLimit(max: 2, unit: 3, digits: false)], "가가가각",
                        HangulJamo.decompose("가가각"), [0..<1, 0..<1, 1..<2, 1..<2, 3..<4, 3..<4, 3..<4])
        try assertSpans([.normalize(.nfkc), .collapseWhitespace, .lowercase], " ＡＢ  ﬁ ", "ab fi",
                        [1..<2, 2..<3, 3..<5, 5..<6, 5..<6])
    }

    /// The pipelines the offsets test runs: every step alone (defaults, plus regex and
    /// transliterate with parameters), the presets, and jamo-level cleaning.
    static var pipelines: [(String, CleaningPipeline)] {
        var result = CleaningStep.Kind.allCases.compactMap { kind in kind.defaultStep.map { (kind.rawValue, CleaningPipeline(steps: [$0])) } }
        result.append(("regex", CleaningPipeline(steps: [.regex(pattern: #"(\d+)원|[ㅋㅎ]+"#, replace: "$1 won", ignoreCase: false)])))
        result.append(("transliterate", CleaningPipeline(steps: [.transliterate(id: "Hangul-Latin")])))
        for name in CleaningPipeline.presetNames { result.append((name, CleaningPipeline.presets[name]!)) }
        result.append(("jamo+repeat-limit", CleaningPipeline(steps: [.hangulToJamo, .repeatLimit(max: 2, unit: 3, digits: false)])))
        return result
    }

    /// Lines made to exercise alignment, added to real NSMC reviews.
    static let craftedLines = [
        "ﬁne ﬂow ㎏ ㎞ ① Ⅻ ＡＢＣ", "ㅋㅋㅋㅋㅋ 재밌다!!!! ㅠㅠㅠㅠ", "가가가각 하하하학교", "<b>정말</b> http://x.co/a?b=1 최고",
        "zero\u{200B}width\u{FEFF} and\ttab", "  spaces   everywhere  ", "e\u{301}\u{323} café naïve", "İstanbul ΣΑΣ Straße",
        "😀😀😀😀 👍🏽👍🏽👍🏽 ❤️", "ㅋㅠㅋㅠ ㅁㅡ 가ㄳ \u{FFBB}\u{FFBB}", "5000원 짜리 1,000,000원", "a@b.kr 메일 www.naver.com",
        "\u{1100}\u{1161}\u{11A8} 한\u{11A8}", "", " ", "!!!???...", "Hello, World! 한국어 텍스트",
    ]

    /// Reviews of NSMC's test file, with the crafted lines.
    static func lines(_ count: Int) throws -> [String] {
        var reader = try RecordReader(path: ProjectPaths.corpus("nsmc/ratings_test.txt").path, format: .tsv, columns: ["document"])
        var lines = craftedLines
        while lines.count < count + craftedLines.count, let record = try reader.next() { lines.append(record.values[0]) }
        return lines
    }

    /// Aligned cleaning gives exactly the text of plain cleaning, and spans that lie in the
    /// original, never run backwards, and whose original text holds what they became.
    func testAlignedCleaningMatchesCleaningOnRealLines() throws {
        let lines = try Self.lines(3_000)
        for (name, pipeline) in Self.pipelines {
            let cleaner = try TextCleaner(pipeline: pipeline)
            for line in lines {
                let plain = cleaner.clean(line)
                let (cleaned, alignment) = try cleaner.cleanAligned(line)
                guard cleaned.unicodeScalars.elementsEqual(plain.unicodeScalars) else {
                    XCTFail("\(name): \(line.debugDescription): aligned \(cleaned.debugDescription), plain \(plain.debugDescription)")
                    break
                }
                let original = Array(line.unicodeScalars)
                XCTAssertEqual(alignment.count, cleaned.unicodeScalars.count, name)
                XCTAssertEqual(alignment.originalCount, original.count, name)
                for k in 0..<alignment.count {
                    let start = Int(alignment.starts[k]), end = Int(alignment.ends[k])
                    XCTAssertTrue(0 <= start && start <= end && end <= original.count, "\(name): \(line.debugDescription) char \(k)")
                    if k > 0 {
                        XCTAssertLessThanOrEqual(alignment.starts[k - 1], alignment.starts[k], name)
                        XCTAssertLessThanOrEqual(alignment.ends[k - 1], alignment.ends[k], name)
                    }
                }
            }
        }
    }
}
