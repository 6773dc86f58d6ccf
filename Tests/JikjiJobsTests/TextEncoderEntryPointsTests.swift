import Foundation
import JikjiData
import JikjiJobs
import JikjiTestSupport
import JikjiText
import JikjiVocabStore
import JikjiWordPiece
import XCTest

/// A vocabulary trained behind the `korean-web` cleaning pipeline encodes real NSMC reviews to
/// the same ids through every entry point: the store's encoder, `jikji encode --vocab NAME`, a
/// dataset build, a job's vocabulary and datasets, and a trained run (which also decodes).
///
/// The expected ids are made the long way, independently of ``TextEncoder``: the preset's
/// `CleaningPipeline.clean` on each review, then a plain ``WordPieceTokenizer``.
final class TextEncoderEntryPointsTests: XCTestCase {
    var folder: URL!
    var corpus: URL { folder.appendingPathComponent("reviews.tsv") }
    var database: String { folder.appendingPathComponent("vocab.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-entry-points-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The first 2,500 reviews of NSMC's training file with text, and the next 200 with a URL or
    /// markup (what the pipeline removes). Left out: reviews with a quote, so the test is about
    /// encoding and not about how each reader treats quotes, and reviews that cleaning empties,
    /// which a dataset build rejects.
    func reviews() throws -> [(document: String, label: String)] {
        let pipeline = try XCTUnwrap(CleaningPipeline.presets["korean-web"])
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        var rows: [(String, String)] = []
        var marked = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[1].trimmingCharacters(in: .whitespaces).isEmpty,
                  !fields[1].contains("\""),
                  !pipeline.clean(String(fields[1])).trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let document = String(fields[1])
            let hasMarkup = document.contains("http") || document.contains("<")
            if index < 2_500 || (hasMarkup && marked < 200) {
                if index >= 2_500 { marked += 1 }
                rows.append((document, String(fields[2])))
            }
        }
        return rows
    }

    func testEveryEntryPointEncodesAPipelineVocabularyAlike() throws {
        let rows = try reviews()
        let documents = rows.map(\.document)
        try (["id\tdocument\tlabel"] + rows.enumerated().map { "\($0.offset)\t\($0.element.document)\t\($0.element.label)" })
            .joined(separator: "\n").appending("\n").write(to: corpus, atomically: true, encoding: .utf8)
        let trained = try JikjiCommand.run(["vocab", "train", "--input", corpus.path, "--column", "document",
                                            "--name", "web", "--vocab-size", "3000", "--min-frequency", "2",
                                            "--pipeline", "korean-web", "--db", database])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let stored = try VocabularyStore(path: database, create: false).load("web")
        XCTAssertEqual(try stored.cleaningPipeline(), CleaningPipeline.presets["korean-web"])

        // Clean, then encode: the reference every entry point must match.
        let pipeline = try XCTUnwrap(CleaningPipeline.presets["korean-web"])
        let plain = WordPieceTokenizer(vocabulary: try stored.wordPieceVocabulary(), normalizer: stored.normalizer)
        let expected = try documents.map { try plain.encode(pipeline.clean($0), addSpecialTokens: false).ids.map(Int.init) }
        // The pipeline matters for these reviews, so an entry point that skipped it would fail.
        let uncleaned = try documents.map { try plain.encode($0, addSpecialTokens: false).ids.map(Int.init) }
        let changed = zip(expected, uncleaned).filter { $0 != $1 }.count
        XCTAssertGreaterThan(changed, 300, "the pipeline changes the ids of only \(changed) reviews")

        // 1. The store's encoder, in a batch and one text at a time.
        let encoder = try stored.textEncoder()
        let batch = try encoder.encodeIds(documents, addSpecialTokens: false)
        XCTAssertEqual(split(batch.ids.map(Int.init), ends: batch.ends), expected)
        for index in stride(from: 0, to: documents.count, by: 97) {
            XCTAssertEqual(try encoder.encode(documents[index], addSpecialTokens: false).ids.map(Int.init), expected[index])
        }

        // 2. `jikji encode --vocab NAME`.
        let cli = try JikjiCommand.run(["encode", "--vocab", "web", "--db", database, "--input", corpus.path,
                                        "--column", "document", "--no-special-tokens"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let cliIds = cli.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map { $0.split(separator: " ").compactMap { Int($0) } }
        XCTAssertEqual(cliIds.count, expected.count)
        XCTAssertEqual(Array(cliIds), expected)

        // 3. A dataset build, with the encoder `jikji dataset build` uses.
        let spec = DatasetSpec(kind: .classification, train: [corpus.path], text: ["document"], label: "label")
        let built = try DatasetBuilder(name: "web-reviews", spec: spec,
                                       encoder: VocabularyResolver(databasePath: database).encoder(for: "web")).build()
        XCTAssertEqual(built.dataset.count, expected.count)
        XCTAssertEqual(sequences(built.dataset.source), expected)

        // 4. A job's vocabulary and the datasets it builds.
        let job = try JobConfig(yaml: """
            name: web
            seed: 3
            data: {train: \(corpus.path), valid_ratio: 0}
            vocab: {name: web, database: \(database)}
            batching: {batch_size: 64, max_length: 24}
            model: {kind: classifier, embedding: 8, encoder: {cell: gru, hidden: 8, layers: 1}}
            optim: {optimizer: adam, lr: 0.01}
            train: {epochs: 1, max_steps: 2}
            """, source: "web.yaml")
        let data = try JobData.prepare(job: job, trainVocabulary: nil, log: { _ in })
        XCTAssertEqual(sequences(data.main.source), expected)
        var ids: [TokenID] = [], ends: [Int] = []
        try data.vocabulary.encoder.encode(documents, appendingTo: &ids, ends: &ends)
        XCTAssertEqual(split(ids.map(Int.init), ends: ends), expected)

        // 5. A trained run: `predict`, `generate` and `translate` encode and decode through it.
        var options = JobRunner.Options()
        options.runsDirectory = folder.appendingPathComponent("runs").path
        options.registryPath = folder.appendingPathComponent("runs/runs.sqlite").path
        options.progress = false
        options.log = { _ in }
        let summary = try JobRunner.start(job: job, jobFile: "web.yaml", options: options)
        let run = try TrainedRun(runID: summary.runID, registryPath: options.registryPath)
        XCTAssertEqual(try run.encode(documents).map { $0.map(Int.init) }, expected)
        for index in stride(from: 0, to: expected.count, by: 89) {
            XCTAssertEqual(run.decode(expected[index].map(Int32.init)), plain.decode(expected[index].map(Int32.init), skipSpecialTokens: true))
        }
    }

    private func split(_ ids: [Int], ends: [Int]) -> [[Int]] {
        var start = 0
        return ends.map { end in
            defer { start = end }
            return Array(ids[start..<end])
        }
    }

    private func sequences(_ tokens: TokenSequences) -> [[Int]] {
        (0..<tokens.count).map { tokens[$0].map(Int.init) }
    }
}
