import Foundation
import XCTest
import JikjiData

final class DatasetBuilderTests: XCTestCase {
    let reviews = """
    id\tmovie\trating\tdocument
    1\t7\t1\t최악 이다
    2\t7\t10\t정말 최고 의 영화
    3\t7\t6\t그냥 그래
    4\t8\t9\t좋았 어요 강추
    5\t8\tten\t라벨 이 이상
    6\t8\t4\t 
    7\t9\t3\t지루 했다

    """

    func spec(_ path: String, policy: BadRowPolicy) -> DatasetSpec {
        DatasetSpec(kind: .classification, train: [path], text: ["document"], label: "rating",
                    labelMap: try! LabelMapping(parsing: "1-4=0,9-10=1"), onBadRow: policy)
    }

    func testLabelMappingMapsRangesAndDropsTheRestWithCounts() throws {
        let path = try temporaryFile("reviews.tsv", reviews)
        let result = try DatasetBuilder(name: "r", spec: spec(path, policy: .skip), encoder: WhitespaceEncoder()).build()
        let dataset = result.dataset
        XCTAssertEqual(dataset.labels, [0, 1, 1, 0])
        XCTAssertEqual(dataset.source.lengths, [2, 4, 3, 2])
        XCTAssertEqual(dataset.source[1].map { $0 }, ["정말", "최고", "의", "영화"].map { WhitespaceEncoder.wordID($0) })
        XCTAssertEqual(dataset.info.rowsRead, 7)
        XCTAssertEqual(dataset.info.skipped, ["label not in mapping": 1, "unparseable label": 1, "empty text": 1])
        XCTAssertEqual(result.skippedRows.map(\.line), [4, 6, 7])
        XCTAssertEqual(dataset.info.labelCounts, ["0": 2, "1": 2])
        XCTAssertEqual(dataset.info.examples["train"], 4)
        XCTAssertEqual(dataset.info.vocabulary, "whitespace@1")
        XCTAssertEqual(dataset.info.files.first?.fingerprint.lines, 8)
    }

    func testFailPolicyStopsAtTheFirstBadRowButNotAtMappedOutLabels() throws {
        let path = try temporaryFile("reviews.tsv", reviews)
        XCTAssertThrowsError(try DatasetBuilder(name: "r", spec: spec(path, policy: .fail), encoder: WhitespaceEncoder()).build()) { error in
            guard let bad = error as? BadRow else { return XCTFail("expected BadRow, got \(error)") }
            // Line 4 (rating 6) is dropped by the mapping on purpose; line 6 ("ten") is the first real problem.
            XCTAssertEqual(bad.line, 6)
            XCTAssertEqual(bad.reason, .unparseableLabel)
            XCTAssertEqual(bad.file, path)
            XCTAssertTrue(bad.description.contains("'ten'"), bad.description)
        }
    }

    func testLabelMappingParsing() throws {
        let mapping = try LabelMapping(parsing: "1-4=0, 9-10=1, daily:2, -3=4")
        XCTAssertEqual(mapping.map("3"), 0)
        XCTAssertEqual(mapping.map("10"), 1)
        XCTAssertNil(mapping.map("5"))
        XCTAssertEqual(mapping.map("daily"), 2)
        XCTAssertEqual(mapping.map("-3"), 4)
        XCTAssertThrowsError(try LabelMapping(parsing: "1-4=zero"))
        XCTAssertThrowsError(try LabelMapping(parsing: "4-1=0"))
        let decoded = try JSONDecoder().decode(DatasetSpec.self, from: Data("""
            {"kind": "classification", "train": "x.tsv", "text": "document", "label": "rating",
             "labelMap": {"1-4": 0, "9-10": 1}, "split": "0.8,0.2", "seed": 7, "onBadRow": "skip"}
            """.utf8))
        XCTAssertEqual(decoded.labelMap?.map("2"), 0)
        XCTAssertEqual(decoded.split, SplitRatios(train: 0.8, valid: 0.2))
        XCTAssertEqual(decoded.text, ["document"])
        XCTAssertEqual(decoded.onBadRow, .skip)
    }

