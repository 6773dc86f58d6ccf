import Foundation
import JikjiTestSupport
import JikjiText
import JikjiWordPiece
import XCTest

/// ``TextEncoder``: the cleaning pipeline as the first stage, one cleaner per worker.
///
/// Expected ids come from cleaning with `CleaningPipeline.clean` (one locked cleaner) and then
/// encoding with a plain ``WordPieceTokenizer``, the way commands did it before the encoder.
final class TextEncoderTests: XCTestCase {
    private let koreanWeb = CleaningPipeline.presets["korean-web"]!

    /// HF's wp150k vocabulary behind `korean-web`.
    private func encoder() throws -> TextEncoder {
        let plain = try TextEncoder(vocabTxt: try ProjectPaths.reference("hf/wp150k/vocab.txt"), normalizer: .korean)
        return try TextEncoder(tokenizer: plain.tokenizer, pipeline: koreanWeb)
    }

    /// 4,000 NSMC reviews (with empty ones and those with markup the pipeline removes).
    private func reviews() throws -> [String] {
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_test.txt"), encoding: .utf8)
        let documents = text.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count == 3 ? String(fields[1]) : nil
        }
        return Array(documents.prefix(4_000)) + ["<b>정말</b> 재밌다 http://example.com ㅋㅋㅋㅋㅋ", "", "   "]
    }

    func testWorkersCleanLikeOneThreadAndLikeCleanThenEncode() throws {
        let encoder = try encoder()
        let texts = try reviews()
        let expected = try texts.map { try encoder.tokenizer.encode(koreanWeb.clean($0)).ids }
        let uncleaned = try texts.map { try encoder.tokenizer.encode($0).ids }
        XCTAssertGreaterThan(zip(expected, uncleaned).filter { $0 != $1 }.count, 200, "the pipeline should matter here")

        // One thread, one text at a time.
        XCTAssertEqual(try texts.map { try encoder.encode($0).ids }, expected)
        // All cores (chunks spread over the workers), as ids and as encodings.
        let flat = try encoder.encodeIds(texts)
        var start = 0
        let batched = flat.ends.map { end in
            defer { start = end }
            return Array(flat.ids[start..<end])
        }
        XCTAssertEqual(batched, expected)
        XCTAssertEqual(try encoder.encodeBatch(texts).map(\.ids), expected)
        // Two batches at once on the same encoder: the workers of both share its cleaners.
        let results = UnsafeSendableBox([[[Int32]]](repeating: [], count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            let ids = (try? encoder.encodeBatch(texts).map(\.ids)) ?? []
            results.lock.lock()
            results.value[k] = ids
            results.lock.unlock()
        }
        XCTAssertEqual(results.value[0], expected)
        XCTAssertEqual(results.value[1], expected)
    }

    func testEncodeLinesCleansEachLineOnItsWorker() throws {
        let encoder = try encoder()
        let texts = try reviews().filter { !$0.contains("\n") && !$0.contains("\r") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-text-encoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.txt")
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: input)
        let expected = try texts.map { try encoder.tokenizer.encode(koreanWeb.clean($0)).ids.map(String.init).joined(separator: " ") }
        // Small blocks: many blocks, each split into chunks that run on different workers.
        for blockSize in [4_096, 1 << 20] {
            let output = folder.appendingPathComponent("out-\(blockSize).txt")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            var options = LineEncodingOptions(format: .ids)
            options.blockSize = blockSize
            let summary = try encoder.encodeLines(from: try FileHandle(forReadingFrom: input), path: input.path,
                                                  to: handle, options: options)
            try handle.close()
            XCTAssertEqual(summary.lines, texts.count)
            let written = try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(written.dropLast().map(String.init), expected, "block size \(blockSize)")
        }
    }

    func testInvalidUTF8IsLocatedWithOrWithoutAPipeline() throws {
        let encoder = try encoder()
        let plain = try TextEncoder(tokenizer: encoder.tokenizer)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-text-encoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("bad.txt")
        try Data([0x6F, 0x6B, 0x0A, 0x61, 0x62, 0xFF, 0x0A]).write(to: input)
        for candidate in [encoder, plain] {
            let sink = FileHandle(forWritingAtPath: "/dev/null")!
            XCTAssertThrowsError(try candidate.encodeLines(from: try FileHandle(forReadingFrom: input), path: "bad.txt",
                                                           to: sink, options: LineEncodingOptions())) { error in
                XCTAssertEqual("\(error)", "bad.txt:2: line is not valid UTF-8 (byte 2 of the line)")
            }
        }
    }

    func testAPipelineThatDoesNotCompileIsAnErrorAndAnEmptyOneIsNone() throws {
        let tokenizer = try encoder().tokenizer
        let bad = CleaningPipeline(steps: [.regex(pattern: "(unclosed", replace: "", ignoreCase: false)])
        XCTAssertThrowsError(try TextEncoder(tokenizer: tokenizer, pipeline: bad)) { error in
            XCTAssertTrue("\(error)".contains("step 1"), "\(error)")
        }
        let empty = try TextEncoder(tokenizer: tokenizer, pipeline: CleaningPipeline(steps: []))
        XCTAssertNil(empty.pipeline)
        XCTAssertEqual(try empty.clean("ㅋㅋㅋㅋ <b>x</b>"), "ㅋㅋㅋㅋ <b>x</b>")
        XCTAssertEqual(try encoder().clean("ㅋㅋㅋㅋ <b>x</b>"), koreanWeb.clean("ㅋㅋㅋㅋ <b>x</b>"))
    }

    func testDecodingIsTheTokenizersDecoder() throws {
        let encoder = try encoder()
        let ids = try encoder.encode("정말 재밌게 봤다. [MASK] ㅋㅋ").ids
        XCTAssertEqual(encoder.decode(ids), encoder.tokenizer.decode(ids))
        XCTAssertEqual(encoder.decode(ids, skipSpecialTokens: false), encoder.tokenizer.decode(ids, skipSpecialTokens: false))
        XCTAssertEqual(encoder.decodeBatch([ids, []]), [encoder.tokenizer.decode(ids), ""])
    }
}

/// A value written by concurrent test workers under `lock`.
private final class UnsafeSendableBox<T>: @unchecked Sendable {
    // @unchecked Sendable: `value` is written only while `lock` is held, and read after the
    // workers have finished.
    let lock = NSLock()
    var value: T
    init(_ value: T) { self.value = value }
}
