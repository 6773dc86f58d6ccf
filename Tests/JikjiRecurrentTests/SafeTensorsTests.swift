import Foundation
import XCTest
import JikjiRecurrent
import JikjiTestSupport

final class SafeTensorsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func sample() -> SafeTensorsFile {
        SafeTensorsFile(
            tensors: [
                "encoder.weight_ih_l0": Tensor(shape: [3, 2], values: [1.5, -2, 0.1, 3e-8, -0, 7]),
                "bias": Tensor(shape: [5], values: [1, 2, 3, 4, 5]),
                "scalar": Tensor(shape: [], values: [0.25]),
            ],
            integerTensors: ["step": IntegerTensor(shape: [1], values: [42]),
                             "ids": IntegerTensor(shape: [2, 2], values: [-1, 0, Int64.max, 3])],
            metadata: ["format": "pt", "epoch": "3"])
    }

    func testRoundTripKeepsNamesShapesValuesAndMetadata() throws {
        let url = folder.appendingPathComponent("model.safetensors")
        try sample().write(to: url)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url), sample())
        // Overwriting replaces the file and leaves no temporary file behind.
        try SafeTensorsFile(tensors: ["a": Tensor(shape: [1], values: [9])]).write(to: url)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).tensors, ["a": Tensor(shape: [1], values: [9])])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
    }

    func testLayoutIsLittleEndianHeaderThenAlignedContiguousData() throws {
        let bytes = [UInt8](try sample().encoded())
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        XCTAssertEqual((8 + length) % 8, 0, "data must start 8-byte aligned")
        XCTAssertEqual(bytes[8], UInt8(ascii: "{"))
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let entry = try XCTUnwrap(header["bias"] as? [String: Any])
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        XCTAssertEqual(entry["shape"] as? [Int], [5])
        // Float names sorted: bias, encoder.weight_ih_l0, scalar; then integers: ids, step.
        XCTAssertEqual(entry["data_offsets"] as? [Int], [0, 20])
        XCTAssertEqual((header["ids"] as? [String: Any])?["dtype"] as? String, "I64")
        XCTAssertEqual((header["step"] as? [String: Any])?["data_offsets"] as? [Int], [20 + 24 + 4 + 32, 20 + 24 + 4 + 32 + 8])
        XCTAssertEqual(bytes.count, 8 + length + 20 + 24 + 4 + 32 + 8)
        // 1.5 as little-endian Float32 at the start of the second tensor.
        let start = 8 + length + 20
        XCTAssertEqual(Array(bytes[start..<(start + 4)]), [0x00, 0x00, 0xC0, 0x3F])
        XCTAssertEqual(header["__metadata__"] as? [String: String], ["format": "pt", "epoch": "3"])
    }

    func testCorruptFilesAreRejectedNamingTheProblem() throws {
        let good = [UInt8](try sample().encoded())
        XCTAssertThrowsError(try SafeTensorsFile(data: Data(good.prefix(5)), source: "x.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("x.safetensors"), "\(error)")
        }
        // Cut the data short: the last tensor's offsets no longer fit.
        XCTAssertThrowsError(try SafeTensorsFile(data: Data(good.dropLast(4)), source: "cut.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("'step'"), "\(error)")
        }
        // A header length beyond the file.
        var huge = good
        huge[0] = 0xFF; huge[1] = 0xFF; huge[2] = 0xFF
        XCTAssertThrowsError(try SafeTensorsFile(data: Data(huge)))
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: folder.appendingPathComponent("missing.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("missing.safetensors"), "\(error)")
        }
    }

    func testCheckpointOfAModelLoadsIntoAFreshModel() throws {
        var generator = SeededGenerator(seed: 7)
        let linear = Linear(inputSize: 3, outputSize: 2, generator: &generator)
        let url = folder.appendingPathComponent("linear.safetensors")
        try linear.saveCheckpoint(to: url)
        let other = Linear(inputSize: 3, outputSize: 2, generator: &generator)
        XCTAssertNotEqual(other.weight.value, linear.weight.value)
        try other.loadCheckpoint(from: url)
        XCTAssertEqual(other.weight.value, linear.weight.value)
        XCTAssertEqual(other.bias!.value, linear.bias!.value)
        // A checkpoint of another shape is refused with the tensor's name.
        let wide = Linear(inputSize: 4, outputSize: 2, generator: &generator)
        XCTAssertThrowsError(try wide.loadCheckpoint(from: url)) { error in
            XCTAssertTrue("\(error)".contains("'weight'") && "\(error)".contains("[2, 3]"), "\(error)")
        }
    }

    func testOptimizerStateSurvivesACheckpoint() throws {
        let parameter = Parameter(Tensor(shape: [2, 2], values: [1, -2, 3, 0.5]))
        let named = [(name: "w", parameter: parameter)]
        var adam = Adam(parameters: named, learningRate: 0.1)
        let gradients: [[Float]] = [[0.3, -1, 2, 0.1], [-0.5, 0.2, 0.2, 1], [1, 1, -1, 0]]
        parameter.gradient = Tensor(shape: [2, 2], values: gradients[0])
        adam.step()
        let url = folder.appendingPathComponent("optimizer.safetensors")
        try SafeTensorsFile(tensors: adam.stateTensors()).write(to: url)
        let saved = parameter.value

        // Continue the original and a restored copy with the same gradients: identical results.
        for g in gradients.dropFirst() {
            parameter.gradient = Tensor(shape: [2, 2], values: g)
            adam.step()
        }
        let copy = Parameter(saved)
        var restored = Adam(parameters: [(name: "w", parameter: copy)], learningRate: 0.1)
        try restored.loadState(try SafeTensorsFile(contentsOf: url).tensors)
        XCTAssertEqual(restored.stepCount, 1)
        for g in gradients.dropFirst() {
            copy.gradient = Tensor(shape: [2, 2], values: g)
            restored.step()
        }
        XCTAssertEqual(copy.value, parameter.value)
    }

    /// HuggingFace's own `safetensors` package reads what Jikji writes, and Jikji reads what it
    /// writes. Runs `scripts/check_safetensors.py` with a Python that has `safetensors` and
    /// `numpy`: `$JIKJI_BENCH_VENV`, a `venv` beside the checkout, or `bench/.venv`; when none
    /// exists it creates `bench/.venv` (python3-venv is installed by scripts/bootstrap.sh).
    func testPythonSafetensorsAgreesWithJikji() throws {
        let python = try SafeTensorsPython.locate()
        let script = ProjectPaths.root.appendingPathComponent("scripts/check_safetensors.py").path

        // Jikji writes, Python verifies.
        let url = folder.appendingPathComponent("jikji.safetensors")
        let file = sample()
        try file.write(to: url)
        var expected: [String: Any] = [:]
        for (name, t) in file.tensors {
            expected[name] = ["dtype": "F32", "shape": t.shape, "data": t.storage.map { Double($0) }] as [String: Any]
        }
        for (name, t) in file.integerTensors {
            expected[name] = ["dtype": "I64", "shape": t.shape, "data": t.values] as [String: Any]
        }
        let expectedURL = folder.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: ["tensors": expected, "metadata": file.metadata])
            .write(to: expectedURL)
        let verify = try SafeTensorsPython.run(python, [script, "verify", url.path, expectedURL.path])
        XCTAssertEqual(verify.status, 0, "check_safetensors.py verify failed: \(verify.output)")

        // Python writes, Jikji reads.
        let pythonURL = folder.appendingPathComponent("python.safetensors")
        let written = try SafeTensorsPython.run(python, [script, "write", pythonURL.path])
        XCTAssertEqual(written.status, 0, written.output)
        let description = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(written.output.utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(description["tensors"] as? [String: [String: Any]])
        let read = try SafeTensorsFile(contentsOf: pythonURL)
        XCTAssertEqual(read.metadata, description["metadata"] as? [String: String])
        for (name, spec) in tensors {
            let shape = try XCTUnwrap(spec["shape"] as? [Int])
            let numbers = try XCTUnwrap(spec["data"] as? [NSNumber])
            if (spec["dtype"] as? String)?.hasPrefix("I") == true {
                XCTAssertEqual(read.integerTensors[name], IntegerTensor(shape: shape, values: numbers.map(\.int64Value)), name)
            } else {
                XCTAssertEqual(read.tensors[name], Tensor(shape: shape, values: numbers.map { Float($0.doubleValue) }), name)
            }
        }
        XCTAssertEqual(read.tensors.count + read.integerTensors.count, tensors.count)
    }
}

/// Finds or creates a Python with `safetensors` and `numpy` for the cross-check.
enum SafeTensorsPython {
    struct Output {
        let status: Int32
        let output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self)
        let errText = String(decoding: err, as: UTF8.self)
        return Output(status: process.terminationStatus, output: process.terminationStatus == 0 ? text : text + errText)
    }

    static func works(_ python: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        return (try? run(python, ["-c", "import safetensors.numpy, numpy"]))?.status == 0
    }

    static func locate() throws -> String {
        let root = ProjectPaths.root
        var venvs: [URL] = []
        if let custom = ProcessInfo.processInfo.environment["JIKJI_BENCH_VENV"], !custom.isEmpty {
            venvs.append(URL(fileURLWithPath: custom, relativeTo: root))
        }
        venvs.append(root.appendingPathComponent("../venv").standardizedFileURL)
        venvs.append(root.appendingPathComponent("bench/.venv"))
        for venv in venvs {
            let python = venv.appendingPathComponent("bin/python").path
            if works(python) { return python }
        }
        // None found: set up bench/.venv (ignored by git) with what the script needs.
        let venv = root.appendingPathComponent("bench/.venv")
        let made = try run("/usr/bin/env", ["python3", "-m", "venv", venv.path])
        guard made.status == 0 else {
            throw SafeTensorsError("cannot create \(venv.path) with python3 -m venv (install python3-venv): \(made.output)")
        }
        let python = venv.appendingPathComponent("bin/python").path
        let installed = try run(python, ["-m", "pip", "install", "--quiet", "safetensors", "numpy"])
        guard installed.status == 0, works(python) else {
            throw SafeTensorsError("cannot pip install safetensors numpy into \(venv.path): \(installed.output)")
        }
        return python
    }
}
