import Foundation
import XCTest
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTestSupport
import JikjiTraining
import JikjiVocabStore
import JikjiWordPiece

/// The README's library example, compiled and run: from NSMC review files and a stored
/// vocabulary to a trained classifier and its test accuracy, with public API only.
final class LibraryExampleTests: XCTestCase {
    /// The example itself. The lines between the markers are the README's snippet, word for word
    /// (``testTheReadmeShowsThisExample`` checks it).
    func trainedClassifierAccuracy(trainFile: String, testFile: String, database: String) throws -> Double {
        // library example: begin
        let vocabulary = try VocabularyStore(path: database).load("nsmc-small")
        let encoder = try WordPieceDatasetEncoder(vocabulary)
        let spec = DatasetSpec(kind: .classification, train: [trainFile], test: [testFile], format: .tsv,
                               text: ["document"], label: "label", onBadRow: .skip)
        let dataset = try DatasetBuilder(name: "nsmc-small", spec: spec, encoder: encoder).build().dataset
        var generator = SeededGenerator(seed: 7)
        let classifier = try SequenceClassifier(
            .init(vocabularySize: encoder.vocabularySize, embeddingSize: 32, cell: .gru, hiddenSize: 32,
                  paddingIndex: Int(dataset.info.specialTokens.pad)),
            generator: &generator)
        let batching = BatchingOptions(size: .sentences(32), source: SequenceLayout(maxLength: 48), bucketPool: 8, seed: 7)
        let trainer = try Trainer(
            task: ClassifierTraining(model: classifier),
            data: TrainingData(train: dataset, batching: batching),
            configuration: TrainerConfiguration(epochs: 4, optimizer: OptimizerSettings(learningRate: 0.005), metric: "accuracy"),
            generator: generator)
        let outcome = try trainer.train()
        let accuracy = outcome.metrics["test.accuracy"] ?? 0
        // library example: end
        XCTAssertGreaterThan(outcome.steps, 200, "a few hundred steps")
        return accuracy
    }

    var temp: TempFolder!
    var folder: URL { temp.url }

    override func setUpWithError() throws {
        temp = try TempFolder()
    }

    override func tearDownWithError() throws {
        temp = nil
    }

    /// The first `lines` lines (header included) of an NSMC file, written into the test's folder.
    func slice(_ name: String, lines: Int) throws -> String {
        try temp.slice("nsmc/\(name)", lines: lines, to: name)
    }

    /// 2,000 training reviews, 500 test reviews, a 3,000-token vocabulary trained on the training
    /// slice: the classifier must do clearly better than the 50% of chance.
    func testTheExampleTrainsAClassifierWellAboveChance() throws {
        let train = try slice("ratings_train.txt", lines: 2_001)
        let test = try slice("ratings_test.txt", lines: 501)
        let database = folder.appendingPathComponent("vocab.sqlite").path
        var options = WordPieceTrainerOptions()
        options.vocabSize = 3_000
        let normalizer = BertNormalizerOptions(stripAccents: false, lowercase: false)
        let run = try WordPieceTrainer(options: options).train(
            files: [train], reading: CorpusReadingOptions(normalizer: normalizer, column: "document"))
        _ = try VocabularyStore(path: database).save(StoredVocabulary(
            run: run, name: "nsmc-small", normalizer: normalizer, column: "document", pipeline: nil, toolVersion: "test"))

        let accuracy = try trainedClassifierAccuracy(trainFile: train, testFile: test, database: database)
        XCTAssertGreaterThan(accuracy, 0.6)
    }

    /// The README shows exactly the code this test runs.
    func testTheReadmeShowsThisExample() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let readme = try String(contentsOf: ProjectPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try XCTUnwrap(Self.lines(of: source, from: "// library example: begin", to: "// library example: end"))
        let shown = try XCTUnwrap(Self.lines(of: readme, from: "<!-- library example: begin -->", to: "<!-- library example: end -->"),
                                  "README.md lacks the library example markers")
        XCTAssertEqual(shown.filter { !$0.hasPrefix("```") }, example)
    }

    /// The lines strictly between the lines containing `start` and `end`, with their common indentation removed.
    static func lines(of text: String, from start: String, to end: String) -> [String]? {
        let all = text.components(separatedBy: "\n")
        guard let first = all.firstIndex(where: { $0.contains(start) }),
              let last = all[(first + 1)...].firstIndex(where: { $0.contains(end) }) else { return nil }
        let body = Array(all[(first + 1)..<last])
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return body.map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }
    }
}
