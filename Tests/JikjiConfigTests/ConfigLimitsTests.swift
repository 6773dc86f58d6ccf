import XCTest
import JikjiConfig

/// Hostile or broken texts are errors naming the source and line, never a crash or a memory blow-up.
final class ConfigLimitsTests: XCTestCase {
    /// Asserts that `body` throws a ``ConfigError`` of `kind` whose description starts with `prefix`.
    private func assertRefused(_ kind: ConfigError.Kind, _ prefix: String, file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, kind, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix(prefix), "\(error)", file: file, line: line)
        }
    }

    func testDeepFlowNestingIsRefusedBeforeParsing() {
        let deep = String(repeating: "[", count: 8000) + String(repeating: "]", count: 8000)
        assertRefused(.tooDeep, "deep.yaml:1: nested more than 64 levels deep") {
            _ = try ConfigValue.parse(yaml: "steps: " + deep, source: "deep.yaml")
        }
        assertRefused(.tooDeep, "deep.yaml:4: nested more than 64 levels deep") {
            _ = try ConfigValue.parse(yaml: "a: 1\n\nsteps:\n  - " + deep, source: "deep.yaml")
        }
        assertRefused(.tooDeep, "--set x:1: nested more than 64 levels deep") {
            var tree = ConfigValue.mapping([], at: nil)
            try tree.set(path: "x", yamlValue: deep)
        }
        assertRefused(.tooDeep, "deep.json:1: nested more than 64 levels deep") {
            _ = try ConfigValue.parse(json: deep, source: "deep.json")
        }
        // Flow mappings count too, and a text just inside the limit is read.
        let mappings = String(repeating: "{a: ", count: 70) + "1" + String(repeating: "}", count: 70)
        assertRefused(.tooDeep, "m.yaml:1:") { _ = try ConfigValue.parse(yaml: mappings, source: "m.yaml") }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        XCTAssertNoThrow(try ConfigValue.parse(yaml: fine, source: "fine.yaml"))
        XCTAssertNoThrow(try ConfigValue.parse(json: fine, source: "fine.json"))
    }

    func testDeepBlockNestingIsRefusedBeforeParsing() {
        var indented = ""
        for level in 0..<100 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        assertRefused(.tooDeep, "block.yaml:65:") { _ = try ConfigValue.parse(yaml: indented, source: "block.yaml") }
        let dashes = String(repeating: "- ", count: 100) + "x\n"
        assertRefused(.tooDeep, "dashes.yaml:1:") { _ = try ConfigValue.parse(yaml: dashes, source: "dashes.yaml") }
    }

    func testBracketsInQuotesCommentsAndBlockScalarsAreNotNesting() throws {
        let brackets = String(repeating: "[", count: 200)
        let yaml = """
            a: '\(brackets)'
            b: "\(brackets) \\" \(brackets)"
            c: x\(brackets)
            # \(brackets)
            d: |
              \(brackets)
              {{{{ \(brackets)
            e: [1, '[', "{", 2]  # \(brackets)
            """
        let tree = try ConfigValue.parse(yaml: yaml, source: "ok.yaml")
        XCTAssertEqual(tree["a"], .scalar(brackets, at: nil))
        XCTAssertEqual(tree["c"], .scalar("x" + brackets, at: nil))
        XCTAssertEqual(tree["d"], .scalar("\(brackets)\n{{{{ \(brackets)\n", at: nil))
        XCTAssertEqual(tree["e"], .list([.scalar("1", at: nil), .scalar("[", at: nil), .scalar("{", at: nil), .scalar("2", at: nil)], at: nil))
    }

    func testAliasExpansionIsBounded() {
        // "Billion laughs": 1 KB of nested aliases that would expand to 9^9 values.
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            let previous = "*a\(level - 1)"
            yaml += "a\(level): &a\(level) [" + Array(repeating: previous, count: 9).joined(separator: ", ") + "]\n"
        }
        XCTAssertLessThan(yaml.utf8.count, 1024)
        assertRefused(.tooLarge, "laughs.yaml:") { _ = try ConfigValue.parse(yaml: yaml, source: "laughs.yaml") }
        // Aliases that nest a deep anchor inside another are deep once expanded.
        let inner = String(repeating: "[", count: 40) + "x" + String(repeating: "]", count: 40)
        let deep = "a: &a \(inner)\nb: &b " + String(repeating: "[", count: 40) + "*a" + String(repeating: "]", count: 40) + "\n"
        assertRefused(.tooDeep, "alias.yaml:") { _ = try ConfigValue.parse(yaml: deep, source: "alias.yaml") }
        // Ordinary aliases still work.
        XCTAssertEqual(try ConfigValue.parse(yaml: "a: &x [1, 2]\nb: *x\n", source: "ok.yaml")["b"],
                       .list([.scalar("1", at: nil), .scalar("2", at: nil)], at: nil))
    }
}
