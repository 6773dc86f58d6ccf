import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// Reading and writing HF tokenizer.json.
final class HFTokenizerJSONTests: XCTestCase {
    func testReadsHFFiles() throws {
        let bert = try HFTokenizerJSON(contentsOf: ProjectPaths.reference("hf/wp150k/tokenizer_bert.json"))
        XCTAssertEqual(bert.vocabulary.count, 30000)
        XCTAssertEqual(Array(bert.vocabulary.prefix(6)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!"])
        XCTAssertEqual(bert.specialTokens, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(bert.addedTokens.map(\.id), [0, 1, 2, 3, 4])
        XCTAssertEqual(bert.normalizer, BertNormalizerOptions(cleanText: true, handleChineseChars: true,
                                                              stripAccents: false, lowercase: false))
        XCTAssertEqual(bert.postProcessor, .init(cls: "[CLS]", clsId: 2, sep: "[SEP]", sepId: 3))
        XCTAssertEqual(bert.unknownToken, "[UNK]")
        XCTAssertEqual(bert.continuingSubwordPrefix, "##")
        XCTAssertEqual(bert.maxInputCharactersPerWord, 100)
        XCTAssertTrue(bert.decoderCleanup)

        let plain = try HFTokenizerJSON(contentsOf: ProjectPaths.reference("hf/wp150k/tokenizer.json"))
        XCTAssertNil(plain.postProcessor)
        XCTAssertEqual(plain.vocabulary, bert.vocabulary)
        let vocabulary = try plain.wordPieceVocabulary()
        XCTAssertEqual(vocabulary.id(for: "[SEP]"), 3)
        XCTAssertEqual(Set(vocabulary.specialTokens), Set(bert.specialTokens))
    }

    func testSerializationIsHFsByteForByte() throws {
        for file in ["hf/wp150k/tokenizer_bert.json", "hf/wp150k/tokenizer.json"] {
            let url = try ProjectPaths.reference(file)
            let parsed = try HFTokenizerJSON(contentsOf: url)
            XCTAssertEqual(parsed.serialized(), try Data(contentsOf: url), file)
        }
    }

    func testBuildsFromAVocabularyLikeBertWordPieceTokenizer() throws {
        let vocabulary = try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##b"])
        let file = try HFTokenizerJSON(vocabulary: vocabulary, normalizer: .korean, postProcessor: true)
        XCTAssertEqual(file.addedTokens.map(\.content), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(file.postProcessor, .init(cls: "[CLS]", clsId: 2, sep: "[SEP]", sepId: 3))
        let noCLS = try WordPieceVocabulary(tokens: ["[UNK]", "a"])
        XCTAssertThrowsError(try HFTokenizerJSON(vocabulary: noCLS, normalizer: .korean, postProcessor: true))
        XCTAssertEqual(try HFTokenizerJSON(vocabulary: noCLS, normalizer: .korean, postProcessor: false).addedTokens.map(\.id), [0])
        let twice = try WordPieceVocabulary(tokens: ["[UNK]", "a", "a"])
        XCTAssertThrowsError(try HFTokenizerJSON(vocabulary: twice, normalizer: .korean, postProcessor: false)) {
            XCTAssertEqual($0 as? HFTokenizerJSONError, .duplicateToken(token: "a", firstId: 1, secondId: 2))
        }
        // Canonically equivalent but different code points (a compatibility ideograph, as WordPiece
        // training on the review corpus produces) are two tokens, not a duplicate.
        let equivalent = try WordPieceVocabulary(tokens: ["[UNK]", "\u{91D1}", "\u{F90A}"])
        let data = try HFTokenizerJSON(vocabulary: equivalent, normalizer: .korean, postProcessor: false).serialized()
        XCTAssertNotNil(data.range(of: Data("\"\u{91D1}\": 1".utf8)), "byte-wise")
        XCTAssertNotNil(data.range(of: Data("\"\u{F90A}\": 2".utf8)), "byte-wise")
    }

    func testAwkwardTokensSurviveARoundTrip() throws {
        let tokens = ["[UNK]", "\"", "\\", "a\"b", "\u{0}", "\u{1F}", "\t", "\n", "\u{7F}", "한국어", "##😀", "/"]
        let file = HFTokenizerJSON(vocabulary: tokens, addedTokens: [.init(id: 0, content: "[UNK]")],
                                   normalizer: BertNormalizerOptions())
        let data = file.serialized()
        // Any JSON parser reads it back (not only ours).
        let generic = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let vocab = (generic?["model"] as? [String: Any])?["vocab"] as? [String: Int]
        XCTAssertEqual(vocab?.count, tokens.count)
        XCTAssertEqual(vocab?["\u{1F}"], 5)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""\u001f": 5"#), "control characters as serde_json writes them")
        XCTAssertTrue(text.contains(#""strip_accents": null"#))
        let reread = try HFTokenizerJSON(data: data, path: "memory")
        XCTAssertEqual(reread, file)
    }

    func testErrorsNameTheKey() throws {
        func parse(_ json: String) -> Error? {
            do { _ = try HFTokenizerJSON(data: Data(json.utf8), path: "t.json"); return nil } catch { return error }
        }
        let normalizer = #""normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"}"#
        let model = "\"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\""
        XCTAssertEqual(parse("[1, 2]") as? HFTokenizerJSONError, .notJSON(path: "t.json", reason: "the top level is not an object"))
        if case .notJSON? = parse("{oops") as? HFTokenizerJSONError {} else { XCTFail("not JSON") }
        XCTAssertEqual(parse(#"{\#(normalizer), "model": {\#(model), "vocab": {"[UNK]": 0}}}"#) as? HFTokenizerJSONError,
                       .badKey(path: "t.json", key: "model.max_input_chars_per_word", problem: "is missing"))
        XCTAssertEqual(parse(#"{\#(normalizer), "model": {"type": "BPE", "vocab": {}}}"#) as? HFTokenizerJSONError,
                       .unsupported(path: "t.json", key: "model.type", found: "BPE", supported: "WordPiece"))
        let gap = parse(#"{\#(normalizer), "model": {\#(model), "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 2}}}"#)
        if case .badIds? = gap as? HFTokenizerJSONError {} else { XCTFail("\(String(describing: gap))") }
        let boolID = parse(#"{\#(normalizer), "model": {\#(model), "max_input_chars_per_word": true, "vocab": {"[UNK]": 0}}}"#)
        XCTAssertEqual(boolID as? HFTokenizerJSONError,
                       .badKey(path: "t.json", key: "model.max_input_chars_per_word", problem: "is not an integer"))
        let lower = parse(#"{"normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {\#(model), "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0}}}"#)
        XCTAssertEqual(lower as? HFTokenizerJSONError,
                       .unsupported(path: "t.json", key: "normalizer.type", found: "Lowercase",
                                    supported: "BertNormalizer, or a Sequence ending in one"))
        // Issue 13: an added token outside model.vocab is valid HF (add_special_tokens saves such
        // files); HF gives it the next id past the vocabulary, whatever id the file wrote.
        let foreignAdded = #"{\#(normalizer), "added_tokens": [{"id": 5, "content": "<x>", "special": true}], "model": {\#(model), "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0}}}"#
        XCTAssertNil(parse(foreignAdded))
        XCTAssertEqual(try HFTokenizerJSON(data: Data(foreignAdded.utf8), path: "t.json").addedTokens.map(\.id), [1])
        let badAdded = parse(#"{\#(normalizer), "added_tokens": [{"id": "x", "content": "<x>"}], "model": {\#(model), "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0}}}"#)
        XCTAssertEqual(badAdded as? HFTokenizerJSONError, .badKey(path: "t.json", key: "added_tokens[0].id", problem: "is not an integer"))
    }

    func testTemplateProcessingOfHubBertFilesIsUnderstood() throws {
        let json = #"""
        {"normalizer": {"type": "BertNormalizer", "lowercase": false, "strip_accents": null},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}]},
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": false},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "[SEP]": 1, "[CLS]": 2}}}
        """#
        let file = try HFTokenizerJSON(data: Data(json.utf8), path: "hub.json")
        XCTAssertEqual(file.postProcessor, .init(cls: "[CLS]", clsId: 2, sep: "[SEP]", sepId: 1))
        XCTAssertFalse(file.decoderCleanup)
        XCTAssertNil(file.normalizer.stripAccents)
        XCTAssertFalse(file.normalizer.lowercase)
    }
}
