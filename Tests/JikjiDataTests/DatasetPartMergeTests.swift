import Foundation
import JikjiData
import JikjiIO
import JikjiTestSupport
import XCTest

/// `dataset build --shard I/N` and `dataset merge`: the parts of any number of shards, merged
/// in any order, are the dataset of one build (examples, ids, labels, splits and counts).
final class DatasetPartMergeTests: XCTestCase {
    private func parts(_ spec: DatasetSpec, count: Int, folder: TempFolder) throws -> [(file: String, dataset: EncodedDataset)] {
        try (0..<count).map { index in
            var builder = DatasetBuilder(name: "d", spec: spec, encoder: WhitespaceEncoder(), chunkSize: 500)
            builder.shard = try InputShard(index: index, count: count)
            let dataset = try builder.build().dataset
            XCTAssertEqual(dataset.info.part, InputShardNumber(index: index, count: count))
            // Through the part file, as dataset merge reads it.
            let path = folder.url.appendingPathComponent("p\(index).jkds").path
            try ShardFile.write(dataset, to: path)
            return (path, try ShardFile.read(path: path))
        }
    }

    private func assertSame(_ merged: EncodedDataset, _ whole: EncodedDataset, _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(merged.source, whole.source, message, file: file, line: line)
        XCTAssertEqual(merged.target, whole.target, message, file: file, line: line)
        XCTAssertEqual(merged.labels, whole.labels, message, file: file, line: line)
        XCTAssertEqual(merged.splits, whole.splits, message, file: file, line: line)
        let a = merged.info, b = whole.info
        XCTAssertEqual(a.examples, b.examples, message, file: file, line: line)
        XCTAssertEqual(a.labelCounts, b.labelCounts, message, file: file, line: line)
        XCTAssertEqual(a.skipped, b.skipped, message, file: file, line: line)
        XCTAssertEqual(a.rowsRead, b.rowsRead, message, file: file, line: line)
        XCTAssertEqual(a.sourceTokens, b.sourceTokens, message, file: file, line: line)
        XCTAssertEqual(a.targetTokens, b.targetTokens, message, file: file, line: line)
        XCTAssertEqual(a.spec, b.spec, message, file: file, line: line)
        XCTAssertNil(a.part, message, file: file, line: line)
        // The parts' bytes add up to the files read.
        XCTAssertEqual(a.files.map(\.fingerprint.bytes).reduce(0, +), b.files.map(\.fingerprint.bytes).reduce(0, +), message,
                       file: file, line: line)
    }

    /// NSMC reviews with a ratio split: 1, 2 and 5 shards, merged in shuffled order.
    func testClassificationPartsMergeIntoTheSingleBuild() throws {
        let path = try JikjiTestSupportPaths.corpus("nsmc/ratings_test.txt")
        let spec = DatasetSpec(kind: .classification, train: [path], text: ["document"], label: "label",
                               split: SplitRatios(train: 0.8, valid: 0.2), seed: 7)
        let whole = try DatasetBuilder(name: "d", spec: spec, encoder: WhitespaceEncoder(), chunkSize: 500).build().dataset
        let folder = try TempFolder()
        for count in [1, 2, 5] {
            var built = try parts(spec, count: count, folder: folder)
            built.reverse()
            let merged = try DatasetPartMerger.merge(built, name: "merged", toolVersion: "test")
            XCTAssertEqual(merged.info.name, "merged")
            assertSame(merged, whole, "\(count) shards")
        }
    }

    /// Chatbot pairs with train and valid files, bad rows skipped: the shards cut across both files.
    func testPairsWithFileRolesMergeIntoTheSingleBuild() throws {
        let folder = try TempFolder()
        let chatbot = try JikjiTestSupportPaths.corpus("chatbot/ChatbotData.csv")
        let valid = try folder.file("valid.csv", text: "Q,A,label\n\"안녕\n하세요\",\"네, 반가워요\",0\n,빈 질문,1\n잘 가,\"또 봐요\",0\n")
        var spec = DatasetSpec(kind: .pairs, train: [chatbot], valid: [valid])
        spec.source = "Q"
        spec.target = "A"
        spec.onBadRow = .skip
        let whole = try DatasetBuilder(name: "d", spec: spec, encoder: WhitespaceEncoder(), chunkSize: 500).build().dataset
        XCTAssertGreaterThan(whole.info.examples["valid"] ?? 0, 0)
        for count in [2, 7] {
            let built = try parts(spec, count: count, folder: folder)
            let merged = try DatasetPartMerger.merge([built[1]] + built.dropFirst(2) + [built[0]], name: "m", toolVersion: "test")
            assertSame(merged, whole, "\(count) shards")
        }
    }

    /// Missing, repeated, whole and differently built parts are refused, each by name.
    func testIncompleteOrMismatchedPartsAreRefused() throws {
        let path = try JikjiTestSupportPaths.corpus("nsmc/ratings_test.txt")
        let spec = DatasetSpec(kind: .classification, train: [path], text: ["document"], label: "label")
        let folder = try TempFolder()
        let three = try parts(spec, count: 3, folder: folder)
        XCTAssertThrowsError(try DatasetPartMerger.merge([three[0], three[2]], name: "m", toolVersion: "t")) { error in
            XCTAssertEqual("\(error)", "the parts do not make a whole corpus: missing shard(s) 1/3")
        }
        XCTAssertThrowsError(try DatasetPartMerger.merge([three[0], three[1], three[1], three[2]], name: "m", toolVersion: "t")) { error in
            XCTAssertTrue("\(error)".contains("shard(s) given twice: 1/3"), "\(error)")
        }
        let whole = try DatasetBuilder(name: "d", spec: spec, encoder: WhitespaceEncoder()).build().dataset
        XCTAssertThrowsError(try DatasetPartMerger.merge([three[0], ("whole.jkds", whole)], name: "m", toolVersion: "t")) { error in
            XCTAssertTrue("\(error)".contains("whole.jkds is a whole dataset"), "\(error)")
        }
        var other = spec
        other.seed = 99
        let otherParts = try parts(other, count: 3, folder: try TempFolder())
        XCTAssertThrowsError(try DatasetPartMerger.merge([three[0], three[1], otherParts[2]], name: "m", toolVersion: "t")) { error in
            XCTAssertTrue("\(error)".contains("was built with another dataset spec"), "\(error)")
        }
        let two = try parts(spec, count: 2, folder: try TempFolder())
        XCTAssertThrowsError(try DatasetPartMerger.merge([three[0], two[1]], name: "m", toolVersion: "t")) { error in
            XCTAssertTrue("\(error)".contains("another shard count (2 vs 3)"), "\(error)")
        }
    }
}
