import Foundation
import JikjiIO
import JikjiTestSupport
import JikjiText
import JikjiWordPiece
import XCTest

/// With a cleaning pipeline, token offsets index the text as given, not the cleaned text: for
/// every pipeline (each step alone, the presets, jamo-level cleaning) on real NSMC reviews and
/// lines made to be hard, every token's offsets slice the original line to a text that cleans
/// to the token's surface, or, where a step rewrites a span as a whole (regex, transliterate),
/// a token is a part of what one character became (ﬁ → f i), or a token joins text that
/// cleaning brought together (고 [고 고 …] 고 → 고고), to a text that contains it.
final class CleanedOffsetsTests: XCTestCase {
    private func plainEncoder() throws -> TextEncoder {
        try TextEncoder(vocabTxt: try ProjectPaths.reference("hf/wp150k/vocab.txt"), normalizer: .korean)
    }

    private static let craftedLines = [
        "ﬁne ﬂow ㎏ ㎞ ① Ⅻ ＡＢＣ", "ㅋㅋㅋㅋㅋ 재밌다!!!! ㅠㅠㅠㅠ", "가가가각 하하하학교", "<b>정말</b> http://x.co/a?b=1 최고",
        "zero\u{200B}width\u{FEFF} and\ttab", "  spaces   everywhere  ", "e\u{301}\u{323} café naïve", "İstanbul ΣΑΣ Straße",
        "😀😀😀😀 👍🏽👍🏽👍🏽 ❤️", "ㅋㅠㅋㅠ ㅁㅡ 가ㄳ \u{FFBB}\u{FFBB}", "5000원 짜리 1,000,000원", "a@b.kr 메일 www.naver.com",
        "\u{1100}\u{1161}\u{11A8} 한\u{11A8}", "", " ", "!!!???...", "Hello, World! 한국어 텍스트 [MASK] ㅋㅋㅋ",
    ]

    private func lines(_ count: Int) throws -> [String] {
        var reader = try RecordReader(path: ProjectPaths.corpus("nsmc/ratings_test.txt").path, format: .tsv, columns: ["document"])
        var lines = Self.craftedLines
        while lines.count < count + Self.craftedLines.count, let record = try reader.next() { lines.append(record.values[0]) }
        return lines
    }

