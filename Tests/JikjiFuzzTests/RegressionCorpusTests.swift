import Foundation
import JikjiFuzzing
import XCTest

/// Every input a fuzzing run ever crashed on (`Regressions/<target>/NAME.rejected|.accepted`)
/// is run through its target again, and must now be refused or used as its name says.
final class RegressionCorpusTests: XCTestCase {
    func testEveryRegressionInputIsHandledAsItsNameSays() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            let folder = FuzzCorpusFiles.regressionFolder(target)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path), "missing \(folder.path)")
            for (name, bytes) in try FuzzCorpusFiles.regressionInputs(target) {
                let expected: FuzzOutcome
                switch (name as NSString).pathExtension {
                case "rejected": expected = .rejected
                case "accepted": expected = .accepted
                default:
                    XCTFail("\(target.rawValue)/\(name): the name must end in .rejected or .accepted")
                    continue
                }
                XCTAssertEqual(target.run(bytes), expected, "\(target.rawValue)/\(name)")
                replayed += 1
            }
        }
        print("replayed \(replayed) regression inputs")
    }
}
