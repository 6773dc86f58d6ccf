import Foundation
import XCTest
import JikjiData

final class CatalogAndStatisticsTests: XCTestCase {
    func testCatalogSavesListsLoadsAndDeletes() throws {
        let corpus = try temporaryFile("c.tsv", "text\tlabel\n좋은 영화\t1\n나쁜 영화 였다\t0\n")
        let folder = URL(fileURLWithPath: corpus).deletingLastPathComponent()
        let dbPath = folder.appendingPathComponent("db/jikji.sqlite").path
        let spec = DatasetSpec(kind: .classification, train: [corpus], text: ["text"], label: "label")
        let dataset = try DatasetBuilder(name: "tiny", spec: spec, encoder: WhitespaceEncoder()).build().dataset
        let catalog = try DatasetCatalog(path: dbPath)
        let entry = try catalog.save(dataset)
        XCTAssertTrue(FileManager.default.fileExists(atPath: entry.shardPath))
        XCTAssertEqual(entry.shardPath, folder.appendingPathComponent("db/datasets/tiny.jkds").path)
        XCTAssertThrowsError(try catalog.save(dataset)) { error in
            XCTAssertEqual(error as? DatasetCatalogError, .exists("tiny"))
        }
        XCTAssertNoThrow(try catalog.save(dataset, replace: true))
        // A second connection (another process) sees it.
        let reopened = try DatasetCatalog(path: dbPath)
        XCTAssertEqual(try reopened.list().map(\.name), ["tiny"])
        let loaded = try reopened.load("tiny")
        XCTAssertEqual(loaded.source, dataset.source)
        XCTAssertEqual(loaded.info.files.first?.fingerprint.sha256, dataset.info.files.first?.fingerprint.sha256)
        XCTAssertThrowsError(try reopened.load("nope")) { error in
            XCTAssertEqual(error as? DatasetCatalogError, .unknown("nope", available: ["tiny"]))
        }
        try reopened.delete("tiny")
        XCTAssertEqual(try catalog.list().count, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: entry.shardPath))
    }

    func testPercentilesAndHistogram() {
        let distribution = LengthDistribution([5, 1, 2, 3, 4, 6, 7, 8, 9, 10])
        XCTAssertEqual(distribution.percentile(50), 5)
        XCTAssertEqual(distribution.percentile(90), 9)
        XCTAssertEqual(distribution.percentile(100), 10)
        XCTAssertEqual(distribution.mean, 5.5)
        XCTAssertEqual(distribution.histogram(binWidth: 5), [5, 5])
        XCTAssertEqual(distribution.histogram(binWidth: 3), [3, 3, 3, 1])
        let text = distribution.textHistogram(bins: 2)
        XCTAssertEqual(text.split(separator: "\n").count, 2)
        XCTAssertTrue(text.hasPrefix(" 1-5  │"), text)
        let svg = distribution.svgHistogram(title: "a <b>")
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("a &lt;b&gt;"))
        XCTAssertEqual(svg.components(separatedBy: "<rect x=").count - 1, distribution.histogram(binWidth: distribution.niceBinWidth(bins: 40)).count)
    }

    /// On the real NSMC training file, bucketing pads far less than fixed length or random batches,
    /// and every review appears exactly once per epoch.
    func testNSMCBucketingPadsLessThanFixedLength() throws {
        let path = try JikjiTestSupportPaths.corpus("nsmc/ratings_train.txt")
        let spec = DatasetSpec(kind: .classification, train: [path], text: ["document"], label: "label",
                               split: SplitRatios(train: 0.8, valid: 0.2), seed: 42)
        let dataset = try DatasetBuilder(name: "nsmc", spec: spec, encoder: WhitespaceEncoder()).build().dataset
        XCTAssertEqual(dataset.count, 150_000)
        XCTAssertEqual(dataset.info.examples["train"], 120_000)
        XCTAssertEqual(dataset.info.examples["valid"], 30_000)
        let estimates = try DatasetStatistics(dataset: dataset).paddingEstimates(batchSize: 64, maxLength: 64)
        XCTAssertEqual(estimates.count, 3)
        let fixed = estimates[0].paddingFraction, random = estimates[1].paddingFraction, bucketed = estimates[2].paddingFraction
        XCTAssertLessThan(bucketed, fixed)
        XCTAssertLessThan(bucketed, random / 5)
        XCTAssertLessThan(random, fixed)
        let batches = try Batches(dataset: dataset, split: .train,
                                  options: BatchingOptions(size: .sentences(64), source: SequenceLayout(maxLength: 64), bucketPool: 100, seed: 1),
                                  epoch: 2)
        var seen = [UInt8](repeating: 0, count: dataset.count)
        for batch in batches.prefetched() {
            for index in batch.indices { seen[index] += 1 }
            XCTAssertLessThanOrEqual(batch.source.columns, 64)
        }
        for index in dataset.indices(of: .train) { XCTAssertEqual(seen[index], 1) }
        for index in dataset.indices(of: .valid) { XCTAssertEqual(seen[index], 0) }
    }
}
