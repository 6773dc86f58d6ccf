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

final class ConfigJSONTests: XCTestCase {
    func testKeepsKeyOrderScalarsAsWrittenAndLines() throws {
        let json = """
            {"z": 1, "a": [true, null, -2.50e1],
             "s": "tab\\t quote\\" slash\\/ \\u00e9 \\ud83d\\ude00 한"}
            """
        let tree = try ConfigValue.parse(json: json, source: "t.json")
        guard case let .mapping(pairs, _) = tree else { return XCTFail("\(tree)") }
        XCTAssertEqual(pairs.map(\.key), ["z", "a", "s"])
        XCTAssertEqual(tree["a"], .list([.scalar("true", at: nil), .scalar("null", at: nil), .scalar("-2.50e1", at: nil)], at: nil))
        XCTAssertEqual(tree["s"], .scalar("tab\t quote\" slash/ é 😀 한", at: nil))
        XCTAssertEqual(tree["s"]?.location, ConfigLocation(source: "t.json", line: 2))
        XCTAssertTrue(tree["a"]?.isNull == false)
    }

    func testErrorsNameTheLine() {
        for (text, fragment) in [("{\"a\": 1,\n \"a\": 2}", "t.json:2: a: the key appears twice"),
                                 ("{\"a\": [1, 2}", "t.json:1: not valid JSON: expected ',' or ']', found '}'"),
                                 ("{\"a\": tru}", "t.json:1: not valid JSON: 'tru' is not a JSON value"),
                                 ("{\"a\": 01}", "t.json:1: not valid JSON"),
                                 ("{\"a\": \"x\n\"}", "t.json:1: not valid JSON: a string is not closed on its line"),
                                 ("", "t.json:1: not valid JSON: the text is empty"),
                                 ("{} {}", "t.json:1: not valid JSON: '{' after the value")] {
            XCTAssertThrowsError(try ConfigValue.parse(json: text, source: "t.json")) { error in
                XCTAssertTrue("\(error)".hasPrefix(fragment), "\(text): \(error)")
            }
        }
    }
}

final class ConfigOverrideTests: XCTestCase {
    func testSetCreatesMappingsAndParsesTheValueAsYAML() throws {
        var tree = try ConfigValue.parse(yaml: "model: {hidden: 128}\n", source: "j.yaml")
        try tree.apply(overrides: ["model.hidden=256", "model.encoder.cells=[lstm, gru]", "name="])
        XCTAssertEqual(tree.yaml(), "model:\n  hidden: 256\n  encoder:\n    cells: [lstm, gru]\nname: ''\n")
        XCTAssertEqual(tree["model"]?["hidden"]?.location, ConfigLocation(source: "--set"))
        XCTAssertEqual(tree["model"]?.location, ConfigLocation(source: "j.yaml", line: 1))
        for (override, message) in [("model", "--set: 'model': expected key.path=value"),
                                    ("model..x=1", "--set: model..x: the key path has an empty part"),
                                    ("model.hidden.x=1", "--set: model.hidden.x: 'x' is inside a value that is not a mapping")] {
            var copy = tree
            XCTAssertThrowsError(try copy.apply(overrides: [override])) { XCTAssertEqual("\($0)", message) }
        }
    }
}

final class ConfigReaderTests: XCTestCase {
    enum Colour: String, CaseIterable { case red, green, blue }

    func testTypedValuesDefaultsAndResolvedTree() throws {
        let tree = try ConfigValue.parse(yaml: "n: 1_000\nx: 2\nb: yes\nc: green\nl: one\no: null\n", source: "r.yaml")
        let r = try ConfigReader(tree)
        XCTAssertEqual(try r.int("n", default: 0), 1000)
        XCTAssertEqual(try r.double("x", default: 0), 2)
        XCTAssertEqual(try r.bool("b", default: false), true)
        XCTAssertEqual(try r.choice("c", default: Colour.red), .green)
        XCTAssertEqual(try r.stringList("l", default: []), ["one"])
        XCTAssertNil(try r.optionalInt("o"))
        XCTAssertEqual(try r.choice("missing", default: Colour.blue), .blue)
        try r.finish()
        XCTAssertEqual(r.resolvedTree.yaml(), "n: 1000\nx: 2.0\nb: true\nc: green\nl: [one]\no: null\nmissing: blue\n")
    }

    /// Issue 13: resolved files write a real YAML null for an absent optional (not the string
    /// `'null'`), and it reads back as absent.
    func testResolvedNullIsYAMLNull() throws {
        let r = try ConfigReader(try ConfigValue.parse(yaml: "a: 1\n", source: "r.yaml"))
        XCTAssertNil(try r.optionalString("pipeline"))
        XCTAssertNil(try r.optionalInt("limit"))
        _ = try r.int("a", default: 0)
        let text = r.resolvedTree.yaml()
        XCTAssertEqual(text, "pipeline: null\nlimit: null\na: 1\n")
        let back = try ConfigReader(try ConfigValue.parse(yaml: text, source: "back.yaml"))
        XCTAssertNil(try back.optionalString("pipeline"))
        XCTAssertNil(try back.optionalInt("limit"))
    }

    func testErrorsHaveOneStyle() throws {
        let tree = try ConfigValue.parse(yaml: "top:\n  c: purple\n  n: 0\n  m: [1]\n  extra: 1\n", source: "r.yaml")
        let checks: [(String, (ConfigReader) throws -> Void)] = [
            ("r.yaml:2: top.c: 'purple' is not allowed; allowed: red, green, blue", { _ = try $0.choice("c", default: Colour.red) }),
            ("r.yaml:2: top.c: 'purple' is not allowed; allowed: red, blue", { _ = try $0.choice("c", default: Colour.red, allowed: [.red, .blue]) }),
            ("r.yaml:3: top.n: '0' is not allowed; allowed: 1...10", { _ = try $0.int("n", default: 1, range: 1...10) }),
            ("r.yaml:4: top.m: expected an integer, found a list", { _ = try $0.int("m", default: 1) }),
            ("r.yaml:2: top.c: expected true or false, found 'purple'", { _ = try $0.bool("c", default: true) }),
            ("r.yaml:2: top.q: missing; say what q is", { _ = try $0.requiredString("q", what: "say what q is") }),
            ("r.yaml:2: top.c: unknown key; allowed: n", { _ = try $0.int("n", default: 0); try $0.finish() }),
        ]
        for (message, check) in checks {
            let root = try ConfigReader(tree)
            XCTAssertThrowsError(try root.section("top", check)) { XCTAssertEqual("\($0)", message) }
        }
    }
}
