import Foundation
import XCTest
import JikjiTestSupport

/// Issue 13, "no crash, no silent loss, on any input": each row of these tables crashed `jikji`
/// (exit 132/134/139) or lost data with exit 0 before; each must now end with the status the row
/// names, the message naming the file, line or key and the problem, and nothing left behind.
///
/// The rows run the real command through `/bin/sh`, so that standard output or error can be a
/// full device (`> /dev/full`), a pipe whose reader has gone, or a file size limit (a full disk).
final class NoCrashInputTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-no-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.good.write(toFile: path("good.tsv"), atomically: true, encoding: .utf8)
        try "정말 재밌게 봤다\n최악의 영화\n".write(toFile: path("good.txt"), atomically: true, encoding: .utf8)
        try "2 5397 5528 5692 3\n".write(toFile: path("ids.txt"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        // A row may leave a read-only folder behind when it fails half-way.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path("ro"))
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let good = "id\tdocument\tlabel\n1\t정말 재밌게 봤다\t1\n2\t최악의 영화\t0\n3\t재밌다 정말\t1\n4\t별로다\t0\n"

    var vocab: String { (try? ProjectPaths.reference("hf/wp150k/vocab.txt").path) ?? "vocab.txt" }

    /// Where a row's standard streams go.
    enum Streams: String {
        /// Both captured.
        case captured = ""
        /// Standard output to a full device.
        case fullOutput = "> /dev/full"
        /// Standard error to a full device.
        case fullError = "2> /dev/full"
    }

    /// One command with odd input or output, and what it must make of it.
    struct Row {
        var name: String
        var arguments: [String]
        var streams: Streams = .captured
        /// The exit status expected.
        var status: Int32
        /// Texts standard error must contain (when it is captured).
        var messages: [String] = []
        /// Paths that must not exist afterwards.
        var absent: [String] = []
    }

    /// What a command run through the shell produced.
    struct ShellResult {
        var status: Int32
        var stdout: Data
        var stderr: String
        /// Standard output as UTF-8 text.
        var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `jikji arguments…` through the shell with `streams`, after the shell commands
    /// `setup`, under the command `wrapper` (such as `setpriv …`) when given.
    func run(_ arguments: [String], streams: Streams = .captured, setup: String = "", wrapper: String = "") throws -> ShellResult {
        let script = "\(setup) exec \(wrapper) \"$0\" \"$@\" \(streams.rawValue)"
        return try shell(script, [JikjiCommand.executable.path] + arguments)
    }

    /// Runs `/bin/sh -c script` with `arguments` as `$0 $1 …`, capturing its output.
    func shell(_ script: String, _ arguments: [String]) throws -> ShellResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script] + arguments
        process.currentDirectoryURL = folder
        let out = folder.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return ShellResult(status: process.terminationStatus, stdout: try Data(contentsOf: out),
                           stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// Runs `jikji arguments…` with standard output a pipe whose reader is gone before it starts;
    /// returns its status and standard error.
    func runIntoClosedPipe(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let status = path("pipe-status"), err = path("pipe-stderr")
        // The pipeline waits for its left side, which starts jikji once `true` has exited.
        let result = try shell("( sleep 0.3; \"$0\" \"$@\" 2> '\(err)'; echo $? > '\(status)' ) | true",
                               [JikjiCommand.executable.path] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        let code = Int32(try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        defer { try? FileManager.default.removeItem(atPath: status) }
        return (code, try String(contentsOfFile: err, encoding: .utf8))
    }

    func check(_ rows: [Row], file: StaticString = #filePath, line: UInt = #line) throws {
        for row in rows {
            let result = try run(row.arguments, streams: row.streams)
            let context = "\(row.name): jikji \(row.arguments.joined(separator: " ")) \(row.streams.rawValue): status \(result.status)\n\(result.stderr)"
            XCTAssertEqual(result.status, row.status, context, file: file, line: line)
            for message in row.messages {
                XCTAssertTrue(result.stderr.contains(message), "\(context)\nexpected: \(message)", file: file, line: line)
            }
            XCTAssertFalse(result.stderr.contains("NSCocoaErrorDomain"), context, file: file, line: line)
            for absent in row.absent {
                XCTAssertFalse(FileManager.default.fileExists(atPath: absent), "\(context)\nleft behind: \(absent)", file: file, line: line)
            }
        }
    }

    /// Imports wp150k and builds dataset `d` from the good TSV into `data.sqlite`.
    func prepareStore() throws {
        XCTAssertEqual(try run(["vocab", "import", vocab, "--name", "wp150k", "--db", path("data.sqlite")]).status, 0)
        let built = try run(["dataset", "build", "--input", path("good.tsv"), "--text-column", "document", "--label-column", "label",
                             "--vocab", "wp150k", "--name", "d", "--db", path("data.sqlite")])
        XCTAssertEqual(built.status, 0, built.stderr)
    }

    /// Trains a tiny classifier run (run 1) and a tiny encoder-decoder run (run 2) in `runs`.
    func trainRuns() throws {
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        try (text.split(separator: "\n", maxSplits: 301, omittingEmptySubsequences: false).prefix(301).joined(separator: "\n") + "\n")
            .write(toFile: path("train.tsv"), atomically: true, encoding: .utf8)
        let chat = try String(contentsOf: try ProjectPaths.corpus("chatbot/ChatbotData.csv"), encoding: .utf8)
        try (chat.split(separator: "\n", maxSplits: 201, omittingEmptySubsequences: false).prefix(201).joined(separator: "\n") + "\n")
            .write(toFile: path("chat.csv"), atomically: true, encoding: .utf8)
        try writeClassifierJob("job.yaml")
        let seq2seq = """
            name: tiny-chat
            seed: 1
            data: {train: \(path("chat.csv")), source_column: Q, target_column: A, valid_ratio: 0.1}
            vocab: {name: chat-wp, database: \(path("job.sqlite")), vocab_size: 3000, min_frequency: 2}
            batching: {batch_size: 16, max_length: 16}
            model: {kind: seq2seq, embedding: 8, encoder: {cell: gru, hidden: 8}, decoder: {cell: gru, hidden: 8}}
            optim: {optimizer: adam, lr: 0.01}
            train: {epochs: 1}
            """
        try seq2seq.write(toFile: path("chat.yaml"), atomically: true, encoding: .utf8)
        for job in ["job.yaml", "chat.yaml"] {
            let trained = try run(["job", "run", path(job), "--quiet", "--runs", path("runs")])
            XCTAssertEqual(trained.status, 0, trained.stderr)
        }
    }

    func writeClassifierJob(_ name: String, model: String = "{kind: classifier, embedding: 8, encoder: {cell: gru, hidden: 8}}",
                            batching: String = "{batch_size: 32, max_length: 24}") throws {
        let job = """
            name: tiny
            seed: 1
            data: {train: \(path("train.tsv")), text_column: document, label_column: label, valid_ratio: 0.1}
            vocab: {name: tiny-wp, database: \(path("job.sqlite")), vocab_size: 3000, min_frequency: 2}
            batching: \(batching)
            model: \(model)
            optim: {optimizer: adam, lr: 0.01}
            train: {epochs: 1}
            """
        try job.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    // MARK: Writes that fail

    func testAFailedWriteOfStandardOutputOrErrorIsAnErrorInEveryCommand() throws {
        try prepareStore()
        try trainRuns()
        let db = ["--db", path("data.sqlite")], runs = ["--runs", path("runs")]
        let full = "cannot write to standard output: No space left on device"
        var rows: [Row] = [
            Row(name: "vocab list", arguments: ["vocab", "list"] + db, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "vocab show", arguments: ["vocab", "show", "wp150k"] + db, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "encode", arguments: ["encode", "--vocab", vocab, "--input", path("good.txt")], streams: .fullOutput,
                status: 1, messages: [full]),
            Row(name: "decode", arguments: ["decode", "--vocab", vocab, "--input", path("ids.txt")], streams: .fullOutput,
                status: 1, messages: [full]),
            Row(name: "clean to standard output", arguments: ["clean", "--pipeline", "nfc", "--input", path("good.txt")],
                streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "clean's summary", arguments: ["clean", "--pipeline", "nfc", "--input", path("good.txt")],
                streams: .fullError, status: 1),
            Row(name: "dataset inspect", arguments: ["dataset", "inspect", "d"] + db, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "dataset show", arguments: ["dataset", "show", "d"] + db, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "job show", arguments: ["job", "show", "1"] + runs, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "job list", arguments: ["job", "list"] + runs, streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "predict", arguments: ["predict", "1", "--input", path("good.tsv"), "--text-column", "document"] + runs,
                streams: .fullOutput, status: 1, messages: [full]),
            Row(name: "predict's accuracy", arguments: ["predict", "1", "--input", path("good.tsv"), "--text-column", "document"] + runs,
                streams: .fullError, status: 1),
            Row(name: "translate", arguments: ["translate", "2", "--input", path("good.txt")] + runs, streams: .fullOutput,
                status: 1, messages: [full]),
            Row(name: "job run's summary", arguments: ["job", "run", path("job.yaml"), "--quiet"] + runs, streams: .fullOutput,
                status: 1, messages: [full]),
            Row(name: "job run's log", arguments: ["job", "run", path("job.yaml")] + runs, streams: .fullError, status: 1),
            Row(name: "--help", arguments: ["vocab", "--help"], streams: .fullOutput, status: 1, messages: [full]),
        ]
        rows.append(Row(name: "the usage error itself", arguments: ["vocab", "show"], streams: .fullError, status: 64))
        try check(rows)
        // A log that could not be written does not stop the training: the run completed.
        let list = try run(["job", "list"] + runs)
        XCTAssertFalse(list.output.contains("running"), list.output)

        // A pipe whose reader has gone ends the command quietly, with 128 + SIGPIPE.
        for arguments in [["encode", "--vocab", vocab, "--input", path("good.txt")], ["vocab", "list"] + db,
                          ["predict", "1", "--input", path("good.tsv"), "--text-column", "document"] + runs,
                          ["clean", "--pipeline", "nfc", "--input", path("good.txt")], ["dataset", "inspect", "d"] + db] {
            let (status, stderr) = try runIntoClosedPipe(arguments)
            XCTAssertEqual(status, 141, "\(arguments): \(stderr)")
            XCTAssertEqual(stderr, "", "\(arguments)")
        }
    }

    func testAFullDiskDuringDatasetBuildLeavesNoTemporaryShard() throws {
        XCTAssertEqual(try run(["vocab", "import", vocab, "--name", "wp150k", "--db", path("data.sqlite")]).status, 0)
        // 3000 reviews make a shard of some 150 kB; the size limit (in 512-byte blocks) stops it
        // half-way, as a full disk would. SIGXFSZ is ignored so the write fails with EFBIG.
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        try (text.split(separator: "\n", maxSplits: 3001, omittingEmptySubsequences: false).prefix(3001).joined(separator: "\n") + "\n")
            .write(toFile: path("big.tsv"), atomically: true, encoding: .utf8)
        // 128 blocks: the database is only read (and its shared-memory file takes 32 kB).
        let result = try run(["dataset", "build", "--input", path("big.tsv"), "--text-column", "document", "--label-column", "label",
                              "--vocab", "wp150k", "--name", "big", "--db", path("data.sqlite")],
                             setup: "trap '' XFSZ; ulimit -f 128;")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("big.jkds") && result.stderr.contains("cannot write the dataset shard: File too large"), result.stderr)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: path("datasets"))) ?? []
        XCTAssertEqual(left, [], "nothing may be left in datasets/")
        let list = try run(["dataset", "list", "--db", path("data.sqlite")])
        XCTAssertFalse(list.output.contains("big"), list.output)
    }

    // MARK: Sizes near the integer limits

    func testSizesNearTheIntegerLimitsAreRefusedOrServed() throws {
        try prepareStore()
        let db = ["--db", path("data.sqlite")]
        let huge = "4611686018427387904", largest = "9223372036854775807"
        let batches = ["dataset", "batches", "d"] + db
        try check([
            Row(name: "encode pads to 2^62", arguments: ["encode", "--vocab", vocab, "--input", path("good.txt"), "--max-length", huge, "--pad"],
                status: 1, messages: ["padding every line to \(huge) tokens", "more than 2^63 bytes", "smaller --max-length"]),
            Row(name: "encode truncates at 2^62", arguments: ["encode", "--vocab", vocab, "--input", path("good.txt"), "--max-length", huge],
                status: 0),
            Row(name: "batch size 2^62", arguments: batches + ["--batch-size", huge], status: 0),
            Row(name: "bucket pool 2^62", arguments: batches + ["--bucket-pool", huge], status: 0),
            Row(name: "largest bucket pool", arguments: batches + ["--bucket-pool", largest, "--batch-size", "3"], status: 0),
            Row(name: "max length 2^62", arguments: batches + ["--max-length", huge], status: 0),
            Row(name: "token budget 2^62", arguments: batches + ["--token-budget", huge], status: 0),
            Row(name: "fixed length 2^62", arguments: batches + ["--max-length", huge, "--fixed-length"], status: 1,
                messages: ["a batch of 4 rows × \(huge) tokens would need more than 2^63 bytes", "lower the batch size"]),
            Row(name: "pad to a multiple of 2^62", arguments: batches + ["--pad-to-multiple-of", huge], status: 1,
                messages: ["a batch of 4 rows × \(huge) tokens would need"]),
            Row(name: "pad to the largest multiple", arguments: batches + ["--pad-to-multiple-of", largest], status: 1,
                messages: ["pad to a multiple of \(largest)", "without overflowing"]),
            Row(name: "epoch 2^62", arguments: batches + ["--epoch", huge], status: 0),
            Row(name: "the last epoch", arguments: batches + ["--epoch", largest], status: 64,
                messages: ["--epoch \(largest) plus --epochs 1 is beyond the largest epoch number"]),
        ])
    }

    func testAJobWhoseModelCannotFitInMemoryIsRefusedWithTheFigure() throws {
        let text = try String(contentsOf: try ProjectPaths.corpus("nsmc/ratings_train.txt"), encoding: .utf8)
        try (text.split(separator: "\n", maxSplits: 301, omittingEmptySubsequences: false).prefix(301).joined(separator: "\n") + "\n")
            .write(toFile: path("train.tsv"), atomically: true, encoding: .utf8)
        try writeClassifierJob("big.yaml", model: "{kind: classifier, embedding: 16384, encoder: {cell: lstm, hidden: 16384}}")
        try writeClassifierJob("budget.yaml", batching: "{token_budget: 4611686018427387904, max_length: 24}")
        let runs = ["--runs", path("runs")]
        try check([
            Row(name: "16384 × 16384 LSTM", arguments: ["job", "run", path("big.yaml"), "--quiet"] + runs, status: 1,
                messages: ["big.yaml: the model and one batch (parameters ", "GiB", "would need about", "of memory available",
                           "--skip-memory-check"]),
            Row(name: "a token budget of 2^62", arguments: ["job", "run", path("budget.yaml"), "--quiet"] + runs, status: 1,
                messages: ["budget.yaml: the model and one batch", "one batch's activations more than 2^63 bytes"]),
        ])
    }

    // MARK: Vocabulary files

    func testVocabularyFilesThatAreNotVocabulariesAreRefused() throws {
        let db = ["--db", path("v.sqlite")]
        try "[]".write(toFile: path("list.json"), atomically: true, encoding: .utf8)
        try "null\n".write(toFile: path("null.json"), atomically: true, encoding: .utf8)
        try "정말 재밌다\n".write(toFile: path("text.json"), atomically: true, encoding: .utf8)
        try "[PAD]\n[CLS]\n[SEP]\n정말\n".write(toFile: path("nounk.txt"), atomically: true, encoding: .utf8)
        try "[PAD]\n[UNK]\n정말\n##다\n정말\n".write(toFile: path("twice.txt"), atomically: true, encoding: .utf8)
        try "[PAD]\n<unk>\n정말\n".write(toFile: path("own-unk.txt"), atomically: true, encoding: .utf8)
        try check([
            Row(name: "[] in a .json", arguments: ["vocab", "import", path("list.json"), "--name", "a"] + db, status: 1,
                messages: [path("list.json") + " is not a JSON tokenizer file: the top level is not an object"]),
            Row(name: "null in a .json", arguments: ["vocab", "import", path("null.json"), "--name", "a"] + db, status: 1,
                messages: [path("null.json") + " is not a JSON tokenizer file: the top level is not an object"]),
            Row(name: "text in a .json", arguments: ["vocab", "import", path("text.json"), "--name", "a"] + db, status: 1,
                messages: [path("text.json") + " is not a JSON tokenizer file"]),
            Row(name: "no [UNK]", arguments: ["vocab", "import", path("nounk.txt"), "--name", "a"] + db, status: 1,
                messages: [path("nounk.txt") + " has no line [UNK]", "--unk-token"]),
            Row(name: "a token twice", arguments: ["vocab", "import", path("twice.txt"), "--name", "a"] + db, status: 1,
                messages: [path("twice.txt") + ":5: token '정말' is already on line 3"]),
            Row(name: "its own unknown token", arguments: ["vocab", "import", path("own-unk.txt"), "--name", "b", "--unk-token", "<unk>",
                                                           "--special-tokens", "[PAD],<unk>"] + db, status: 0),
        ])
        let list = try run(["vocab", "list"] + db)
        XCTAssertTrue(list.output.contains("b@1") && !list.output.contains("a@1"), list.output)
    }

    // MARK: Read-only databases

    func testReadingCommandsWorkOnADatabaseInAReadOnlyFolder() throws {
        let folderPath = path("ro"), database = path("ro/data.sqlite")
        try FileManager.default.createDirectory(atPath: folderPath, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["vocab", "import", vocab, "--name", "wp150k", "--db", database]).status, 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folderPath)
        // Root writes anywhere: run the commands as nobody then, as a user without write access.
        let user = getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups --" : ""
        for arguments in [["vocab", "list", "--db", database], ["vocab", "show", "wp150k", "--db", database],
                          ["encode", "--vocab", "wp150k", "--db", database, "--input", path("good.txt")]] {
            let result = try run(arguments, wrapper: user)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.output.isEmpty, "\(arguments)")
        }
        let encoded = try run(["encode", "--vocab", "wp150k", "--db", database, "--input", path("good.txt")], wrapper: user)
        XCTAssertEqual(encoded.output, try run(["encode", "--vocab", vocab, "--input", path("good.txt")]).output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folderPath), ["data.sqlite"])
        // A command that writes says what is wrong.
        let imported = try run(["vocab", "import", vocab, "--name", "again", "--db", database], wrapper: user)
        XCTAssertEqual(imported.status, 1, imported.stderr)
        XCTAssertTrue(imported.stderr.contains(database), imported.stderr)
    }

    // MARK: Checkpoints

    /// Rewrites a safetensors file with `change` applied to its header (the data is kept).
    func rewriteHeader(_ file: String, _ change: (inout [String: Any]) -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        change(&header)
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        out.append(contentsOf: bytes[(8 + length)...])
        try out.write(to: URL(fileURLWithPath: file))
    }

    func testBrokenCheckpointsAreRefusedByPredict() throws {
        try trainRuns()
        let runs = ["--runs", path("runs")]
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: path("runs/1/checkpoints")).filter { $0.hasPrefix("step-") }
        XCTAssertEqual(checkpoints.count, 1, "one epoch, one checkpoint: the one predict loads")
        let model = path("runs/1/checkpoints/\(try XCTUnwrap(checkpoints.first))/model.safetensors")
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        let predict = ["predict", "1", "--input", path("good.tsv"), "--text-column", "document"] + runs

        try rewriteHeader(model) { header in
            var entry = header["embedding.weight"] as! [String: Any]
            entry["shape"] = [4_611_686_018_427_387_904, 4]
            header["embedding.weight"] = entry
        }
        try check([Row(name: "a shape of [2^62, 4]", arguments: predict, status: 1,
                       messages: [model + ": tensor 'embedding.weight' has shape [4611686018427387904, 4], too large to address"])])

        try original.write(to: URL(fileURLWithPath: model))
        try rewriteHeader(model) { header in
            var entry = header["fc.bias"] as! [String: Any]
            entry["data_offsets"] = [-8, -4]
            header["fc.bias"] = entry
        }
        try check([Row(name: "negative data offsets", arguments: predict, status: 1,
                       messages: [model + ": tensor 'fc.bias'", "data_offsets [-8, -4]"])])

        // A NaN in the first weight of the first tensor (data starts right after the header).
        var bytes = [UInt8](original)
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let first = try XCTUnwrap(header.compactMap { name, value -> (String, Int)? in
            guard let offsets = (value as? [String: Any])?["data_offsets"] as? [Int] else { return nil }
            return (name, offsets[0])
        }.first { $0.1 == 0 })
        bytes.replaceSubrange((8 + length)..<(12 + length), with: [0x00, 0x00, 0xC0, 0x7F])
        try Data(bytes).write(to: URL(fileURLWithPath: model))
        try check([Row(name: "NaN weights", arguments: predict, status: 1,
                       messages: [model + ": tensor '\(first.0)' holds nan at element 0", "must be finite"])])
    }
}
