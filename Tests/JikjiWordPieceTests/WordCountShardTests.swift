import Foundation
import JikjiIO
import JikjiTestSupport
import JikjiText
import JikjiWordPiece
import XCTest

/// Count files (`vocab count`), their merge (`vocab merge-counts`) and training from them
/// (`vocab train --from-counts`): the same vocabulary as one training run on the whole corpus.
final class WordCountShardTests: XCTestCase {
    private let settings = CountingSettings(normalizer: .korean, pipeline: nil, toolVersion: "test")

    private func write(_ words: [(String, Int64)], to path: String, settings: CountingSettings? = nil) throws {
        var table = WordCounts()
        for (word, count) in words { table.add(word, count: count) }
        let part = CorpusPart(file: FileFingerprint(path: "c.txt", bytes: 1, lines: 1, sha256: "x"), start: 0, column: nil, documents: 1)
        try WordCountFileWriter.write(table, header: WordCountHeader(settings: settings ?? self.settings, parts: [part]),
                                      to: OutputFile(path: path))
    }

    private func entries(_ path: String) throws -> [(String, Int64)] {
        var reader = try WordCountFileReader(path: path)
        var result: [(String, Int64)] = []
        while let entry = try reader.next() { result.append((String(decoding: entry.word, as: UTF8.self), entry.count)) }
        return result
    }

