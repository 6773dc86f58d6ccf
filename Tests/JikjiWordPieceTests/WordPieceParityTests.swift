import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// Every document of NSMC `ratings_test.txt` encoded and decoded as HF tokenizers 0.23.3 did
/// (`hf/encodings/*.jsonl.gz`, vocabulary `hf/wp150k/vocab.txt`, lowercase=False,
/// strip_accents=False). Fails, never skips, when the reference files are missing.
final class WordPieceParityTests: XCTestCase {
    /// The lines of a gzip file, decompressed by `gzip -dc`.
    static func gunzipLines(_ url: URL) throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GunzipFailed(path: url.path, status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }

    struct GunzipFailed: Error { let path: String; let status: Int32 }

    private struct Reference: Decodable {
        let text: String
        let ids: [Int32]
        let tokens: [String]
        let offsets: [[Int32]]
    }

    private struct DecodeReference: Decodable {
        let decoded: String
        let decoded_keep_specials: String
    }

    private func tokenizer() throws -> WordPieceTokenizer {
        let vocabulary = try WordPieceVocabulary(vocabTxt: try ProjectPaths.reference("hf/wp150k/vocab.txt"))
        return WordPieceTokenizer(vocabulary: vocabulary, normalizer: BertNormalizerOptions(stripAccents: false, lowercase: false))
    }

    /// The parsed reference lines, read once for all tests of the suite.
    private static let cachedReferences = Result<[Reference], Error> {
        let lines = try gunzipLines(try ProjectPaths.reference("hf/encodings/ratings_test.jsonl.gz"))
        let decoder = JSONDecoder()
        return try lines.map { try decoder.decode(Reference.self, from: Data($0.utf8)) }
    }

    private func references() throws -> [Reference] { try Self.cachedReferences.get() }

    func testEncodeMatchesHFOnEveryTestDocument() throws {
        let tokenizer = try tokenizer()
        let refs = try references()
        XCTAssertEqual(refs.count, 24_954, "one reference line per document of ratings_test.txt")
        let encodings = try tokenizer.encodeBatch(refs.map(\.text))
        var mismatches = 0
        for (ref, e) in zip(refs, encodings) {
            let offsets = e.offsets.map { [$0.start, $0.end] }
            if e.ids != ref.ids || e.tokens(in: tokenizer.vocabulary) != ref.tokens || offsets != ref.offsets {
                mismatches += 1
                if mismatches <= 5 {
                    XCTFail("""
                        \(ref.text.debugDescription)
                          HF:    \(ref.tokens) \(ref.offsets)
                          Jikji: \(e.tokens(in: tokenizer.vocabulary)) \(offsets)
                        """)
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "documents whose ids, tokens or offsets differ from HF's")
    }

    func testSingleEncodeEqualsBatchEncode() throws {
        let tokenizer = try tokenizer()
        let refs = try references().prefix(300)
        let batch = try tokenizer.encodeBatch(refs.map(\.text))
        for (ref, e) in zip(refs, batch) {
            XCTAssertEqual(try tokenizer.encode(ref.text), e)
        }
    }

    func testDecodeMatchesHFOnEveryTestDocument() throws {
        let tokenizer = try tokenizer()
        let refs = try references()
        let lines = try Self.gunzipLines(try ProjectPaths.reference("hf/encodings/ratings_test.decode.jsonl.gz"))
        let decodes = try lines.map { try JSONDecoder().decode(DecodeReference.self, from: Data($0.utf8)) }
        XCTAssertEqual(decodes.count, refs.count)
        let skipped = tokenizer.decodeBatch(refs.map(\.ids), skipSpecialTokens: true)
        let kept = tokenizer.decodeBatch(refs.map(\.ids), skipSpecialTokens: false)
        var mismatches = 0
        for i in decodes.indices where skipped[i] != decodes[i].decoded || kept[i] != decodes[i].decoded_keep_specials {
            mismatches += 1
            if mismatches <= 5 {
                XCTFail("HF: \(decodes[i].decoded.debugDescription) / \(decodes[i].decoded_keep_specials.debugDescription)\n"
                        + "Jikji: \(skipped[i].debugDescription) / \(kept[i].debugDescription)")
            }
        }
        XCTAssertEqual(mismatches, 0, "documents whose decode differs from HF's")
    }
}
