import Foundation
import XCTest
import JikjiTestSupport

/// The whole flow a user runs from the shell, on slices of the real corpora: `jikji job run` (a
/// vocabulary trained on first use, datasets built, training, evaluation), `job list|show|report`,
/// `predict` on a file, `generate` and `translate`, and the errors bad input gets.
final class JobCommandTests: XCTestCase {
    var temp: TempFolder!
    var folder: URL { temp.url }
    var runs: String { temp.path("runs") }

    override func setUpWithError() throws {
        temp = try TempFolder()
        try temp.slice("nsmc/ratings_train.txt", lines: 6001, to: "train.tsv")
        try temp.slice("nsmc/ratings_test.txt", lines: 801, to: "test.tsv")
        try temp.slice("chatbot/ChatbotData.csv", lines: 801, to: "chat.csv")
    }

    override func tearDownWithError() throws {
        temp = nil
    }

    func path(_ name: String) -> String { temp.path(name) }

    func writeJob(_ name: String, _ yaml: String) throws -> String {
        try yaml.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    @discardableResult
    func jikji(_ arguments: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> JikjiCommand.Result {
        let result = try JikjiCommand.run(arguments)
        XCTAssertEqual(result.status, status, "jikji \(arguments.joined(separator: " ")):\n\(result.stderr)\(result.output)", file: file, line: line)
        return result
    }

    var classifierJob: String {
        """
        name: cli-sentiment
        seed: 3
        data: {train: \(path("train.tsv")), test: \(path("test.tsv")), text_column: document, label_column: label, valid_ratio: 0.1}
        vocab: {name: cli-wp, database: \(path("vocab.sqlite")), vocab_size: 4000, min_frequency: 2}
        batching: {batch_size: 32, max_length: 48}
        model: {kind: classifier, embedding: 32, encoder: {cell: gru, hidden: 32, bidirectional: true}, dropout: 0.1}
        optim: {optimizer: adam, lr: 0.005}
        train: {epochs: 3}
        """
    }

    func testClassifierJobRunsEndToEndAndPredictsAFile() throws {
        let job = try writeJob("sentiment.yaml", classifierJob)
        let run = try jikji(["job", "run", job, "--quiet", "--runs", runs])
        XCTAssertTrue(run.output.contains("test.accuracy"), run.output)
        XCTAssertTrue(run.stderr.contains("training vocabulary") || run.stderr.contains("cli-wp"), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: runs + "/1/report.html"))

        let list = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(list.output.contains("cli-sentiment") && list.output.contains("completed"), list.output)
        let show = try jikji(["job", "show", "1", "--runs", runs])
        XCTAssertTrue(show.output.contains("accuracy"), show.output)
        let report = try jikji(["job", "report", "1", "--runs", runs, "--output", path("report.html")])
        XCTAssertTrue(try String(contentsOfFile: path("report.html"), encoding: .utf8).contains("<svg"), report.output)

        // One `label<TAB>probability` line per review, and the accuracy against the file's labels.
        let predict = try jikji(["predict", "1", "--input", path("test.tsv"), "--column", "document", "--runs", runs])
        let lines = predict.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 800)
        for line in lines {
            let fields = line.split(separator: "\t")
            XCTAssertEqual(fields.count, 2, String(line))
            XCTAssertTrue(["0", "1"].contains(String(fields[0])), String(line))
            XCTAssertTrue((0.5...1).contains(Double(fields[1]) ?? -1), String(line))
        }
        let accuracy = try XCTUnwrap(predict.stderr.split(separator: " ").dropFirst().first.flatMap { Double($0) }, predict.stderr)
        XCTAssertGreaterThan(accuracy, 0.6, "6000 reviews teach more than chance")

        // A classifier cannot generate; an unknown run is named.
        let generate = try jikji(["generate", "1", "--prompt", "영화", "--runs", runs], status: 1)
        XCTAssertTrue(generate.stderr.contains("generate needs a language model"), generate.stderr)
        let missing = try jikji(["predict", "42", "--input", path("test.tsv"), "--runs", runs], status: 1)
        XCTAssertTrue(missing.stderr.contains("42"), missing.stderr)
    }