    /// Words with tabs, newlines, carriage returns and backslashes come back as they were, in byte order.
    func testCountFileRoundTripsEveryByteInByteOrder() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("a.counts").path
        let words: [(String, Int64)] = [("좋아요", 3), ("a\tb", 2), ("line\nbreak", 1), ("back\\slash", 5), ("cr\r", 7),
                                        ("a", 1), ("ab", 4), ("\\t", 9)]
        try write(words, to: path)
        let read = try entries(path)
        XCTAssertEqual(read.map(\.0), words.map(\.0).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: read), Dictionary(uniqueKeysWithValues: words))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("a\\tb\t2\n") && text.contains("line\\nbreak\t1\n") && text.contains("back\\\\slash\t5\n"), text)
        XCTAssertTrue(text.hasSuffix("\ttotals\t8\t32\n"), text)
    }

    /// Merging sums counts per word, whatever the order of the inputs; the header lists every input's parts.
    func testMergeSumsInAnyOrder() throws {
        let folder = try TempFolder()
        let a = folder.url.appendingPathComponent("a.counts").path, b = folder.url.appendingPathComponent("b.counts").path
        let c = folder.url.appendingPathComponent("c.counts").path
        try write([("x", 1), ("y", 2)], to: a)
        try write([("y", 3), ("z", 4)], to: b)
        try write([], to: c)
        var merged: [[(String, Int64)]] = []
        for order in [[a, b, c], [c, b, a], [b, a, c]] {
            let out = folder.url.appendingPathComponent("m.counts").path
            let result = try WordCountMerger.merge(paths: order, into: OutputFile(path: out))
            XCTAssertEqual(result.header.parts.count, 3)
            XCTAssertEqual(result.distinctWords, 3)
            XCTAssertEqual(result.totalWords, 10)
            merged.append(try entries(out))
        }
        for m in merged {
            XCTAssertEqual(m.map(\.0), ["x", "y", "z"])
            XCTAssertEqual(m.map(\.1), [1, 5, 4])
        }
    }

    /// Shards counted with other settings are refused, the setting named, and nothing is written.
    func testMergeRefusesOtherSettingsNamingThem() throws {
        let folder = try TempFolder()
        let a = folder.url.appendingPathComponent("a.counts").path, b = folder.url.appendingPathComponent("b.counts").path
        try write([("x", 1)], to: a)
        try write([("x", 1)], to: b, settings: CountingSettings(normalizer: BertNormalizerOptions(stripAccents: false, lowercase: true), pipeline: nil,
                                                               toolVersion: "test"))
        let out = folder.url.appendingPathComponent("m.counts").path
        XCTAssertThrowsError(try WordCountMerger.merge(paths: [a, b], into: OutputFile(path: out))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("b.counts was counted with other settings than") && text.contains("normalizer lowercase: true vs false"),
                          text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let c = folder.url.appendingPathComponent("c.counts").path
        try write([("x", 1)], to: c, settings: CountingSettings(normalizer: .korean,
                                                               pipeline: try CleaningPipeline(presetOrFile: "nfkc"), toolVersion: "test"))
        XCTAssertThrowsError(try WordCountMerger.merge(paths: [a, c], into: OutputFile(path: out))) { error in
            XCTAssertTrue("\(error)".contains("pipeline: "), "\(error)")
        }
    }

    /// A cut-short file, entries out of order and edited counts are told apart from a whole file.
    func testDamagedFilesAreRefused() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("a.counts").path
        try write([("x", 1), ("y", 2), ("z", 3)], to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        func refused(_ body: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let damaged = try folder.file("d.counts", text: body.joined(separator: "\n") + "\n")
            XCTAssertThrowsError(try entries(damaged), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
            }
        }
        try refused(Array(lines.dropLast()), "ends without its totals line")
        try refused([lines[0], lines[1], lines[2], lines[4], lines[3], lines[5], lines[6]], "d.counts:5: entries are not in ascending byte order")
        try refused([lines[0], lines[1], lines[2], "x\t1", "y\t5", "z\t3", lines[6]], "the header says 3 words, 6 occurrences but the entries hold 3 words, 9")
        try refused([lines[0], lines[1], lines[2], "x\tone", lines[6]], "d.counts:4: bad count entry")
        try refused(["jikji-word-counts\t2"] + lines.dropFirst(), "d.counts:1: not a Jikji count file")
        try refused([lines[0], lines[1].replacingOccurrences(of: "\"jikjiVersion\":\"test\"", with: "\"jikjiVersion\":\"other\"")] + lines.dropFirst(2),
                    "the fingerprint does not match")
    }

    /// Counting N shards of a file cut at line ends (N = 1, 2, 7), merging them in any order and
    /// training gives the tokens of one training run on the whole file; so does a corpus where
    /// one shard falls inside a long line and reads nothing.
    func testShardedCountsTrainTheSameVocabulary() throws {
        let corpus = try ProjectPaths.corpus("nsmc/ratings_test.txt").path
        let folder = try TempFolder()
        let options = WordPieceTrainerOptions(vocabSize: 3000, minFrequency: 2)
        let reading = CorpusReadingOptions(column: "document", threads: 2)
        let wholeRun = try WordPieceTrainer(options: options).train(files: [corpus], reading: reading)
        let whole = wholeRun.vocabulary
        for count in [1, 2, 7] {
            var paths: [String] = []
            for index in 0..<count {
                let path = folder.url.appendingPathComponent("s\(index)-\(count).counts").path
                _ = try CorpusWordCounter.writeCounts(files: [corpus], options: reading, shard: InputShard(index: index, count: count),
                                                      toolVersion: "test", to: OutputFile(path: path))
                paths.append(path)
            }
            let merged = folder.url.appendingPathComponent("m\(count).counts").path
            _ = try WordCountMerger.merge(paths: paths.reversed(), into: OutputFile(path: merged))
            let (run, header) = try WordPieceTrainer(options: options).train(countsAt: merged)
            XCTAssertEqual(run.vocabulary.tokens, whole.tokens, "\(count) shards")
            XCTAssertEqual(header.documents, wholeRun.documents)
            XCTAssertEqual(header.parts.map(\.file.bytes).reduce(0, +), try InputShard.sizes(of: [corpus])[0])
        }

        // One line as long as a shard's share: the shard whose range lies inside it reads nothing.
        let long = String(repeating: "가나 다라 ", count: 3000)
        let text = "짧은 줄\n" + long + "\n끝 줄 가나\n"
        let small = try folder.file("long.txt", text: text)
        let plain = CorpusReadingOptions(threads: 1)
        let smallOptions = WordPieceTrainerOptions(vocabSize: 40, minFrequency: 1)
        let reference = try WordPieceTrainer(options: smallOptions).train(files: [small], reading: plain).vocabulary
        var paths: [String] = []
        var empty = 0
        for index in 0..<7 {
            let path = folder.url.appendingPathComponent("l\(index).counts").path
            let result = try CorpusWordCounter.writeCounts(files: [small], options: plain, shard: InputShard(index: index, count: 7),
                                                           toolVersion: "test", to: OutputFile(path: path))
            if result.distinctWords == 0 { empty += 1 }
            paths.append(path)
        }
        XCTAssertGreaterThan(empty, 0, "a shard inside the long line counts nothing")
        let merged = folder.url.appendingPathComponent("long.counts").path
        _ = try WordCountMerger.merge(paths: [paths[3], paths[0], paths[6], paths[1], paths[5], paths[2], paths[4]],
                                      into: OutputFile(path: merged))
        XCTAssertEqual(try WordPieceTrainer(options: smallOptions).train(countsAt: merged).run.vocabulary.tokens, reference.tokens)
    }

    /// `min_frequency` applies to the merged counts: a word seen once in each of two shards
    /// reaches 2 only after the merge and is merged; a word seen once in all the text never
    /// contributes a merge; each shard trained alone merges neither. The merged counts train the
    /// vocabulary (tokens, counts, stop reason) of one run over the whole text.
    func testMinFrequencyAppliesAfterTheMerge() throws {
        let folder = try TempFolder()
        let a = folder.url.appendingPathComponent("a.counts").path, b = folder.url.appendingPathComponent("b.counts").path
        let merged = folder.url.appendingPathComponent("m.counts").path
        try write([("가나", 1), ("다라", 1), ("마바", 3)], to: a)
        try write([("가나", 1), ("사아", 1)], to: b)
        _ = try WordCountMerger.merge(paths: [b, a], into: OutputFile(path: merged))
        let options = WordPieceTrainerOptions(vocabSize: 100, minFrequency: 2)

        let fromCounts = try WordPieceTrainer(options: options).train(countsAt: merged).run.vocabulary
        let merges = fromCounts.tokens.filter { $0.kind == .merged }.map(\.text)
        XCTAssertEqual(merges, ["마바", "가나"], "마바 (3) first, then 가나 (1 + 1), never 다라 or 사아 (1)")
        XCTAssertEqual(fromCounts.statistics.stopReason, .belowMinFrequency)

        let text = try folder.file("c.txt", text: "가나 다라 마바 마바\n마바 가나 사아\n")
        let whole = try WordPieceTrainer(options: options)
            .train(files: [text], reading: CorpusReadingOptions(normalizer: .korean, threads: 1)).vocabulary
        XCTAssertEqual(fromCounts.tokens, whole.tokens)
        XCTAssertEqual(fromCounts.statistics.stopReason, whole.statistics.stopReason)
        XCTAssertEqual(fromCounts.statistics.peakPairs, whole.statistics.peakPairs)

        let alone = try WordPieceTrainer(options: options).train(countsAt: a).run.vocabulary
        XCTAssertEqual(alone.tokens.filter { $0.kind == .merged }.map(\.text), ["마바"], "가나 is once in shard a")
        // With min_frequency 1 every pair is merged and the loop runs out of pairs.
        let all = try WordPieceTrainer(options: WordPieceTrainerOptions(vocabSize: 100, minFrequency: 1))
            .train(countsAt: merged).run.vocabulary
        XCTAssertEqual(Set(all.tokens.filter { $0.kind == .merged }.map(\.text)), ["마바", "가나", "다라", "사아"])
        XCTAssertEqual(all.statistics.stopReason, .noPairsLeft)
    }
}
