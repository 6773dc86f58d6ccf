import Foundation
import XCTest
import JikjiRecurrent

/// Sizes in a safetensors header come from the file: shapes whose element count overflows,
/// offsets that are negative or beyond the data, and non-finite values are refused with the
/// file and the tensor named, never trapped on.
final class SafeTensorsInputTests: XCTestCase {
    /// A file whose header is `header` (JSON) followed by `dataBytes` zero bytes.
    func file(header: String, dataBytes: Int) -> Data {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        data.append(Data(count: dataBytes))
        return data
    }

    func testHugeShapesAndBadOffsetsAreErrorsNamingTheTensor() {
        let cases: [(header: String, problem: String)] = [
            (#"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#, "too large to address"),
            (#"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4, 0], "data_offsets": [0, 0]}}"#, "too large to address"),
            (#"{"w": {"dtype": "F64", "shape": [1152921504606846976], "data_offsets": [0, 16]}}"#, "too large to address"),
            (#"{"w": {"dtype": "I64", "shape": [3037000500, 3037000500], "data_offsets": [0, 16]}}"#, "too large to address"),
            (#"{"w": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 16]}}"#, "needs 4000000 bytes, more than the file's 16 bytes"),
            (#"{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [-16, 0]}}"#, "data_offsets [-16, 0]"),
            (#"{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 9223372036854775807]}}"#, "data_offsets [0, 9223372036854775807]"),
            (#"{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16, 32]}}"#, "data_offsets [16, 32]"),
            (#"{"w": {"dtype": "F32", "shape": [2, -2], "data_offsets": [0, 16]}}"#, "negative dimension"),
        ]
        for c in cases {
            XCTAssertThrowsError(try SafeTensorsFile(data: file(header: c.header, dataBytes: 16), source: "model.safetensors"), c.header) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("model.safetensors: tensor 'w'") && message.contains(c.problem), message)
            }
        }
    }

    func testNonFiniteValuesAreFoundByName() throws {
        var contents = SafeTensorsFile(tensors: ["a.weight": Tensor(shape: [2], values: [1, 2]),
                                                 "b.weight": Tensor(shape: [3], values: [0, 1, .nan])])
        XCTAssertThrowsError(try contents.requireFiniteValues(source: "x/model.safetensors")) { error in
            XCTAssertEqual(String(describing: error),
                           "x/model.safetensors: tensor 'b.weight' holds nan at element 2; a checkpoint's values must be finite (the training that wrote it diverged, or the file was changed)")
        }
        contents.tensors["b.weight"] = Tensor(shape: [3], values: [0, 1, 2])
        XCTAssertNoThrow(try contents.requireFiniteValues(source: "x/model.safetensors"))
    }
}
