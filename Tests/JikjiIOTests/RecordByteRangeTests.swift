import Foundation
import JikjiIO
import JikjiTestSupport
import XCTest

/// `RecordBlockReader(path:format:byteRange:)` and `InputShard`: however a file is cut, the
/// shards read every record exactly once, whole, and their parts laid end to end are the file.
final class RecordByteRangeTests: XCTestCase {
    /// Every record of the file read in `ranges`, in order, as raw bytes, and each range's part.
    private func read(_ path: String, format: RecordFormat, ranges: [Range<Int64>], blockSize: Int)
        throws -> (records: [[UInt8]], parts: [(start: Int64, bytes: [UInt8], lines: Int)]) {
        var records: [[UInt8]] = []
        var parts: [(start: Int64, bytes: [UInt8], lines: Int)] = []
        for range in ranges {
            var reader = try RecordBlockReader(path: path, format: format, blockSize: blockSize, byteRange: range)
            var bytes: [UInt8] = []
            var lines = 0
            while let block = try reader.next() {
                for record in block.records { records.append(Array(block.bytes[record])) }
                bytes += block.bytes
                lines += block.physicalLines
            }
            if let start = reader.partStart { parts.append((start, bytes, lines)) }
        }
        return (records, parts)
    }

    private func wholeRecords(_ path: String, format: RecordFormat) throws -> [[UInt8]] {
        var reader = try RecordBlockReader(path: path, format: format)
        var records: [[UInt8]] = []
        while let block = try reader.next() {
            for record in block.records { records.append(Array(block.bytes[record])) }
        }
        return records
    }

    private func check(_ text: String, name: String, format: RecordFormat, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try TempFolder()
        let path = try folder.file(name, text: text)
        let whole = try wholeRecords(path, format: format)
        let size = Int64(text.utf8.count)
        var generator = SystemRandomNumberGenerator()
        // Every single cut point, then random multi-way cuts, with a small block so records cross blocks.
        var cuttings: [[Int64]] = (0...size).map { [$0] }
        for _ in 0..<40 { cuttings.append((0..<Int.random(in: 2...9, using: &generator)).map { _ in Int64.random(in: 0...size, using: &generator) }) }
        for cuts in cuttings {
            let points = ([0] + cuts.sorted() + [size])
            let ranges = zip(points, points.dropFirst()).map { $0.0..<$0.1 }
            for blockSize in [16, 1 << 16] {
                let (records, parts) = try read(path, format: format, ranges: ranges, blockSize: blockSize)
                XCTAssertEqual(records, whole, "\(name) cut at \(cuts), block \(blockSize)", file: file, line: line)
                XCTAssertEqual(parts.flatMap(\.bytes), Array(text.utf8), "\(name): parts laid end to end are the file", file: file, line: line)
                var expectedStart: Int64 = 0
                for part in parts {
                    XCTAssertEqual(part.start, expectedStart, "\(name) cut at \(cuts)", file: file, line: line)
                    expectedStart += Int64(part.bytes.count)
                }
                let physical = text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + (text.utf8.last == 0x0A ? 0 : 1)
                XCTAssertEqual(parts.reduce(0) { $0 + $1.lines }, physical, "\(name): lines add up", file: file, line: line)
            }
        }
    }

    func testLinesAreReadOnceWhateverTheCuts() throws {
        try check("가나다\n\nab c\r\nlast line without newline", name: "a.txt", format: .lines)
        try check("\u{FEFF}bom first\nsecond\n", name: "b.txt", format: .lines)
    }

    func testTSVWithHeaderIsReadOnce() throws {
        try check("id\tdocument\n1\t좋아요\n2\t별로\n3\t\n4\t끝\n", name: "c.tsv", format: .tsv)
    }

    /// A quoted CSV field spanning lines is never cut, even when a range starts inside it.
    func testCSVRecordsSpanningLinesAreNotCut() throws {
        try check("Q,A\n\"one\nline two\",x\nplain,y\n\"a \"\"quote\"\"\n\n\",z\nend,w", name: "d.csv", format: .csv)
    }

    func testJSONLIsReadOnce() throws {
        try check("{\"text\":\"a\"}\n{\"text\":\"b\\nc\"}\n{\"text\":\"d\"}\n", name: "e.jsonl", format: .jsonl)
    }

    /// Shards of a file list: equal byte ranges over the files laid end to end, no byte twice.
    func testShardRangesTileTheFiles() throws {
        let sizes: [Int64] = [10, 0, 7, 100]
        for count in 1...12 {
            var covered = sizes.map { [Bool](repeating: false, count: Int($0)) }
            for index in 0..<count {
                let ranges = try InputShard(index: index, count: count).byteRanges(sizes: sizes)
                for (file, range) in ranges.enumerated() {
                    guard let range else { continue }
                    for byte in range {
                        XCTAssertFalse(covered[file][Int(byte)], "byte \(byte) of file \(file) in two shards of \(count)")
                        covered[file][Int(byte)] = true
                    }
                }
            }
            XCTAssertTrue(covered.allSatisfy { $0.allSatisfy { $0 } }, "every byte in a shard of \(count)")
        }
        XCTAssertEqual(try InputShard(parsing: "3/8"), try InputShard(index: 3, count: 8))
        XCTAssertThrowsError(try InputShard(parsing: "8/8"))
        XCTAssertThrowsError(try InputShard(parsing: "1/0"))
        XCTAssertThrowsError(try InputShard(parsing: "two"))
        XCTAssertThrowsError(try InputShard.sizes(of: ["-"]))
    }
}