    /// Every step alone, the presets, and jamo-level cleaning; true where spans are exact.
    private var pipelines: [(name: String, pipeline: CleaningPipeline, exact: Bool)] {
        var result = CleaningStep.Kind.allCases.compactMap { kind in
            kind.defaultStep.map { (kind.rawValue, CleaningPipeline(steps: [$0]), true) }
        }
        result.append(("regex", CleaningPipeline(steps: [.regex(pattern: #"(\d+)원|[ㅋㅎ]+"#, replace: "$1 won", ignoreCase: false)]), false))
        result.append(("transliterate", CleaningPipeline(steps: [.transliterate(id: "Hangul-Latin")]), false))
        for name in CleaningPipeline.presetNames { result.append((name, CleaningPipeline.presets[name]!, true)) }
        result.append(("jamo+repeat-limit", CleaningPipeline(steps: [.hangulToJamo, .repeatLimit(max: 2, unit: 3, digits: false)]), true))
        return result
    }

    private func contains(_ haystack: [UInt32], _ needle: [UInt32]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }

    func testOffsetsSliceTheOriginalLine() throws {
        let plain = try plainEncoder()
        let lines = try lines(1_500)
        for (name, pipeline, exact) in pipelines {
            let encoder = try TextEncoder(tokenizer: plain.tokenizer, pipeline: pipeline)
            let cleaner = try TextCleaner(pipeline: pipeline)
            var failures = 0
            for line in lines where failures < 5 {
                let cleaned = pipeline.clean(line)
                // Original characters that cleaning removed (a token spanning one cannot slice to
                // exactly its surface: offsets are one range).
                let alignment = try cleaner.cleanAligned(line).alignment
                var kept = [Bool](repeating: false, count: line.unicodeScalars.count)
                for k in 0..<alignment.count { for c in Int(alignment.starts[k])..<Int(alignment.ends[k]) { kept[c] = true } }
                let reference = try plain.tokenizer.encode(cleaned)  // offsets into the cleaned text
                let encoding = try encoder.encode(line)
                XCTAssertEqual(encoding.ids, reference.ids, "\(name): \(line.debugDescription)")
                let original = Array(line.unicodeScalars), cleanedScalars = Array(cleaned.unicodeScalars)
                for k in encoding.ids.indices where reference.specialTokensMask[k] == 0 {
                    let inCleaned = reference.offsets[k], inOriginal = encoding.offsets[k]
                    let surface = cleanedScalars[Int(inCleaned.start)..<Int(inCleaned.end)].map(\.value)
                    guard 0 <= inOriginal.start, inOriginal.start <= inOriginal.end, Int(inOriginal.end) <= original.count else {
                        XCTFail("\(name): \(line.debugDescription): token \(k) at \(inOriginal) is outside the line")
                        failures += 1
                        continue
                    }
                    var slice = String.UnicodeScalarView()
                    slice.append(contentsOf: original[Int(inOriginal.start)..<Int(inOriginal.end)])
                    let recleaned = pipeline.clean(String(slice)).unicodeScalars.map(\.value)
                    let overlaps = { (j: Int) in
                        encoding.ids.indices.contains(j) && reference.specialTokensMask[j] == 0
                            && encoding.offsets[j].start < inOriginal.end && inOriginal.start < encoding.offsets[j].end
                    }
                    let shared = overlaps(k - 1) || overlaps(k + 1)
                        || kept[Int(inOriginal.start)..<Int(inOriginal.end)].contains(false)
                    let good = exact && !shared ? recleaned == surface : contains(recleaned, surface)
                    if !good {
                        failures += 1
                        XCTFail("\(name): \(line.debugDescription): token \(k) \(String(String.UnicodeScalarView(surface.compactMap(Unicode.Scalar.init))).debugDescription) "
                                + "at \(inOriginal) slices \(String(slice).debugDescription), which cleans to "
                                + "\(String(String.UnicodeScalarView(recleaned.compactMap(Unicode.Scalar.init))).debugDescription)")
                    }
                }
            }
        }
    }

    /// `encode --format jsonl` (``TextEncoder/encodeLines(from:to:options:progress:)``) writes the
    /// offsets of ``TextEncoder/encode(_:addSpecialTokens:truncation:)``: they index the input line.
    func testJSONLinesOffsetsIndexTheInputLine() throws {
        let plain = try plainEncoder()
        let pipeline = CleaningPipeline.presets["korean-web"]!
        let encoder = try TextEncoder(tokenizer: plain.tokenizer, pipeline: pipeline)
        let texts = try lines(300).filter { !$0.contains("\n") && !$0.contains("\r") && !$0.isEmpty }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-offsets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.txt"), output = folder.appendingPathComponent("out.jsonl")
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        var options = LineEncodingOptions(format: .jsonl)
        options.blockSize = 8_192
        _ = try encoder.encodeLines(from: input.path, to: handle, options: options)
        try handle.close()
        let written = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(written.count, texts.count)
        for (line, json) in zip(texts, written) {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let offsets = try XCTUnwrap(object["offsets"] as? [[Int]])
            XCTAssertEqual(offsets, try encoder.encode(line).offsets.map { [Int($0.start), Int($0.end)] }, line)
        }
        // By hand: the tags before 정말 and 최고 are in the input line, not in the cleaned text.
        let encoding = try encoder.encode("<b>정말</b> 최고 ㅋㅋㅋㅋ")
        let original = Array("<b>정말</b> 최고 ㅋㅋㅋㅋ".unicodeScalars)
        let slices = zip(encoding.offsets, encoding.specialTokensMask).filter { $0.1 == 0 }.map { offsets, _ in
            String(String.UnicodeScalarView(original[Int(offsets.start)..<Int(offsets.end)]))
        }
        XCTAssertEqual(slices.joined(), "정말최고ㅋㅋ")
        XCTAssertEqual(encoding.offsets.first { $0.start > 0 }?.start, 3)
    }
}