    /// Ctrl-C while training: the run checkpoints, says how to continue and exits with 130;
    /// `job resume` then finishes it with the metrics of a run that was never interrupted.
    func testCtrlCCheckpointsAndResumeEndsLikeAnUninterruptedRun() throws {
        let job = try writeJob("sentiment.yaml", classifierJob)
        let longer = ["--set", "train.epochs=8"]
        let started = try RunningJikjiCommand(["job", "run", job, "--quiet", "--runs", runs] + longer)
        // The handler is installed before "training:" is logged; let a few steps run first.
        XCTAssertTrue(started.waitForStderr(containing: "training:", timeout: 300), started.stderr)
        usleep(300_000)
        started.interrupt()
        let stopped = started.finish()
        XCTAssertEqual(stopped.status, 130, stopped.stderr + stopped.output)
        XCTAssertTrue(stopped.output.contains("run 1 interrupted"), stopped.output)
        XCTAssertTrue(stopped.output.contains("continue with: jikji job resume 1 --runs \(runs)"), stopped.output)
        let list = try jikji(["job", "list", "--runs", runs])
        XCTAssertTrue(list.output.contains("interrupted"), list.output)
        let show = try jikji(["job", "show", "1", "--runs", runs])
        XCTAssertTrue(show.output.contains("checkpoint step"), show.output)

        let resumed = try jikji(["job", "resume", "1", "--quiet", "--runs", runs])
        XCTAssertTrue(resumed.output.contains("run 1 completed"), resumed.output)
        let otherRuns = path("uninterrupted-runs")
        let whole = try jikji(["job", "run", job, "--quiet", "--runs", otherRuns] + longer)
        XCTAssertTrue(whole.output.contains("completed"), whole.output)
        // Metric lines (`  test.accuracy 0.7312`) of both: equal, since the weights are.
        func metrics(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("  test.") || $0.hasPrefix("  valid.") }
        }
        XCTAssertFalse(metrics(whole.output).isEmpty, whole.output)
        XCTAssertEqual(metrics(resumed.output), metrics(whole.output))
    }

    func testBadJobFilesAreRefusedWithTheKeyPathAndNothingIsRun() throws {
        let job = try writeJob("sentiment.yaml", classifierJob)
        let typo = try jikji(["job", "run", job, "--quiet", "--runs", runs, "--set", "model.encoder.cel=lstm"], status: 1)
        XCTAssertTrue(typo.stderr.contains("model.encoder.cel"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("cell"), "the allowed keys are listed: \(typo.stderr)")
        let wrongType = try jikji(["job", "run", job, "--quiet", "--runs", runs, "--set", "train.epochs=many"], status: 1)
        XCTAssertTrue(wrongType.stderr.contains("train.epochs"), wrongType.stderr)
        let missingFile = try jikji(["job", "run", path("nowhere.yaml"), "--quiet", "--runs", runs], status: 1)
        XCTAssertTrue(missingFile.stderr.contains("nowhere.yaml"), missingFile.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: runs + "/1"), "no run folder for a refused job")
        let tiny = try jikji(["job", "run", job, "--quiet", "--runs", runs, "--set", "vocab.vocab_size=100"], status: 1)
        XCTAssertTrue(tiny.stderr.contains("vocab.vocab_size: 100 is below the"), tiny.stderr)
        XCTAssertTrue(tiny.stderr.contains("vocab.limit_alphabet"), tiny.stderr)
    }

    func testLanguageModelGeneratesReproduciblyWithASeed() throws {
        let job = try writeJob("lm.yaml", """
        name: cli-lm
        seed: 4
        data: {train: \(path("train.tsv")), text_column: document, valid_ratio: 0.05}
        vocab: {name: cli-lm-wp, database: \(path("vocab.sqlite")), vocab_size: 4000, min_frequency: 2}
        batching: {batch_size: 16, window: 16}
        model: {kind: language_model, embedding: 32, encoder: {cell: lstm, hidden: 32}, tie_weights: true}
        optim: {optimizer: adam, lr: 0.01}
        train: {epochs: 1, max_steps: 40}
        """)
        let run = try jikji(["job", "run", job, "--quiet", "--runs", runs])
        XCTAssertTrue(run.output.contains("perplexity"), run.output)
        let arguments = ["generate", "1", "--prompt", "이 영화", "--temperature", "0.9", "--top-k", "20", "--max-tokens", "12", "--runs", runs]
        let first = try jikji(arguments + ["--seed", "7"])
        let again = try jikji(arguments + ["--seed", "7"])
        XCTAssertEqual(first.output, again.output, "the same seed gives the same text")
        XCTAssertTrue(first.output.hasPrefix("이 영화"), first.output)
        XCTAssertGreaterThan(first.output.count, "이 영화".count + 1, "something was generated: \(first.output)")
    }

    func testEncoderDecoderTranslatesOneLinePerInputLine() throws {
        let job = try writeJob("chat.yaml", """
        name: cli-chat
        seed: 5
        data: {train: \(path("chat.csv")), source_column: Q, target_column: A, valid_ratio: 0.1}
        vocab: {name: cli-chat-wp, database: \(path("vocab.sqlite")), vocab_size: 3000, min_frequency: 1}
        batching: {batch_size: 32, max_length: 24}
        model: {kind: seq2seq, embedding: 32, encoder: {cell: gru, hidden: 32}, decoder: {cell: lstm, hidden: 32}, attention: general}
        optim: {optimizer: adam, lr: 0.01}
        train: {epochs: 1, max_steps: 30}
        """)
        let run = try jikji(["job", "run", job, "--quiet", "--runs", runs])
        XCTAssertTrue(run.output.contains("perplexity"), run.output)
        try "오늘 날씨 어때\n배고파\n\n영화 보러 갈까\n".write(toFile: path("questions.txt"), atomically: true, encoding: .utf8)
        let greedy = try jikji(["translate", "1", "--input", path("questions.txt"), "--runs", runs])
        XCTAssertEqual(greedy.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().count, 4, greedy.output)
        let beam = try jikji(["translate", "1", "--input", path("questions.txt"), "--beam", "3", "--n-best", "2", "--runs", runs])
        let beamLines = beam.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(beamLines.count, 4, beam.output)
        XCTAssertTrue(beamLines.filter { !$0.isEmpty }.allSatisfy { $0.contains("\t") }, "two answers per line: \(beam.output)")
    }
}
