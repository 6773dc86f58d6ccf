import JikjiRecurrent
import XCTest

extension XCTestCase {
    /// Checks each parameter's accumulated gradient against central differences (step 1e-2) of
    /// `loss` at `divisions` evenly spaced entries (every entry of tables smaller than that),
    /// within 2e-3 + 2% of the numeric value. `label` prefixes the failure messages.
    func assertGradientsMatchCentralDifferences(
        _ parameters: [(name: String, parameter: Parameter)], divisions: Int, label: String = "",
        loss: () throws -> Float, file: StaticString = #filePath, line: UInt = #line
    ) rethrows {
        for (name, p) in parameters {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / divisions)) {
                let saved = p.value.storage[i]
                p.value.storage[i] = saved + 1e-2; let up = try loss()
                p.value.storage[i] = saved - 1e-2; let down = try loss()
                p.value.storage[i] = saved
                let numeric = (up - down) / 2e-2
                XCTAssertEqual(p.gradient.storage[i], numeric, accuracy: 2e-3 + 2e-2 * abs(numeric),
                               "\(label)\(name)[\(i)]", file: file, line: line)
            }
        }
    }
}
