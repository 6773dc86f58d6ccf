@testable import JikjiWordPiece
import XCTest

/// The id-line table (``IdDecimals``) writes what `String(id)` spells, inside and outside the
/// table, at every carry (9 → 10, 99 → 100, …).
final class IdDecimalsTests: XCTestCase {
    private func line(_ ids: [Int32], _ table: IdDecimals) -> String {
        var out: [UInt8] = []
        ids.withUnsafeBufferPointer { table.appendLine($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    func testLinesEqualDecimalText() {
        let table = IdDecimals(count: 1_000_000)
        var ids: [Int32] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10_000, 99_999, 100_000, 999_999,
                            1_000_000, 1_000_001, 123_456_789, Int32.max, -1, Int32.min]
        var state: UInt64 = 7
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            ids.append(Int32(truncatingIfNeeded: state >> 40) % 1_200_000)
        }
        XCTAssertEqual(line(ids, table), ids.map(String.init).joined(separator: " ") + "\n")
        XCTAssertEqual(line([], table), "\n")
        XCTAssertEqual(line([42], IdDecimals(count: 0)), "42\n")
        XCTAssertEqual(line([30_521, 5, 30_522], IdDecimals(count: 30_522)), "30521 5 30522\n")
    }
}
