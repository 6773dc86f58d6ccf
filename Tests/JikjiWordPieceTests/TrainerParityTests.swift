import Foundation
import JikjiTestSupport
import JikjiWordPiece
import XCTest

/// HF parity on the real corpus: training on the document column of NSMC's ratings_train.txt
/// with the settings of `hf/settings.json`, taking the `##x` order from HF's vocab.txt,
/// reproduces `hf/wp150k/vocab.txt` token for token. Fails (never skips) without the files.
final class TrainerParityTests: XCTestCase {
    func testReproducesHFVocabularyOfRatingsTrain() throws {
        let settingsData = try Data(contentsOf: ProjectPaths.reference("hf/settings.json"))
        let settings = try XCTUnwrap(JSONSerialization.jsonObject(with: settingsData) as? [String: Any])
        let train = try XCTUnwrap(settings["train"] as? [String: Any])
        let normalizerSettings = try XCTUnwrap(settings["normalizer"] as? [String: Any])
        let referenceText = try String(contentsOf: ProjectPaths.reference("hf/wp150k/vocab.txt"), encoding: .utf8)

        var options = WordPieceTrainerOptions()
        options.vocabSize = try XCTUnwrap(train["vocab_size"] as? Int)
        options.minFrequency = Int64(try XCTUnwrap(train["min_frequency"] as? Int))
        options.limitAlphabet = train["limit_alphabet"] as? Int
        options.initialAlphabet = (train["initial_alphabet"] as? [String] ?? []).compactMap { $0.unicodeScalars.first }
        options.specialTokens = try XCTUnwrap(train["special_tokens"] as? [String])
        options.prefix = try XCTUnwrap(train["wordpieces_prefix"] as? String)
        options.continuationOrder = .explicit(
            WordPieceTrainerOptions.continuationOrder(fromVocabularyText: referenceText, prefix: options.prefix))
        let normalizer = BertNormalizerOptions(
            cleanText: try XCTUnwrap(normalizerSettings["clean_text"] as? Bool),
            handleChineseChars: try XCTUnwrap(normalizerSettings["handle_chinese_chars"] as? Bool),
            stripAccents: normalizerSettings["strip_accents"] as? Bool,
            lowercase: try XCTUnwrap(normalizerSettings["lowercase"] as? Bool))

        let corpus = try ProjectPaths.corpus("nsmc/ratings_train.txt")
        let run = try WordPieceTrainer(options: options).train(
            files: [corpus.path], reading: CorpusReadingOptions(normalizer: normalizer, column: "document"))

        let reference = referenceText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let mine = run.vocabulary.tokenTexts
        XCTAssertEqual(mine.count, reference.count)
        if let first = zip(mine, reference).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            XCTFail("first difference at id \(first.offset): jikji \(first.element.0) vs HF \(first.element.1)")
        }
        XCTAssertEqual(run.vocabulary.vocabularyText, referenceText)
        XCTAssertEqual(run.documents, 150_000)
        XCTAssertEqual(run.files.first?.lines, 150_001)
    }
}
