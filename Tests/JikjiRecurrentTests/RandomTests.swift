import XCTest
import JikjiRecurrent

final class RandomTests: XCTestCase {
    func testSameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<8).map { _ in c.next() })
    }

    func testRestoredStateContinuesTheStream() {
        var a = SeededGenerator(seed: 7)
        _ = (0..<5).map { _ in a.next() }
        var restored = SeededGenerator(state: a.state)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in restored.next() })
    }

    func testUnitFloatsAreInRangeWithPlausibleMean() {
        var g = SeededGenerator(seed: 1)
        var sum: Float = 0
        for _ in 0..<100_000 {
            let x = g.nextUnitFloat()
            XCTAssert(x >= 0 && x < 1)
            sum += x
        }
        XCTAssertEqual(sum / 100_000, 0.5, accuracy: 0.01)
        var normals: Float = 0, squares: Float = 0
        for _ in 0..<100_000 { let z = g.nextNormal(); normals += z; squares += z * z }
        XCTAssertEqual(normals / 100_000, 0, accuracy: 0.02)
        XCTAssertEqual(squares / 100_000, 1, accuracy: 0.03)
    }
}
