import Foundation
import JikjiRecurrent
import JikjiTestSupport
import XCTest

/// `mpirun -np 2 jikji job run|resume` end to end on slices of the real corpora, two ranks over
/// TCP on loopback: two ranks repeat bit for bit; two ranks match one process within float
/// tolerance (classifier, language model carrying its state, encoder-decoder); a rank killed
/// mid-run stops the job naming it, and `job resume` under mpirun ends with the weights of a run
/// never stopped; a run stopped with one number of ranks resumes with another. Needs Open MPI
/// (scripts/test-mpi.sh, run by .ci/run, sets JIKJI_MPI_TESTS=1);
/// the ordinary suite leaves these to that script rather than running them twice.
final class MPIJobTests: XCTestCase {
    var folder: URL!
    var runs: String { folder.appendingPathComponent("runs").path }

    /// Weights of 2 ranks and of one process after the same steps differ by at most this much
    /// (absolute, any weight). They differ because the sums run in another order: each rank sums
    /// its rows, the ranks' sums are weighted and added (one process sums all rows at once); Adam
    /// divides by √v, so a rounding difference in a small gradient moves a weight by up to
    /// about lr·(relative rounding), accumulated over the steps. Measured after 40 steps of the
    /// classifier below: 2.9e-6 (embedding rows), 1e-7 elsewhere; see BENCHMARKS.md.
    static let tolerance: Float = 1e-4

    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["JIKJI_MPI_TESTS"] == "1" else {
            throw XCTSkip("MPI job tests run under scripts/test-mpi.sh (JIKJI_MPI_TESTS=1), which .ci/run calls")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try slice("nsmc/ratings_train.txt", lines: 3001, to: "train.tsv")
        try slice("nsmc/ratings_test.txt", lines: 401, to: "test.tsv")
        try slice("chatbot/ChatbotData.csv", lines: 801, to: "chat.csv")
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func slice(_ corpus: String, lines: Int, to name: String) throws {
        let text = try String(contentsOf: try ProjectPaths.corpus(corpus), encoding: .utf8)
        let head = text.split(separator: "\n", maxSplits: lines, omittingEmptySubsequences: false).prefix(lines)
        try (head.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func writeJob(_ name: String, _ yaml: String) throws -> String {
        try yaml.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    var classifierJob: String {
        """
        name: mpi-sentiment
        seed: 3
        data: {train: \(path("train.tsv")), test: \(path("test.tsv")), text_column: document, label_column: label, valid_ratio: 0.1}
        vocab: {name: mpi-wp, database: \(path("vocab.sqlite")), vocab_size: 3000, min_frequency: 2}
        batching: {batch_size: 32, max_length: 40, bucket_pool: 20, sort_within_batch: true}
        model: {kind: classifier, embedding: 32, encoder: {cell: lstm, hidden: 32, bidirectional: true}, dropout: 0.0}
        optim: {optimizer: adam, lr: 0.003}
        train: {epochs: 1, max_steps: 40, eval_every: 20}
        """
    }

    // MARK: Running

    /// Runs `mpirun -np ranks … jikji arguments` (ranks 0: jikji alone) and waits for it.
    func run(ranks: Int, _ arguments: [String]) throws -> MPIRun.Result {
        try MPIRun(ranks: ranks, arguments).finish()
    }

    @discardableResult
    func succeed(ranks: Int, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> MPIRun.Result {
        let result = try run(ranks: ranks, arguments)
        XCTAssertEqual(result.status, 0, "\(ranks) ranks, jikji \(arguments.joined(separator: " ")):\n\(result.stderr)\(result.output)",
                       file: file, line: line)
        return result
    }

    /// The weights of the last checkpoint of run 1 in `runsFolder`.
    func finalWeights(_ runsFolder: String) throws -> (bytes: Data, tensors: [String: Tensor]) {
        let checkpoints = runsFolder + "/1/checkpoints"
        let steps = try FileManager.default.contentsOfDirectory(atPath: checkpoints)
            .compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }
        let last = try XCTUnwrap(steps.max(), "no checkpoint in \(checkpoints)")
        let url = URL(fileURLWithPath: "\(checkpoints)/step-\(last)/model.safetensors")
        return (try Data(contentsOf: url), try SafeTensorsFile(contentsOf: url).tensors)
    }

    func maxDifference(_ a: [String: Tensor], _ b: [String: Tensor]) throws -> Float {
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        var worst: Float = 0
        for (name, x) in a {
            let y = try XCTUnwrap(b[name])
            XCTAssertEqual(x.shape, y.shape, name)
            for (u, v) in zip(x.storage, y.storage) { worst = max(worst, abs(u - v)) }
        }
        return worst
    }

    /// Two ranks twice, and one process, on `job`: the same bits twice, one process within the tolerance.
    func checkTwoRanksRepeatAndMatchOneProcess(_ job: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try succeed(ranks: 2, ["job", "run", job, "--quiet", "--runs", path("two-a")], file: file, line: line)
        XCTAssertTrue(first.stderr.contains("data parallel: 2 ranks"), first.stderr, file: file, line: line)
        XCTAssertEqual(first.output.components(separatedBy: "run 1 completed").count, 2, "only rank 0 reports: \(first.output)",
                       file: file, line: line)
        try succeed(ranks: 2, ["job", "run", job, "--quiet", "--runs", path("two-b")], file: file, line: line)
        try succeed(ranks: 0, ["job", "run", job, "--quiet", "--runs", path("one")], file: file, line: line)
        let a = try finalWeights(path("two-a")), b = try finalWeights(path("two-b")), one = try finalWeights(path("one"))
        XCTAssertEqual(a.bytes, b.bytes, "two ranks repeat bit for bit", file: file, line: line)
        let difference = try maxDifference(a.tensors, one.tensors)
        print("\(name): max |2 ranks − 1 process| = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance, file: file, line: line)
        XCTAssertGreaterThan(try maxDifference(one.tensors, try initialWeights(job)), 100 * difference,
                             "training moved the weights far more than the ranks differ", file: file, line: line)
    }

    /// The weights at step 0 of `job` (a run stopped after its first step is close enough: one step's move).
    func initialWeights(_ job: String) throws -> [String: Tensor] {
        try succeed(ranks: 0, ["job", "run", job, "--quiet", "--runs", path("first-step"), "--set", "train.max_steps=1"])
        return try finalWeights(path("first-step")).tensors
    }

    // MARK: Tests

    func testClassifierTwoRanksRepeatAndMatchOneProcess() throws {
        try checkTwoRanksRepeatAndMatchOneProcess(try writeJob("sentiment.yaml", classifierJob))
    }

    func testLanguageModelCarryingStateTwoRanksMatchOneProcess() throws {
        try checkTwoRanksRepeatAndMatchOneProcess(try writeJob("lm.yaml", """
        name: mpi-lm
        seed: 4
        data: {train: \(path("train.tsv")), text_column: document, valid_ratio: 0.05}
        vocab: {name: mpi-lm-wp, database: \(path("vocab.sqlite")), vocab_size: 3000, min_frequency: 2}
        batching: {batch_size: 16, window: 16}
        model: {kind: language_model, embedding: 32, encoder: {cell: lstm, hidden: 32}, tie_weights: true, dropout: 0.0}
        optim: {optimizer: adam, lr: 0.003}
        train: {epochs: 1, max_steps: 40, eval_every: 20, hidden_state: carry}
        """))
    }

    func testEncoderDecoderTwoRanksMatchOneProcess() throws {
        try checkTwoRanksRepeatAndMatchOneProcess(try writeJob("chat.yaml", """
        name: mpi-chat
        seed: 5
        data: {train: \(path("chat.csv")), source_column: Q, target_column: A, valid_ratio: 0.1}
        vocab: {name: mpi-chat-wp, database: \(path("vocab.sqlite")), vocab_size: 3000, min_frequency: 1}
        batching: {batch_size: 32, max_length: 24}
        model: {kind: seq2seq, embedding: 32, encoder: {cell: gru, hidden: 32}, decoder: {cell: lstm, hidden: 32}, attention: general, dropout: 0.0}
        optim: {optimizer: adam, lr: 0.003}
        train: {epochs: 1, max_steps: 30, eval_every: 15}
        """))
    }

    /// Rank 1 killed after the first checkpoint: the job stops, mpirun names the rank, the run
    /// stays resumable from its last checkpoint, and `mpirun -np 2 jikji job resume` ends with
    /// the weights (bit for bit) of a two-rank run that was never stopped.
    func testKilledRankStopsTheJobAndResumeEndsLikeAnUninterruptedRun() throws {
        let job = try writeJob("sentiment.yaml", classifierJob)
        let longer = ["--set", "train.epochs=3", "--set", "train.max_steps=120", "--set", "train.eval_every=10"]
        try succeed(ranks: 2, ["job", "run", job, "--quiet", "--runs", path("whole")] + longer)
        let started = try MPIRun(ranks: 2, ["job", "run", job, "--quiet", "--runs", runs] + longer)
        XCTAssertTrue(started.waitForStderr(containing: "step 20 (epoch", timeout: 300), started.stderr)
        let rank1 = try XCTUnwrap(started.rankProcess(1), "rank 1's process among mpirun's children")
        XCTAssertEqual(kill(rank1, SIGKILL), 0)
        let stopped = started.finish()
        XCTAssertNotEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("rank 1"), "the dead rank is named:\n\(stopped.stderr)")
        XCTAssertFalse(stopped.output.contains("completed"), stopped.output)

        let resumed = try succeed(ranks: 2, ["job", "resume", "1", "--quiet", "--runs", runs])
        XCTAssertTrue(resumed.output.contains("run 1 completed after 120 steps"), resumed.output)
        XCTAssertEqual(try finalWeights(runs).bytes, try finalWeights(path("whole")).bytes,
                       "resumed with 2 ranks = never stopped")
    }

    /// The data plan depends only on the seed, the epoch and the position in it, not on the
    /// number of ranks, so a run stopped with 2 ranks resumes in one process, and one stopped in
    /// one process resumes with 2 ranks; each ends within the tolerance of the run never
    /// stopped (not bit for bit: the steps after the resume sum in another order).
    func testRunResumesWithAnotherNumberOfRanks() throws {
        let job = try writeJob("sentiment.yaml", classifierJob)
        let longer = ["--set", "train.epochs=3", "--set", "train.max_steps=120", "--set", "train.eval_every=10"]
        for (startRanks, resumeRanks) in [(2, 0), (0, 2)] {
            let whole = path("whole-\(startRanks)"), stopped = path("stopped-\(startRanks)")
            try succeed(ranks: startRanks, ["job", "run", job, "--quiet", "--runs", whole] + longer)
            let started = try MPIRun(ranks: startRanks, ["job", "run", job, "--quiet", "--runs", stopped] + longer)
            XCTAssertTrue(started.waitForStderr(containing: "step 30 (epoch", timeout: 300), started.stderr)
            let victim = startRanks == 0 ? started.process.processIdentifier : try XCTUnwrap(started.rankProcess(1))
            XCTAssertEqual(kill(victim, SIGKILL), 0)
            XCTAssertNotEqual(started.finish().status, 0)
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: stopped + "/1/checkpoints")
                .contains("step-120"), "stopped before the end")

            let resumed = try succeed(ranks: resumeRanks, ["job", "resume", "1", "--quiet", "--runs", stopped])
            XCTAssertTrue(resumed.output.contains("run 1 completed after 120 steps"), resumed.output)
            let difference = try maxDifference(try finalWeights(stopped).tensors, try finalWeights(whole).tensors)
            print("\(name): started with \(max(startRanks, 1)) rank(s), resumed with \(max(resumeRanks, 1)): max |resumed − never stopped| = \(difference)")
            XCTAssertLessThanOrEqual(difference, Self.tolerance)
        }
    }
}

/// `mpirun -np N --oversubscribe` of the built `jikji` over TCP on loopback (one OpenBLAS thread
/// per rank), or `jikji` alone for N = 0, with its output captured.
final class MPIRun: @unchecked Sendable {
    /// How the run ended and what it printed.
    struct Result {
        let status: Int32
        let output: String
        let stderr: String
    }

    let process = Process()
    private let lock = NSLock()
    private var errorData = Data(), outputData = Data()
    private let readers = DispatchGroup()

    init(ranks: Int, _ arguments: [String]) throws {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        if ranks == 0 {
            process.executableURL = JikjiCommand.executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
            process.arguments = ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,tcp",
                                 "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
                                 "-x", "OPENBLAS_NUM_THREADS", JikjiCommand.executable.path] + arguments
        }
        process.environment = env
        process.currentDirectoryURL = ProjectPaths.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        for (pipe, isError) in [(out, false), (err, true)] {
            readers.enter()
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { if isError { errorData.append(chunk) } else { outputData.append(chunk) } }
                }
                readers.leave()
            }
        }
        try process.run()
    }

    var stderr: String { lock.withLock { String(decoding: errorData, as: UTF8.self) } }

    func waitForStderr(containing text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            usleep(50_000)
        }
        return false
    }

    /// The process id of rank `rank`: the child of mpirun whose environment says so.
    func rankProcess(_ rank: Int) -> pid_t? {
        let pid = process.processIdentifier
        guard let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return nil }
        for child in children.split(separator: " ").compactMap({ pid_t($0) }) {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(child)/environ") else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return child }
        }
        return nil
    }

    func finish() -> MPIRun.Result {
        process.waitUntilExit()
        readers.wait()
        return lock.withLock {
            Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                   stderr: String(decoding: errorData, as: UTF8.self))
        }
    }
}
