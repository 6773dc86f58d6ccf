import JikjiIO
import Foundation
import JikjiTestSupport
import JikjiText
import JikjiWordPiece
import XCTest

/// Reading the corpus: fingerprints, columns, chunking and threads, and the errors users see.
final class TrainerCorpusTests: XCTestCase {
    func testSHA256KnownVectorsInOddPieces() {
        // FIPS 180-2 examples.
        XCTAssertEqual(SHA256().finalizeHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(Array("abc".utf8))
        XCTAssertEqual(abc.finalizeHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var million = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 997)  // not a multiple of 64
        var fed = 0
        while fed < 1_000_000 {
            let take = min(piece.count, 1_000_000 - fed)
            million.update(Array(piece[0..<take]))
            fed += take
        }
        XCTAssertEqual(million.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testWordCountsGrowAndMerge() {
        var first = WordCounts()
        var second = WordCounts()
        for i in 0..<5000 {
            first.add("w\(i)", count: Int64(i))
            second.add("w\(i * 2)")
        }
        first.add("")  // an empty word is a word like any other
        XCTAssertEqual(first.distinctCount, 5001)
        XCTAssertEqual(first["w4999"], 4999)
        XCTAssertEqual(first["w5000"], 0)
        first.formUnion(second)
        XCTAssertEqual(first.distinctCount, 5001 + 2500)
        XCTAssertEqual(first["w4998"], 4998 + 1)
        XCTAssertEqual(first["w9998"], 1)
        XCTAssertEqual(first[""], 1)
        XCTAssertEqual(first.totalCount, Int64(4999 * 5000 / 2) + 1 + 5000)
    }

    func testProgressReachesTheTotals() throws {
        let url = try TrainerFixtures.temporaryFile(Data(String(repeating: "abc abd abe\n", count: 2000).utf8))
        var reads: [(Int64, Int64)] = []
        var merges: [(Int, Int)] = []
        _ = try WordPieceTrainer(options: WordPieceTrainerOptions(vocabSize: 100, minFrequency: 1)).train(
            files: [url.path], reading: CorpusReadingOptions(chunkSize: 4096, threads: 2),
            readProgress: { reads.append(($0, $1)) }, mergeProgress: { merges.append(($0, $1)) })
        XCTAssertGreaterThan(reads.count, 1)
        XCTAssertEqual(reads.last?.0, 24_000)
        XCTAssertEqual(reads.last?.1, 24_000)
        XCTAssertEqual(reads.map(\.0), reads.map(\.0).sorted())
        // a, b, c, d, e + ##b ##c ##d ##e, then ab, abc, abd, abe: the loop ends with no pairs left.
        XCTAssertEqual(merges.last?.0, 4)
    }

    func testColumnHeaderAndFingerprint() throws {
        let text = "id\tdocument\tlabel\n1\tab ab\t0\n2\tab cd\t1\n3\t\t0"
        let url = try TrainerFixtures.temporaryFile(Data(text.utf8), name: "small.tsv")
        let reading = CorpusReadingOptions(normalizer: .korean, column: "document", threads: 2)
        let run = try WordPieceTrainer(options: WordPieceTrainerOptions(minFrequency: 1))
            .train(files: [url.path], reading: reading)
        XCTAssertEqual(run.documents, 3)
        XCTAssertEqual(run.vocabulary.statistics.totalWords, 4)  // ids and labels are not read
        XCTAssertFalse(run.vocabulary.tokenTexts.contains("1"))
        let file = try XCTUnwrap(run.files.first)
        XCTAssertEqual(file.lines, 4)
        XCTAssertEqual(file.bytes, Int64(text.utf8.count))
        var sha = SHA256()
        sha.update(Array(text.utf8))
        XCTAssertEqual(file.sha256, sha.finalizeHex())
    }

    func testCSVColumnWithQuotes() throws {
        let text = "Q,A,label\n\"hello, world\",x,0\n\"say \"\"hi\"\"\",y,1\n"
        let url = try TrainerFixtures.temporaryFile(Data(text.utf8), name: "chat.csv")
        let words = try CorpusWordCounter.count(
            files: [url.path], options: CorpusReadingOptions(normalizer: .korean, column: "Q")).words
        XCTAssertEqual(words["hello"], 1)
        XCTAssertEqual(words["\""], 2)
        XCTAssertEqual(words[","], 1)
        XCTAssertEqual(words["x"], 0)
    }

    func testSameVocabularyForEveryThreadCountAndChunkSize() throws {
        // The first 20k documents of NSMC, cut into 4 KiB chunks on 1 or 3 threads.
        let source = try String(contentsOf: ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).prefix(20_001)
        let url = try TrainerFixtures.temporaryFile(Data(lines.joined(separator: "\n").utf8), name: "head.tsv")
        var vocabularies: [[String]] = []
        var fingerprints: [[FileFingerprint]] = []
        for (threads, chunk) in [(1, 1 << 22), (3, 4096), (2, 65536)] {
            let reading = CorpusReadingOptions(normalizer: .korean, column: "document", chunkSize: chunk, threads: threads)
            let run = try WordPieceTrainer(options: WordPieceTrainerOptions(vocabSize: 8000, limitAlphabet: 6000))
                .train(files: [url.path], reading: reading)
            XCTAssertEqual(run.documents, 20_000)
            vocabularies.append(run.vocabulary.tokenTexts)
            fingerprints.append(run.files)
        }
        XCTAssertEqual(vocabularies[0].count, 8000)
        XCTAssertEqual(vocabularies[0], vocabularies[1])
        XCTAssertEqual(vocabularies[0], vocabularies[2])
        XCTAssertEqual(fingerprints[0], fingerprints[1])
        XCTAssertEqual(fingerprints[0], fingerprints[2])
    }

    func testCleaningPipelineRunsBeforeTheNormalizer() throws {
        let documents = ["ㅋㅋㅋㅋㅋ 진짜 재밌어요!!!!", "<b>최고</b> http://example.com 강추", "ＡＢＣ 영화", ""]
        let pipeline = try CleaningPipeline(preset: "korean-web")
        let raw = try TrainerFixtures.temporaryFile(Data(documents.map { $0 + "\n" }.joined().utf8))
        let cleaned = try TrainerFixtures.temporaryFile(Data(documents.map { pipeline.clean($0) + "\n" }.joined().utf8))
        let withPipeline = try CorpusWordCounter.count(
            files: [raw.path], options: CorpusReadingOptions(normalizer: .korean, pipeline: pipeline, threads: 2)).words
        let precleaned = try CorpusWordCounter.count(
            files: [cleaned.path], options: CorpusReadingOptions(normalizer: .korean, threads: 2)).words
        XCTAssertEqual(withPipeline.distinctCount, precleaned.distinctCount)
        XCTAssertEqual(withPipeline.totalCount, precleaned.totalCount)
        for index in 0..<precleaned.distinctCount {
            XCTAssertEqual(withPipeline[precleaned.word(at: index)], precleaned.count(at: index), precleaned.word(at: index))
        }
        XCTAssertEqual(withPipeline["ㅋㅋ"], 1)  // repeat-limit 2
        XCTAssertEqual(withPipeline["ABC"], 1)  // NFKC folds the fullwidth letters
        XCTAssertEqual(withPipeline["<"], 0)  // tags removed
    }

    func testEmptyCorpusIsAnError() throws {
        let url = try TrainerFixtures.temporaryFile(Data(" \n\t\n\n".utf8))
        XCTAssertThrowsError(try WordPieceTrainer().train(files: [url.path], reading: CorpusReadingOptions())) { error in
            XCTAssertEqual(error as? WordPieceTrainerError, .emptyCorpus(files: [url.path]))
            XCTAssertTrue("\(error)".contains("empty corpus"))
        }
    }

    func testVocabSizeBelowBaseIsAnError() throws {
        XCTAssertThrowsError(try TrainerFixtures.train(lines: ["abc abd"], options: WordPieceTrainerOptions(vocabSize: 8))) { error in
            // 5 specials + a, b, c, d + ##b, ##c, ##d = 12.
            XCTAssertEqual(error as? WordPieceTrainerError,
                           .vocabSizeBelowBaseVocabulary(requested: 8, base: 12, specials: 5, alphabet: 4, continuation: 3))
            XCTAssertTrue("\(error)".contains("at least 12"), "\(error)")
        }
    }

    func testInvalidUTF8NamesFileAndLine() throws {
        var bytes = Array("good line\nanother\n".utf8)
        bytes += [0x61, 0x20, 0xC3, 0x28, 0x0A]  // line 3: "a " + a broken two-byte sequence
        bytes += Array("fine\n".utf8)
        let url = try TrainerFixtures.temporaryFile(Data(bytes))
        for threads in [1, 2] {
            XCTAssertThrowsError(try WordPieceTrainer().train(
                files: [url.path], reading: CorpusReadingOptions(chunkSize: 4096, threads: threads))) { error in
                guard let error = error as? TextInputError, error.kind == .invalidUTF8 else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertEqual(error.file, url.path)
                XCTAssertEqual(error.line, 3)
                XCTAssertEqual(error.byte, 3)  // the third byte of the line (offset 2)
            }
        }
    }

    func testMissingColumnAndMissingFile() throws {
        let url = try TrainerFixtures.temporaryFile(Data("id\ttext\n1\tx\n".utf8), name: "a.tsv")
        XCTAssertThrowsError(try CorpusWordCounter.count(files: [url.path], options: CorpusReadingOptions(column: "document"))) {
            XCTAssertEqual($0 as? TextInputError, .missingColumn(file: url.path, name: "document", header: ["id", "text"]))
        }
        XCTAssertThrowsError(try CorpusWordCounter.count(files: ["/nonexistent/corpus.txt"])) {
            XCTAssertTrue("\($0)".contains("/nonexistent/corpus.txt"))
        }
    }

    func testContinuationOrderFromVocabularyText() {
        let text = "[PAD]\na\n##b\n##a\n##ab\nb\n##b\n##c \n"
        XCTAssertEqual(WordPieceTrainerOptions.continuationOrder(fromVocabularyText: text), ["b", "a", "c"])
    }
}
