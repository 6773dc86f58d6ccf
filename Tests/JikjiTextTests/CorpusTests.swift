import JikjiIO
import Foundation
import XCTest
import JikjiText
import JikjiTestSupport

/// Whole-corpus checks on NSMC (the corpora must be present: these fail, never skip).
final class CorpusTests: XCTestCase {
    /// Cleans `texts` as one batch of NUL-separated segments and returns the cleaned texts.
    private func cleanBatch(_ cleaner: TextCleaner, _ batch: [UInt8]) throws -> [ArraySlice<UInt8>] {
        var output = [UInt8]()
        try batch.withUnsafeBufferPointer { _ = try cleaner.cleanSegments($0, into: &output) }
        return output.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { $0 }
    }

    /// The benchmark pipeline gives, on every review of reviews_test.tsv, exactly what Python's
    /// unicodedata + re reference (bench/clean_reference.py) gives. The expected figures were
    /// computed by that script: row count, rows changed, bytes and FNV-1a-64 of the cleaned
    /// documents joined by newlines.
    func testBenchmarkPipelineMatchesThePythonReference() throws {
        let pipeline = try CleaningPipeline(yaml: "steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace]")
        let cleaner = try TextCleaner(pipeline: pipeline)
        var reader = try RecordReader(path: ProjectPaths.corpus("nsmc/reviews_test.tsv").path, format: .tsv,
                                      columns: ["document"])
        var originals = [UInt8](), batch = [UInt8](), joined = [UInt8]()
        var rows = 0, changed = 0
        func flush() throws {
            let before = originals.split(separator: 0, omittingEmptySubsequences: false).dropLast()
            let after = try cleanBatch(cleaner, batch)
            XCTAssertEqual(before.count, after.count)
            for (a, b) in zip(before, after) {
                if a != b { changed += 1 }
                if !joined.isEmpty || rows > 0 { joined.append(0x0A) }
                joined.append(contentsOf: b)
                rows += 1
            }
            originals.removeAll(keepingCapacity: true)
            batch.removeAll(keepingCapacity: true)
        }
        while let record = try reader.next() {
            let field = Array(record.values[0].utf8)
            originals.append(contentsOf: field); originals.append(0)
            batch.append(contentsOf: field); batch.append(0)
            if batch.count > 1 << 20 { try flush() }
        }
        try flush()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in joined { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        XCTAssertEqual(rows, 72_274)
        XCTAssertEqual(changed, 21_663)
        XCTAssertEqual(joined.count, 6_321_017)
        XCTAssertEqual(String(hash, radix: 16), "bc7e6d89a6aee6dc")
    }

    /// Syllables → jamo → syllables gives back every line of every NSMC file exactly, and the
    /// jamo form has no precomposed syllable left.
    func testJamoRoundTripOnEveryNSMCLine() throws {
        let toJamo = try TextCleaner(pipeline: CleaningPipeline(steps: [.hangulToJamo]))
        let toHangul = try TextCleaner(pipeline: CleaningPipeline(steps: [.jamoToHangul]))
        for name in ["ratings_train.txt", "ratings_test.txt", "reviews_train.tsv", "reviews_test.tsv"] {
            var reader = try RecordBlockReader(path: ProjectPaths.corpus("nsmc/" + name).path, format: .lines)
            var batch = [UInt8](), lines = 0
            func check() throws {
                var jamo = [UInt8](), back = [UInt8]()
                try batch.withUnsafeBufferPointer { _ = try toJamo.cleanSegments($0, into: &jamo) }
                // Precomposed syllables U+AC00…U+D7A3 are 3-byte sequences led by EA…ED.
                var syllables = 0
                var i = 0
                while i + 2 < jamo.count {
                    let b = jamo[i]
                    if b >= 0xEA && b <= 0xED {
                        let scalar = (UInt32(b & 0x0F) << 12) | (UInt32(jamo[i + 1] & 0x3F) << 6) | UInt32(jamo[i + 2] & 0x3F)
                        if (0xAC00...0xD7A3).contains(scalar) { syllables += 1 }
                        i += 3
                    } else {
                        i += 1
                    }
                }
                XCTAssertEqual(syllables, 0, name)
                try jamo.withUnsafeBufferPointer { _ = try toHangul.cleanSegments($0, into: &back) }
                if back != batch {
                    let a = batch.split(separator: 0, omittingEmptySubsequences: false)
                    let b = back.split(separator: 0, omittingEmptySubsequences: false)
                    let first = a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? 0
                    XCTFail("\(name): round trip differs near line \(lines - a.count + first + 2): "
                            + String(decoding: a[first], as: UTF8.self))
                }
                batch.removeAll(keepingCapacity: true)
            }
            while let block = try reader.next() {
                for record in block.records {
                    batch.append(contentsOf: block.bytes[record])
                    batch.append(0)
                    lines += 1
                    if batch.count > 1 << 22 { try check() }
                }
            }
            try check()
            XCTAssertGreaterThan(lines, 20_000, name)
        }
    }
}
