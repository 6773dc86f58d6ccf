import Foundation
import XCTest
import JikjiTestSupport

/// The OpenBLAS kernel a user gets from `jikji job run`, with no BLAS variable in the environment
/// and with each override: logged on the `training:` line with the reason.
final class BLASKernelCLITests: XCTestCase {
    var folder: URL!
    let variables: Set<String> = ["OPENBLAS_CORETYPE", "JIKJI_BLAS_KERNEL"]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-blas-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n", maxSplits: 801, omittingEmptySubsequences: false)
        try (lines.prefix(601).joined(separator: "\n") + "\n").write(to: url("train.tsv"), atomically: true, encoding: .utf8)
        try ([lines[0]] + lines[601..<801]).joined(separator: "\n").appending("\n").write(to: url("test.tsv"), atomically: true, encoding: .utf8)
        let job = """
            name: blas-kernel
            seed: 1
            data: {train: \(url("train.tsv").path), test: \(url("test.tsv").path), text_column: document, label_column: label, valid_ratio: 0.1}
            vocab: {name: blas-wp, database: \(url("vocab.sqlite").path), vocab_size: 2500, min_frequency: 2}
            batching: {batch_size: 16, max_length: 32}
            model: {kind: classifier, embedding: 16, encoder: {cell: lstm, hidden: 16}}
            optim: {optimizer: adam, lr: 0.01}
            train: {epochs: 1, max_steps: 2}
            """
        try job.write(to: url("job.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// The `training:` line of a `jikji job run` with `environment` and no other BLAS variable.
    func trainingLine(_ environment: [String: String], runs: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try JikjiCommand.run(["job", "run", url("job.yaml").path, "--quiet", "--runs", url(runs).path],
                                          environment: environment, unsetting: variables.subtracting(environment.keys))
        XCTAssertEqual(result.status, 0, result.stderr + result.output, file: file, line: line)
        let training = result.stderr.split(separator: "\n").first { $0.hasPrefix("training:") }.map(String.init)
        XCTAssertNotNil(training, result.stderr, file: file, line: line)
        return training ?? ""
    }

    /// The done-when of issue 14: started with no BLAS variables, a job runs on the best kernel of
    /// the machine and says so. On an AVX-512 machine (by /proc/cpuinfo) that is SkylakeX, never
    /// OpenBLAS 0.3.21's SSE3 fallback (Prescott) or the AVX2 kernel some environments pin.
    func testAJobWithNoBLASVariablesRunsOnTheKernelChosenForTheCPUAndSaysSo() throws {
        let line = try trainingLine([:], runs: "runs-auto")
        let info = CPUInfo()
        if let expected = info.expectedOpenBLASKernel {
            XCTAssertTrue(line.contains("\(expected) kernel chosen for this CPU"), line)
            if info.hasAVX512 {
                XCTAssertTrue(line.contains("(AVX-512"), line)
                XCTAssertFalse(line.contains("Prescott") || line.contains("Haswell"), line)
            }
        } else {
            XCTAssertTrue(line.contains("from OpenBLAS's own detection: no AVX on this CPU"), line)
        }
    }

    /// `JIKJI_BLAS_KERNEL` picks the kernel even where `OPENBLAS_CORETYPE` is set, and an
    /// `OPENBLAS_CORETYPE` alone is honoured; both are named in the log.
    func testTheOverridesAreHonouredAndNamed() throws {
        // Prescott (SSE3) runs on every x86-64 CPU.
        #if arch(x86_64)
        let jikji = try trainingLine(["JIKJI_BLAS_KERNEL": "Prescott", "OPENBLAS_CORETYPE": "Sandybridge"], runs: "runs-jikji")
        XCTAssertTrue(jikji.contains("Prescott kernel set by JIKJI_BLAS_KERNEL"), jikji)
        let openBLAS = try trainingLine(["OPENBLAS_CORETYPE": "Prescott"], runs: "runs-openblas")
        XCTAssertTrue(openBLAS.contains("Prescott kernel set by OPENBLAS_CORETYPE in the environment"), openBLAS)
        if let expected = CPUInfo().expectedOpenBLASKernel {
            XCTAssertTrue(openBLAS.contains("Jikji would choose \(expected) for this CPU"), openBLAS)
        }
        #else
        let jikji = try trainingLine(["JIKJI_BLAS_KERNEL": "openblas"], runs: "runs-jikji")
        XCTAssertTrue(jikji.contains("from OpenBLAS's own detection (JIKJI_BLAS_KERNEL=openblas)"), jikji)
        #endif
    }
}
