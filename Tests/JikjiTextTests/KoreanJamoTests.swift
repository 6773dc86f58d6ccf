import JikjiIO
import Foundation
import XCTest
import JikjiText
import JikjiTestSupport

/// `repeat-limit` counts whole syllable blocks of conjoining jamo, and `korean-web` keeps
/// compatibility jamo as they were typed. Expected values are written by hand.
final class KoreanJamoTests: XCTestCase {
    private func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    func testRepeatLimitCountsWholeSyllableBlocks() {
        let limit = CleaningStep.repeatLimit(max: 2, unit: 3, digits: false)
        let decomposedLimit = CleaningPipeline(steps: [.hangulToJamo, limit])
        let roundTrip = CleaningPipeline(steps: [.hangulToJamo, limit, .jamoToHangul])
        let cases: [(String, String)] = [
            ("가가가각", "가가각"), ("하하하학교", "하하학교"), ("각각각각", "각각"), ("하하하하", "하하"),
            ("가나가나가나가나", "가나가나"), ("ㅋㅋㅋ가가가각", "ㅋㅋ가가각"), ("학학학하", "학학하"),
            ("안녕하세요", "안녕하세요"), ("ㅋㅋㅋㅋ", "ㅋㅋ"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(scalars(roundTrip.clean(input)), scalars(expected), input)
            XCTAssertEqual(scalars(decomposedLimit.clean(input)), scalars(HangulJamo.decompose(expected)), input)
        }
        // Conjoining jamo typed as such: a leading consonant + vowel + trailing consonant is one block.
        let typed = "\u{1100}\u{1161}\u{1100}\u{1161}\u{1100}\u{1161}\u{1100}\u{1161}\u{11A8}"
        XCTAssertEqual(scalars(CleaningPipeline(steps: [limit]).clean(typed)),
                       scalars("\u{1100}\u{1161}\u{1100}\u{1161}\u{1100}\u{1161}\u{11A8}"))
        // A precomposed syllable followed by a trailing consonant is one syllable too (가 + ᆨ).
        XCTAssertEqual(scalars(CleaningPipeline(steps: [limit]).clean("가가가\u{11A8}")), scalars("가가가\u{11A8}"))
        XCTAssertEqual(scalars(CleaningPipeline(steps: [limit]).clean("가가가가\u{11A8}")), scalars("가가가\u{11A8}"))
        // Lone jamo, as NFKC leaves ㅋ and ㅠ, are characters of their own.
        XCTAssertEqual(scalars(CleaningPipeline(steps: [.normalize(.nfkc), limit]).clean("ㅋㅋㅋㅋ ㅠㅠㅠ")),
                       scalars("\u{110F}\u{110F} \u{1172}\u{1172}"))
    }

    func testKoreanWebKeepsCompatibilityJamoRuns() throws {
        let preset = try CleaningPipeline(preset: "korean-web")
        let cases: [(String, String)] = [
            ("ㅋㅋㅋㅠㅠ", "ㅋㅋㅠㅠ"), ("ㅁㅡ", "ㅁㅡ"), ("ㅋㅠ", "ㅋㅠ"), ("가ㄳ", "가ㄳ"), ("ㄱㅏㅇ", "ㄱㅏㅇ"),
            ("재밌다ㅋㅋㅋㅋㅋ 최고ㅠㅠㅠ", "재밌다ㅋㅋ 최고ㅠㅠ"),
            // Halfwidth jamo become the compatibility jamo they are narrow forms of, never a syllable.
            ("\u{FFBB}\u{FFBB}\u{FFBB}\u{FFD7}", "ㅋㅋㅠ"), ("\u{FFA1}\u{FFC2}", "ㄱㅏ"),
            // Conjoining jamo still compose, as NFKC does, and leftovers become compatibility jamo.
            ("\u{1100}\u{1161}", "가"), ("\u{110F}", "ㅋ"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(scalars(preset.clean(input)), scalars(expected), input)
        }
        let alone = CleaningPipeline(steps: [.nfkcKeepingCompatibilityJamo])
        XCTAssertEqual(scalars(alone.clean("ㅋㅠ ＡＢＣ ﬁ ㎏ ①")), scalars("ㅋㅠ ABC fi kg 1"))
        XCTAssertEqual(scalars(alone.clean("e\u{301} \u{FFBB}")), scalars("é ㅋ"))
    }

    func testHalfwidthJamoMapToTheirNarrowForms() {
        // Unicode's <narrow> decompositions of the Halfwidth Hangul block, written out.
        var expected: [UInt32: UInt32] = [0xFFA0: 0x3164]
        for (offset, unit) in (0xFFA1...0xFFBE).enumerated() { expected[UInt32(unit)] = 0x3131 + UInt32(offset) }
        for (first, target) in [(0xFFC2, 0x314F), (0xFFCA, 0x3155), (0xFFD2, 0x315B)] {
            for k in 0..<6 { expected[UInt32(first + k)] = UInt32(target + k) }
        }
        for k in 0..<3 { expected[UInt32(0xFFDA + k)] = UInt32(0x3161 + k) }
        let alone = CleaningPipeline(steps: [.nfkcKeepingCompatibilityJamo])
        for (halfwidth, compat) in expected.sorted(by: { $0.key < $1.key }) {
            let text = String(Character(Unicode.Scalar(halfwidth)!))
            XCTAssertEqual(scalars(alone.clean(text)), [compat], String(halfwidth, radix: 16))
        }
    }

    /// On every line of NSMC's training reviews, the preset differs from plain NFKC at its head
    /// exactly where NFKC composes a compatibility jamo with a neighbour (found by ICU alone,
    /// pair by pair), and never elsewhere.
    func testKoreanWebChangesOnlyLinesWhereNFKCComposedJamo() throws {
        let current = try TextCleaner(pipeline: CleaningPipeline(preset: "korean-web"))
        var oldSteps = try CleaningPipeline(preset: "korean-web").steps
        XCTAssertEqual(oldSteps[0], .nfkcKeepingCompatibilityJamo)
        oldSteps[0] = .normalize(.nfkc)
        let old = try TextCleaner(pipeline: CleaningPipeline(steps: oldSteps))
        func isJamo(_ s: Unicode.Scalar) -> Bool { (0x3131...0x318E).contains(s.value) || (0xFFA0...0xFFDC).contains(s.value) }
        func nfkcCount(_ scalars: [Unicode.Scalar]) -> Int {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            return NormalizationForm.nfkc.normalize(String(text)).unicodeScalars.count
        }
        /// Whether NFKC joins a jamo of `line` with the character before or after it.
        func composesJamo(_ line: String) -> Bool {
            let s = Array(line.unicodeScalars)
            for i in s.indices where isJamo(s[i]) {
                if i > 0, nfkcCount([s[i - 1], s[i]]) < nfkcCount([s[i - 1]]) + nfkcCount([s[i]]) { return true }
                if i + 1 < s.count, nfkcCount([s[i], s[i + 1]]) < nfkcCount([s[i]]) + nfkcCount([s[i + 1]]) { return true }
            }
            return false
        }
        var reader = try RecordReader(path: ProjectPaths.corpus("nsmc/ratings_train.txt").path, format: .tsv, columns: ["document"])
        var lines = 0, differing = 0, composing = 0
        while let record = try reader.next() {
            let line = record.values[0]
            lines += 1
            let composes = composesJamo(line)
            if composes { composing += 1 }
            let differs = current.clean(line).unicodeScalars.elementsEqual(old.clean(line).unicodeScalars) == false
            if differs { differing += 1 }
            XCTAssertEqual(differs, composes, "line \(lines): \(line.debugDescription)")
            if differs != composes { break }
        }
        XCTAssertEqual(lines, 150_000)
        XCTAssertGreaterThan(composing, 0)
        print("korean-web: \(differing) of \(lines) NSMC training lines changed; \(composing) had a jamo NFKC composes")
    }
}
