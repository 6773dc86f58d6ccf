import XCTest
import JikjiConfig

final class ConfigValueTests: XCTestCase {
    func testYamlRendersNestedMappingsListsAndQuotedScalars() throws {
        let tree = try ConfigValue.parse(yaml: "a: 1\nb: {c: [x, 'y z'], d: ''}\ne:\n  - {f: 2}\n", source: "t")
        let text = tree.yaml()
        XCTAssertEqual(text, "a: 1\nb:\n  c: [x, 'y z']\n  d: ''\ne:\n  - f: 2\n")
        XCTAssertEqual(try ConfigValue.parse(yaml: text, source: "t"), tree)
    }
}
