import JikjiIO
import Foundation
import JikjiText
import JikjiWordPiece
import XCTest

/// Encoder, post-processor, truncation, padding and decoder on a tiny vocabulary; every expected
/// value was produced by HF tokenizers 0.23.3 (`BertWordPieceTokenizer(vocab.txt)`, defaults).
final class WordPieceTokenizerTests: XCTestCase {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "una", "##ff", "##aff", "##able", "hello",
                         "!", "?", ",", ".", "a", "b", "x", "##x", "'", "don", "t", "he", "se", "##p", "[", "]", "기",
                         "##ᆼ", "깅", "h", "##e", "##l", "##o", "n", "##t"]

    private func tokenizer(_ options: BertNormalizerOptions = BertNormalizerOptions()) throws -> WordPieceTokenizer {
        WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: Self.tokens), normalizer: options)
    }

    private func offsets(_ e: Encoding) -> [[Int32]] { e.offsets.map { [$0.start, $0.end] } }

    func testGreedyLongestMatchAndUnknownWord() throws {
        let e = try tokenizer().encode("Unaffable hello! unaffablex")
        XCTAssertEqual(e.ids, [2, 6, 7, 9, 10, 11, 6, 7, 9, 18, 3])
        XCTAssertEqual(offsets(e), [[0, 0], [0, 3], [3, 5], [5, 9], [10, 15], [15, 16], [17, 20], [20, 22], [22, 26], [26, 27], [0, 0]])
        XCTAssertEqual(e.wordIds, [-1, 0, 0, 0, 1, 2, 3, 3, 3, 3, -1])
        XCTAssertEqual(e.specialTokensMask, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        // A word with an unmatchable piece is one [UNK] over the whole word.
        let unknown = try tokenizer().encode("hello unaffablez")
        XCTAssertEqual(unknown.ids, [2, 10, 1, 3])
        XCTAssertEqual(offsets(unknown)[2], [6, 16])
    }

    func testSpecialTokensAreMatchedInRawText() throws {
        let e = try tokenizer().encode("a[SEP]b [sep] [CLS]x")
        XCTAssertEqual(e.ids, [2, 15, 3, 16, 25, 23, 24, 26, 2, 17, 3])
        XCTAssertEqual(offsets(e), [[0, 0], [0, 1], [1, 6], [6, 7], [8, 9], [9, 11], [11, 12], [12, 13], [14, 19], [19, 20], [0, 0]])
        XCTAssertEqual(e.wordIds, [-1, 0, 1, 2, 3, 4, 4, 5, 6, 7, -1])
        XCTAssertEqual(e.specialTokensMask, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    func testHundredCharacterLimit() throws {
        let t = try tokenizer()
        let hundred = try t.encode(String(repeating: "x", count: 100))
        XCTAssertEqual(hundred.count, 102)
        XCTAssertEqual(hundred.ids[1], 17)
        XCTAssertEqual(hundred.ids[100], 18)
        let longer = try t.encode(String(repeating: "x", count: 101))
        XCTAssertEqual(longer.ids, [2, 1, 3])
        XCTAssertEqual(offsets(longer)[1], [0, 101])
    }

    func testEmptyAndBlankInputGiveClsSep() throws {
        XCTAssertEqual(try tokenizer().encode("").ids, [2, 3])
        XCTAssertEqual(try tokenizer().encode("   ").ids, [2, 3])
        XCTAssertEqual(try tokenizer().encode("hello", addSpecialTokens: false).ids, [10])
    }

    func testHangulStaysComposedWithoutStripping() throws {
        XCTAssertEqual(try tokenizer().encode("깅").ids, [2, 1, 3], "defaults decompose 깅 into jamo: [UNK]")
        XCTAssertEqual(try tokenizer(.korean).encode("깅 기").ids, [2, 29, 27, 3])
    }

    func testPairTypeIdsAndOffsets() throws {
        let e = try tokenizer().encode("hello", pair: "unaffable!")
        XCTAssertEqual(e.ids, [2, 10, 3, 6, 7, 9, 11, 3])
        XCTAssertEqual(e.typeIds, [0, 0, 0, 1, 1, 1, 1, 1])
        XCTAssertEqual(offsets(e), [[0, 0], [0, 5], [0, 0], [0, 3], [3, 5], [5, 9], [9, 10], [0, 0]])
    }

    func testMissingUnknownTokenIsAnError() throws {
        let t = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: ["[CLS]", "[SEP]", "a"]))
        XCTAssertEqual(try t.encode("a").ids, [0, 2, 1])
        XCTAssertThrowsError(try t.encode("a b")) {
            XCTAssertEqual($0 as? WordPieceError, .missingToken(token: "[UNK]", role: "unknown"))
        }
    }

    func testPaddingLeftFixedAndMultiple() throws {
        let t = try tokenizer()
        var batch = try t.encodeBatch(["hello"], padding: PaddingOptions(strategy: .fixed(8), direction: .left))
        XCTAssertEqual(batch[0].ids, [0, 0, 0, 0, 0, 2, 10, 3])
        XCTAssertEqual(batch[0].attentionMask, [0, 0, 0, 0, 0, 1, 1, 1])
        XCTAssertEqual(batch[0].specialTokensMask, [1, 1, 1, 1, 1, 1, 0, 1])
        batch = try t.encodeBatch(["a", "a b x"], padding: PaddingOptions(padToMultipleOf: 4))
        XCTAssertEqual(batch.map(\.ids), [[2, 15, 3, 0, 0, 0, 0, 0], [2, 15, 16, 17, 3, 0, 0, 0]])
    }

    func testTruncationWithOverflowAndDirections() throws {
        let vocabulary = try WordPieceVocabulary(vocabTxt: try tinyFile())
        let t = WordPieceTokenizer(vocabulary: vocabulary, normalizer: .korean)
        // Expected values from HF: enable_truncation(4) / (5, stride=1, direction=left) on "hello x x a b".
        let right = try t.encode("hello x a b", truncation: TruncationOptions(maxLength: 4))
        XCTAssertEqual(right.ids, [2, 10, 17, 3])
        XCTAssertEqual(right.overflowing.map(\.ids), [[2, 15, 16, 3]])
        let left = try t.encode("hello x a b", truncation: TruncationOptions(maxLength: 5, stride: 1, direction: .left))
        XCTAssertEqual(left.ids, [2, 17, 15, 16, 3])
        XCTAssertEqual(left.overflowing.map(\.ids), [[2, 10, 17, 3]])
        let pair = try t.encode("hello x a b", pair: "a b x b a", truncation: TruncationOptions(maxLength: 7))
        XCTAssertEqual(pair.ids, [2, 10, 17, 3, 15, 16, 3])
        XCTAssertEqual(pair.typeIds, [0, 0, 0, 0, 1, 1, 1])
        let onlySecond = try t.encode("hello", pair: "a b x b a",
                                      truncation: TruncationOptions(maxLength: 6, strategy: .onlySecond))
        XCTAssertEqual(onlySecond.ids, [2, 10, 3, 15, 16, 3])
        XCTAssertThrowsError(try t.encode("hello x a b", truncation: TruncationOptions(maxLength: 4, stride: 2)))
    }

    func testPairOverflowCombinesPartsAsHF() throws {
        let t = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(vocabTxt: try tinyFile()), normalizer: .korean)
        let e = try t.encode("hello x a b x a", pair: "a b x b a b", truncation: TruncationOptions(maxLength: 7))
        // HF 0.23.3: the overflow tree of this pair (each part [CLS] A [SEP] B [SEP]).
        let a1: [Int32] = [2, 10, 17, 3], a2: [Int32] = [2, 15, 16, 3], a3: [Int32] = [2, 17, 15, 3]
        let b1: [Int32] = [15, 16, 3], b2: [Int32] = [17, 16, 3], b3: [Int32] = [15, 16, 3]
        XCTAssertEqual(e.ids, a1 + b1)
        XCTAssertEqual(e.typeIds, [0, 0, 0, 0, 1, 1, 1])
        XCTAssertEqual(e.overflowing.map(\.ids), [a2 + b1, a2 + b2, a2 + b3, a3 + b1, a3 + b2, a3 + b3, a1 + b2, a1 + b3])
        XCTAssertEqual(e.overflowing[0].overflowing.map(\.ids), [a2 + b2, a2 + b3])
        XCTAssertEqual(e.overflowing[6].overflowing.map(\.ids), [a2 + b2, a3 + b2])
        XCTAssertTrue(e.overflowing.allSatisfy { $0.typeIds == [0, 0, 0, 0, 1, 1, 1] })
        // Without special tokens the second text still has type id 1.
        XCTAssertEqual(try t.encode("hello x", pair: "a b", addSpecialTokens: false).typeIds, [0, 0, 1, 1])
    }

    func testOverflowPastTheLimitIsRefusedBeforeAnyPartIsMade() throws {
        let t = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(vocabTxt: try tinyFile()), normalizer: .korean)
        // A pair of 1,500-token texts cut into windows of 2 with stride 1: HF would make
        // 3·1499·1499 + … ≈ 6.7 million parts (gigabytes; a fuzzer found it). Refused, fast.
        let long = String(repeating: "a ", count: 1_500)
        let started = Date()
        XCTAssertThrowsError(try t.encode(long, pair: long, truncation: TruncationOptions(maxLength: 7, stride: 1))) {
            guard case let WordPieceError.tooManyOverflowParts(parts, _, maxLength, stride) = $0 else {
                return XCTFail("\($0)")
            }
            XCTAssertGreaterThan(parts, Truncation.overflowPartLimit)
            XCTAssertEqual(maxLength, 4)  // 7 less [CLS], [SEP], [SEP]
            XCTAssertEqual(stride, 1)
            XCTAssertTrue("\($0)".contains("lower the stride"), "\($0)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // One text of 70,000 tokens in windows of one token: 70,000 parts, past the limit.
        let longer = String(repeating: "a ", count: 70_000)
        XCTAssertThrowsError(try t.encode(longer, truncation: TruncationOptions(maxLength: 3))) {
            guard case let WordPieceError.tooManyOverflowParts(parts, tokens, _, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(parts, 70_000)
            XCTAssertEqual(tokens, 70_000)
        }
        // Just under the limit both still encode as HF does (every part kept).
        let pairUnder = String(repeating: "a ", count: 140)
        let e = try t.encode(pairUnder, pair: pairUnder, truncation: TruncationOptions(maxLength: 7, stride: 1))
        XCTAssertEqual(e.overflowing.count, 138 + 138 + 138 * 138)
        let single = try t.encode(String(repeating: "a ", count: 60_000), truncation: TruncationOptions(maxLength: 3))
        XCTAssertEqual(single.overflowing.count, 59_999)
    }

    func testDecodeCleanupAndSpecialTokens() throws {
        let t = try tokenizer()
        let ids = try t.encode("Unaffable, hello! don't he?").ids
        XCTAssertEqual(t.decode(ids), "unaffable, hello! don ' t he?")
        XCTAssertEqual(t.decode(ids, skipSpecialTokens: false), "[CLS] unaffable, hello! don ' t he? [SEP]")
        // A leading ## piece keeps its prefix; unknown ids are dropped; [UNK] counts as special.
        XCTAssertEqual(t.decode([7, 5, 99, 1000, 9, 3, 13, 0, 1]), "##ff unable,")
        XCTAssertEqual(t.decode([7, 5, 9, 3, 13, 0], skipSpecialTokens: false), "##ff unable [SEP], [PAD]")
        XCTAssertEqual(t.decodeBatch([[10, 11], [6, 7, 9]]), ["hello!", "unaffable"])
        // HF with cleanup=False: "[CLS] unaffable , hello ! don ' t he ? [SEP]".
        let raw = WordPieceTokenizer(vocabulary: t.vocabulary, decoderCleanup: false)
        XCTAssertEqual(raw.decode(ids, skipSpecialTokens: false), "[CLS] unaffable , hello ! don ' t he ? [SEP]")
    }

    func testBatchEncodingUsesAllCoresAndKeepsOrder() throws {
        let t = try tokenizer()
        let texts = (0..<5000).map { $0 % 3 == 0 ? "hello x" : ($0 % 3 == 1 ? "a b" : "unaffable!") }
        let batch = try t.encodeBatch(texts)
        for (text, e) in zip(texts, batch) { XCTAssertEqual(e, try t.encode(text)) }
    }

    private func tinyFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-tiny-\(UUID().uuidString).txt")
        try Data((Self.tokens.joined(separator: "\n") + "\n").utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// The streaming and flat APIs agree with single encodes.
final class WordPieceStreamingTests: XCTestCase {
    private func tokenizer() throws -> WordPieceTokenizer {
        WordPieceTokenizer(vocabulary: try WordPieceVocabulary(tokens: WordPieceTokenizerTests.tokens))
    }

    func testEncodeIdsIsTheConcatenationOfEncodings() throws {
        let t = try tokenizer()
        let texts = (0..<3000).map { ["hello x", "", "a b unaffable!", "zzz"][$0 % 4] }
        let flat = try t.encodeIds(texts)
        XCTAssertEqual(flat.ends.count, texts.count)
        var start = 0
        for (i, text) in texts.enumerated() {
            XCTAssertEqual(Array(flat.ids[start..<flat.ends[i]]), try t.encode(text).ids)
            start = flat.ends[i]
        }
        XCTAssertEqual(try t.encodeIds(["hello"], addSpecialTokens: false).ids, [10])
    }

    func testEncodeLinesRunsTheCleaningPipelineAndKeepsLineOrder() throws {
        let t = try TextEncoder(tokenizer: try tokenizer(),
                                pipeline: CleaningPipeline(steps: [.regex(pattern: "x", replace: "a", ignoreCase: false)]))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-lines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.txt"), output = folder.appendingPathComponent("out.txt")
        let lines = (0..<2000).map { $0 % 2 == 0 ? "HELLO x" : "a\tb" }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: output)
        let options = LineEncodingOptions(format: .ids)
        let summary = try t.encodeLines(from: input.path, to: outHandle,
                                        options: options)
        try outHandle.close()
        XCTAssertEqual(summary.lines, 2000)
        let written = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(written.count, 2000)
        XCTAssertEqual(written[0], "2 10 15 3")
        XCTAssertEqual(written[1], "2 15 16 3")
        XCTAssertEqual(written[1998], "2 10 15 3")
    }

    func testSmallBlocksSplitLinesAnywhereAndKeepOrder() throws {
        let t = try tokenizer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let texts = (0..<3000).map { ["hello x a", "", "unaffable! b", "a b x hello hello"][$0 % 4] + String(repeating: " x", count: $0 % 7) }
        let input = folder.appendingPathComponent("in.txt")
        try Data(("id\tdocument\n" + texts.enumerated().map { "\($0.offset)\t\($0.element)" }.joined(separator: "\r\n")).utf8)
            .write(to: input)  // CRLF line ends and no final newline
        let expected = try texts.map { try t.encode($0).ids.map(String.init).joined(separator: " ") }
        for blockSize in [1, 7, 100, 4096] {
            let output = folder.appendingPathComponent("out-\(blockSize).txt")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            var options = LineEncodingOptions(column: "document")
            options.blockSize = blockSize
            let summary = try t.encodeLines(from: input.path, to: handle, options: options)
            try handle.close()
            XCTAssertEqual(summary.lines, texts.count)
            let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(lines.map(String.init), expected, "block size \(blockSize)")
        }
    }
}
