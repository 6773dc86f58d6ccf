import Foundation
import XCTest
import JikjiConfig
import JikjiText

/// Every step name is a pipeline on its own (`--pipeline nfd`), over the whole list of step
/// kinds, so that a step added later is covered without touching this test.
final class StepAloneTests: XCTestCase {
    func testKindsAndNamesAreOneList() {
        XCTAssertEqual(CleaningStep.names, CleaningStep.Kind.allCases.map(\.rawValue))
        XCTAssertEqual(Set(CleaningStep.names).count, CleaningStep.names.count, "names are distinct")
        for kind in CleaningStep.Kind.allCases {
            guard let step = kind.defaultStep else {
                XCTAssertNotNil(kind.requiredParameter, "\(kind.rawValue) has neither a default step nor a required parameter")
                continue
            }
            XCTAssertEqual(step.kind, kind)
            XCTAssertEqual(step.name, kind.rawValue)
        }
    }

    func testEveryStepNameIsAPipelineAlone() throws {
        let sample = "  <b>Ｈｅｌｌｏ</b> ㅋㅋㅋㅋㅠㅠ 한국어 http://x.co a@b.kr ﬁ\u{200B}!!!! "
        for kind in CleaningStep.Kind.allCases {
            let name = kind.rawValue
            guard let step = kind.defaultStep else {
                let required = try XCTUnwrap(kind.requiredParameter)
                XCTAssertThrowsError(try CleaningPipeline(presetOrFile: name), name) { error in
                    XCTAssertTrue("\(error)".contains("'\(required.key)'"), "\(name): \(error)")
                    XCTAssertTrue("\(error)".contains("steps: ["), "\(name): says how to write it: \(error)")
                }
                continue
            }
            let pipeline = try CleaningPipeline(presetOrFile: name)
            XCTAssertEqual(pipeline.steps, [step], name)
            // It runs, and it is the step a pipeline file with that name alone reads.
            XCTAssertEqual(try TextCleaner(pipeline: pipeline).clean(sample), CleaningPipeline(steps: [step]).clean(sample), name)
            XCTAssertEqual(try CleaningPipeline(yaml: "steps: [\(name)]").steps, [step], name)
        }
        // Presets keep their meaning where a preset and a step share a name.
        XCTAssertEqual(try CleaningPipeline(presetOrFile: "korean-web"), CleaningPipeline.presets["korean-web"])
        XCTAssertEqual(try CleaningPipeline(presetOrFile: "nfkc").steps, [.normalize(.nfkc)])
        XCTAssertThrowsError(try CleaningPipeline(presetOrFile: "nfkz")) { error in
            XCTAssertTrue("\(error)".contains("unknown preset or step"), "\(error)")
        }
    }
}
