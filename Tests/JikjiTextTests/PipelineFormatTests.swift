import JikjiIO
import Foundation
import XCTest
import JikjiConfig
import JikjiTestSupport
import JikjiText

/// Pipelines as data: YAML/JSON reading, writing back, presets, and errors naming step and key.
final class PipelineFormatTests: XCTestCase {
    /// A pipeline using every step, with non-default parameters where a step has them.
    private let everyStep = CleaningPipeline(steps: [
        .normalize(.nfc), .normalize(.nfd), .normalize(.nfkc), .normalize(.nfkd), .normalize(.nfkcCasefold),
        .nfkcKeepingCompatibilityJamo, .lowercase, .casefold, .hangulToJamo, .jamoToHangul, .compatibilityJamoToConjoining,
        .conjoiningJamoToCompatibility, .htmlTags(replace: " "), .urls(replace: "<url>"),
        .emails(replace: "\"$mail\\\""), .collapseWhitespace, .stripControl,
        .punctuationToSpace(except: "'\u{B7}", symbols: false), .hangulOnly(latin: false, digits: true, keep: "?!"),
        .repeatLimit(max: 2, unit: 3, digits: false), .repeatLimit(max: 4, unit: 1, digits: false), .repeatLimit(max: 2, unit: 3, digits: true),
        .regex(pattern: #"(\d+)\s*원"#, replace: "$1원", ignoreCase: true), .transliterate(id: "Hangul-Latin"),
        .htmlTags(replace: "\u{1}\t\n\u{7F}\u{85}\u{A0}\u{2028}\u{FEFF}\u{FFFE}😀'\"\\ #: - [x] {y}"),
        .hangulOnly(latin: true, digits: false, keep: "yes"), .punctuationToSpace(except: "true", symbols: true),
    ])

    func testReadsTheIssueExample() throws {
        let pipeline = try CleaningPipeline(yaml: "steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace]")
        XCTAssertEqual(pipeline.steps, [.normalize(.nfkc), .htmlTags(replace: " "), .repeatLimit(max: 2, unit: 3, digits: false),
                                        .collapseWhitespace])
        XCTAssertEqual(pipeline.yamlString, """
            steps:
              - nfkc
              - html-tags
              - repeat-limit: 2
              - collapse-whitespace

            """)
        XCTAssertEqual(pipeline.jsonString,
                       #"{"steps":["nfkc","html-tags",{"repeat-limit":2},"collapse-whitespace"]}"#)
    }

    func testBlockYAMLWithParameters() throws {
        let yaml = """
            # comments are fine
            steps:
              - lowercase
              - punctuation-to-space:
                  except: "'"
              - repeat-limit: {max: 3, unit: 2}
              - regex: {pattern: '(\\d+)원', replace: '$1 won'}
              - transliterate: Hangul-Latin
              - nfc:
            """
        let pipeline = try CleaningPipeline(yaml: yaml)
        XCTAssertEqual(pipeline.steps, [
            .lowercase, .punctuationToSpace(except: "'", symbols: true), .repeatLimit(max: 3, unit: 2, digits: false),
            .regex(pattern: #"(\d+)원"#, replace: "$1 won", ignoreCase: false), .transliterate(id: "Hangul-Latin"),
            .normalize(.nfc),
        ])
    }

    func testWriteThenReadGivesTheSameSteps() throws {
        var pipelines = CleaningPipeline.presetNames.map { try! CleaningPipeline(preset: $0) }
        pipelines.append(everyStep)
        pipelines.append(CleaningPipeline(steps: []))
        for pipeline in pipelines {
            XCTAssertEqual(try CleaningPipeline(yaml: pipeline.yamlString), pipeline, pipeline.yamlString)
            XCTAssertEqual(try CleaningPipeline(json: pipeline.jsonString), pipeline, pipeline.jsonString)
            // Written twice, identically.
            XCTAssertEqual(try CleaningPipeline(yaml: pipeline.yamlString).yamlString, pipeline.yamlString)
            XCTAssertEqual(try CleaningPipeline(json: pipeline.jsonString).jsonString, pipeline.jsonString)
            // The JSON is JSON to other tools too.
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(pipeline.jsonString.utf8)))
        }
    }

    func testPresets() throws {
        XCTAssertEqual(CleaningPipeline.presetNames, ["korean-web", "nfc", "nfkc", "seed-imdb"])
        XCTAssertEqual(try CleaningPipeline(preset: "seed-imdb").steps,
                       [.lowercase, .htmlTags(replace: " "), .punctuationToSpace(except: "'", symbols: true),
                        .collapseWhitespace])
        XCTAssertThrowsError(try CleaningPipeline(preset: "korean")) { error in
            XCTAssertTrue("\(error)".contains("unknown preset"), "\(error)")
            XCTAssertTrue("\(error)".contains("korean-web"), "\(error)")
        }
    }

    func testContentsOfChoosesFormatByExtension() throws {
        let temp = try TempFolder()
        let yamlPath = try temp.file("p.yaml", text: everyStep.yamlString)
        let jsonPath = try temp.file("p.json", text: everyStep.jsonString)
        XCTAssertEqual(try CleaningPipeline(contentsOf: URL(fileURLWithPath: yamlPath)), everyStep)
        XCTAssertEqual(try CleaningPipeline(contentsOf: URL(fileURLWithPath: jsonPath)), everyStep)
        XCTAssertThrowsError(try CleaningPipeline(contentsOf: URL(fileURLWithPath: temp.url.path + "/none.yaml"))) {
            XCTAssertEqual(($0 as? ConfigError)?.kind, .cannotRead)
        }
    }

    /// Asserts that reading `yaml` fails with `kind` and a message containing every fragment.
    private func assertFails(_ yaml: String, _ kind: ConfigError.Kind, _ fragments: [String],
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CleaningPipeline(yaml: yaml, source: "p.yaml"), file: file, line: line) { error in
            XCTAssertEqual((error as? ConfigError)?.kind, kind, "\(error)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)", file: file, line: line)
            }
        }
    }

    func testErrorsNameTheStepAndTheKey() {
        assertFails("steps:\n  - nfkc\n  - strip-html\n", .notAllowed,
                    ["p.yaml:3: steps[2]: unknown step 'strip-html'; allowed: nfc, nfd,", "html-tags"])
        assertFails("steps: [{repeat-limit: abc}]", .wrongType,
                    ["p.yaml:1: steps[1].repeat-limit.max: expected an integer in 1...1000, found 'abc'"])
        assertFails("steps: [{repeat-limit: 0}]", .notAllowed, ["steps[1].repeat-limit.max: '0' is not allowed; allowed: 1...1000"])
        assertFails("steps: [{repeat-limit: {max: 2, units: 3}}]", .unknownKey,
                    ["steps[1].repeat-limit.units: unknown key; allowed: max, unit"])
        assertFails("steps: [{nfkc: {form: x}}]", .unknownKey, ["steps[1].nfkc.form: unknown key; 'nfkc' takes no parameters"])
        assertFails("steps: [{html-tags: {replace: [1]}}]", .wrongType, ["steps[1].html-tags.replace: expected a string, found a list"])
        assertFails("steps: [{punctuation-to-space: {symbols: maybe}}]", .wrongType,
                    ["steps[1].punctuation-to-space.symbols: expected true or false, found 'maybe'"])
        assertFails("steps: [{regex: {replace: x}}]", .missing, ["steps[1].regex.pattern: missing;"])
        assertFails("steps:\n  - nfc\n  - regex: {pattern: '(unclosed'}\n", .notAllowed,
                    ["p.yaml:3: steps[2].regex.pattern: invalid ICU regular expression", "(unclosed"])
        assertFails("steps: [{transliterate: No-Such-Thing}]", .notAllowed, ["steps[1].transliterate.id:", "No-Such-Thing"])
        assertFails("steps: [{nfc: 1, nfd: 2}]", .wrongType, ["steps[1]: several keys ('nfc', 'nfd')"])
        assertFails("step: [nfc]", .unknownKey, ["p.yaml:1: step: unknown key; allowed: steps"])
        assertFails("steps: nfc", .wrongType, ["p.yaml:1: steps: expected a list of steps, found 'nfc'"])
        assertFails("", .missing, ["p.yaml:1: empty pipeline"])
        assertFails("steps: [nfc", .syntax, ["p.yaml:1: not valid YAML"])
        XCTAssertThrowsError(try CleaningPipeline(json: #"{"steps": ["nfkc", {"repeat-limit": "x"}]}"#)) { error in
            XCTAssertEqual("\(error)", "<json>:1: steps[2].repeat-limit.max: expected an integer in 1...1000, found 'x'")
        }
        XCTAssertThrowsError(try CleaningPipeline(json: "{steps"), "") { error in
            XCTAssertTrue("\(error)".contains("not valid JSON"), "\(error)")
        }
    }

    func testTextCleanerReportsBadRegexBuiltInCode() {
        XCTAssertThrowsError(try TextCleaner(pipeline: CleaningPipeline(steps: [
            .normalize(.nfc), .regex(pattern: "[", replace: "", ignoreCase: false),
        ]))) { error in
            XCTAssertTrue("\(error)".contains("step 2 'regex'"), "\(error)")
        }
    }
}
