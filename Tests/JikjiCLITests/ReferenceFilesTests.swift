import XCTest
import JikjiTestSupport

final class CLISmokeTests: XCTestCase {
    /// The binary runs and reports its version.
    func testVersion() throws {
        let result = try JikjiCommand.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }
}
