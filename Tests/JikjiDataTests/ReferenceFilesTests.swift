import XCTest
import JikjiTestSupport

/// The reference outputs and corpora this suite's parity tests read must be present.
final class JikjiDataReferenceFilesTests: XCTestCase {
    func testReferenceAndCorporaArePresent() throws {
        _ = try ProjectPaths.reference("hf/settings.json")
        _ = try ProjectPaths.corpus("nsmc/ratings_train.txt")
    }
}