    /// A spec file is read as every other configuration file: its values, relative paths taken
    /// from its folder; its errors name the file, the line and the key (`spec.json:3: labelMap: …`).
    func testSpecFilesAreReadAsConfigurationWithFileLineAndKeyInErrors() throws {
        let good = try temporaryFile("spec-good.json", """
            {"kind": "classification", "train": "x.tsv", "text": "document", "label": "rating",
             "labelMap": {"9-10": 1, "1-4": 0}, "split": "0.8,0.2", "seed": 18446744073709551615,
             "onBadRow": "skip", "format": "tsv"}
            """)
        let spec = try DatasetSpec.load(path: good)
        let folder = URL(fileURLWithPath: good).deletingLastPathComponent()
        XCTAssertEqual(spec.train, [folder.appendingPathComponent("x.tsv").path])
        XCTAssertEqual(spec.labelMap?.text, "1-4=0,9-10=1")
        XCTAssertEqual(spec.split, SplitRatios(train: 0.8, valid: 0.2))
        XCTAssertEqual(spec.seed, UInt64.max)
        XCTAssertEqual(spec.format, .tsv)
        XCTAssertEqual(spec.onBadRow, .skip)
        let cases: [(String, String)] = [
            ("{\"train\": \"x.tsv\",\n \"text\": \"d\",\n \"labelMap\": \"1-4=zero\"}", ":3: labelMap: label mapping '1-4=zero'"),
            ("{\"train\": \"x.tsv\",\n \"kind\": \"regression\"}", ":2: kind: 'regression' is not allowed"),
            ("{\"train\": \"x.tsv\",\n\n \"seed\": -1}", ":3: seed: expected an integer in 0...18446744073709551615"),
            ("{\"train\": \"x.tsv\",\n \"lable\": \"y\"}", ":2: lable"),
            ("{\"train\": \"x.tsv\",\n \"split\": \"0.9,0.9\"}", ":2: split: split '0.9,0.9'"),
            ("{\"train\": [\"x.tsv\",\n {\"a\": 1}]}", ":2: train"),
        ]
        for (index, (text, expected)) in cases.enumerated() {
            let path = try temporaryFile("spec-bad-\(index).json", text)
            XCTAssertThrowsError(try DatasetSpec.load(path: path), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + expected), "\(error)\nexpected \(path)\(expected)")
            }
        }
    }

    func makeCorpus(rows: Int) -> String {
        var text = "text\tlabel\n"
        for i in 0..<rows { text += "문장 \(i) " + String(repeating: "가 ", count: i % 7) + "\t\(i % 2)\n" }
        return text
    }

    func testRatioSplitIsStableForASeedAndChangesWithIt() throws {
        let path = try temporaryFile("c.tsv", makeCorpus(rows: 1000))
        func build(seed: UInt64) throws -> EncodedDataset {
            let spec = DatasetSpec(kind: .classification, train: [path], text: ["text"], label: "label",
                                   split: SplitRatios(train: 0.8, valid: 0.2), seed: seed)
            return try DatasetBuilder(name: "s", spec: spec, encoder: WhitespaceEncoder(), chunkSize: 64).build().dataset
        }
        let a = try build(seed: 1), b = try build(seed: 1), c = try build(seed: 2)
        XCTAssertEqual(a.splits, b.splits)
        XCTAssertNotEqual(a.splits, c.splits)
        XCTAssertEqual(a.indices(of: .train).count, 800)
        XCTAssertEqual(a.indices(of: .valid).count, 200)
        XCTAssertEqual(a.info.examples, ["train": 800, "valid": 200, "test": 0])
        // Chunking must not change what is stored.
        let spec = DatasetSpec(kind: .classification, train: [path], text: ["text"], label: "label",
                               split: SplitRatios(train: 0.8, valid: 0.2), seed: 1)
        let big = try DatasetBuilder(name: "s", spec: spec, encoder: WhitespaceEncoder(), chunkSize: 100_000).build().dataset
        XCTAssertEqual(big.source, a.source)
        XCTAssertEqual(big.splits, a.splits)
    }

    func testSeparateFilesBecomeTheirSplits() throws {
        let train = try temporaryFile("train.tsv", makeCorpus(rows: 30))
        let test = try temporaryFile("test.tsv", makeCorpus(rows: 10))
        let spec = DatasetSpec(kind: .classification, train: [train], test: [test], text: ["text"], label: "label")
        let dataset = try DatasetBuilder(name: "f", spec: spec, encoder: WhitespaceEncoder()).build().dataset
        XCTAssertEqual(dataset.indices(of: .train), Array(0..<30))
        XCTAssertEqual(dataset.indices(of: .test), Array(30..<40))
        XCTAssertEqual(dataset.info.files.map(\.role), ["train", "test"])
    }

    func testPairsKeepSourceAndTargetAndRejectEmptySides() throws {
        let path = try temporaryFile("chat.csv", "Q,A,label\n안녕 하세요,반가워 요,0\n\"질문, 둘\",,1\n어디 가,집 에 가요 지금,2\n")
        let spec = DatasetSpec(kind: .pairs, train: [path], label: "label", source: "Q", target: "A", onBadRow: .skip)
        let result = try DatasetBuilder(name: "p", spec: spec, encoder: WhitespaceEncoder()).build()
        XCTAssertEqual(result.dataset.source.lengths, [2, 2])
        XCTAssertEqual(result.dataset.target?.lengths, [2, 4])
        XCTAssertEqual(result.dataset.labels, [0, 2])
        XCTAssertEqual(result.skippedRows.map(\.reason), [.emptyText])
        XCTAssertEqual(result.skippedRows.first?.line, 3)
    }

    func testShardRoundTripsEverySection() throws {
        let path = try temporaryFile("chat.csv", "Q,A,label\n안녕 하세요,반가워 요,0\n어디 가,집 에 가요 지금,2\n")
        let spec = DatasetSpec(kind: .pairs, train: [path], label: "label", source: "Q", target: "A")
        let dataset = try DatasetBuilder(name: "p", spec: spec, encoder: WhitespaceEncoder()).build().dataset
        let shard = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("p.jkds").path
        try ShardFile.write(dataset, to: shard)
        let loaded = try ShardFile.read(path: shard)
        XCTAssertEqual(loaded.source, dataset.source)
        XCTAssertEqual(loaded.target, dataset.target)
        XCTAssertEqual(loaded.labels, dataset.labels)
        XCTAssertEqual(loaded.splits, dataset.splits)
        XCTAssertEqual(loaded.info, dataset.info)
        XCTAssertEqual(try ShardFile.readInfo(path: shard), dataset.info)
        // A file that is not a shard is a clear error.
        XCTAssertThrowsError(try ShardFile.read(path: path)) { error in
            XCTAssertEqual(error as? ShardError, .notAShard(path))
        }
        // A truncated shard is detected, not read as garbage.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: shard))
        XCTAssertThrowsError(try ShardFile.read(path: shard))
    }

    func testEmptyCorpusIsAnError() throws {
        let path = try temporaryFile("e.tsv", "text\tlabel\n")
        let spec = DatasetSpec(kind: .classification, train: [path], text: ["text"], label: "label")
        XCTAssertThrowsError(try DatasetBuilder(name: "e", spec: spec, encoder: WhitespaceEncoder()).build()) { error in
            XCTAssertTrue("\(error)".contains("no examples"), "\(error)")
        }
    }
}
