import ArgumentParser
import Foundation
import JikjiJobs
import JikjiVocabStore

/// `jikji job`: run training jobs described in `jobs/*.yaml`, and look at their runs.
struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run training jobs from job files and inspect their runs.",
        subcommands: [JobRun.self, JobResume.self, JobList.self, JobShow.self, JobReport.self]
    )
}

/// Where runs are kept.
struct RunRegistryOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of run folders.")
    var runs: String = "runs"

    /// The registry database inside the runs folder.
    var registryPath: String { runs + "/jikji-runs.sqlite" }

    func runnerOptions(quiet: Bool) -> JobRunner.Options {
        var options = JobRunner.Options()
        options.runsDirectory = runs
        options.registryPath = registryPath
        options.progress = !quiet
        return options
    }
}

struct JobRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train the model a job file describes (vocabulary and dataset are made when missing).",
        discussion: "Settings with a closed set of values (in the file or with --set):\n"
            + JobConfig.closedChoices.map { "  \($0.key): \($0.values.joined(separator: ", "))" }.joined(separator: "\n"))

    @Argument(help: "The job file, e.g. jobs/nsmc-sentiment.yaml.")
    var file: String

    @Option(name: .customLong("set"), parsing: .singleValue, help: "Override a setting: key.path=value (repeatable).")
    var overrides: [String] = []

    @Flag(help: "A first look: one epoch of at most 1,500 steps, evaluated every 300 (curves in the report, a minute or two of training).")
    var quick = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Train even when the model and one batch are estimated to need more memory than is available.")
    var skipMemoryCheck = false

    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        var options = registry.runnerOptions(quiet: quiet)
        options.checksMemory = !skipMemoryCheck
        var all = overrides
        // Long enough for curves: 30 logged losses and 5 evaluations (NSMC: about 0.83 test accuracy).
        if quick { all = ["train.epochs=1", "train.max_steps=1500", "train.eval_every=300"] + all }
        let job = try JobConfig(contentsOf: URL(fileURLWithPath: file), overrides: all)
        let summary = try JobRunner.start(job: job, jobFile: file, options: options)
        try JobSummaryPrinter.print(summary, runsFolder: registry.runs)
    }
}

struct JobResume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue an interrupted run from its last checkpoint.")

    @Argument(help: "The run id (see `jikji job list`).")
    var runID: Int

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Train even when the model and one batch are estimated to need more memory than is available.")
    var skipMemoryCheck = false

    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        var options = registry.runnerOptions(quiet: quiet)
        options.checksMemory = !skipMemoryCheck
        let summary = try JobRunner.resume(runID: runID, options: options)
        try JobSummaryPrinter.print(summary, runsFolder: registry.runs)
    }
}

struct JobList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")
    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        guard FileManager.default.fileExists(atPath: registry.registryPath) else {
            print("no runs yet in \(registry.registryPath)"); return
        }
        let store = try RunRegistry(path: registry.registryPath, readOnly: true)
        let runs = try store.runs()
        if runs.isEmpty { print("no runs yet in \(registry.registryPath)"); return }
        let formatter = ISO8601DateFormatter()
        print("id  status       started               job")
        for r in runs {
            print(String(format: "%-3d %-12@ %@  %@", r.id, store.observedStatus(of: r).rawValue, formatter.string(from: r.startedAt), r.jobName))
        }
    }
}

struct JobShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a run: status, last metrics, checkpoints.")
    @Argument(help: "The run id.") var runID: Int
    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        let store = try RunRegistry(path: registry.registryPath, readOnly: true)
        let r = try store.run(runID)
        print("run \(r.id): \(r.jobName) (\(r.jobFile))")
        let status = store.observedStatus(of: r)
        print("status: \(status.rawValue); seed \(r.seed); machine: \(r.machine); folder: \(r.directory)")
        if case let .held(holder) = RunLock.holder(ofRunIn: r.directory), status == .running { print("trained by \(holder)") }
        if status == .interrupted, r.status == .running { print("its process is gone; continue with: jikji job resume \(r.id)") }
        if let error = r.error { print("error: \(error)") }
        if let pins = r.pins {
            print("vocabulary: \(pins.vocabulary) in \(pins.vocabularyDatabase)")
            for d in pins.datasets { print("dataset \(d.role): \(d.name) (\(d.digest))") }
        }
        var last: [String: RunRegistry.Metric] = [:]
        // Per-class scores and confusion counts (`f1.0`, `confusion.1.0`) are in the report.
        for m in try store.metrics(of: runID) where !m.name.contains(".") { last["\(m.split).\(m.name)"] = m }
        for (key, m) in last.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  %-18@ %.4f  (step %d)", key, m.value, m.step))
        }
        for c in try store.checkpoints(of: runID) {
            print("  checkpoint step \(c.step)\(c.isBest ? " (best)" : ""): \(c.path)")
        }
    }
}

struct JobReport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Write a run's HTML report with loss and metric curves.")
    @Argument(help: "The run id.") var runID: Int
    @Option(help: "Where to write the page (default: the run's folder/report.html).") var output: String?
    @OptionGroup var registry: RunRegistryOptions

    func run() throws {
        let store = try RunRegistry(path: registry.registryPath, readOnly: true)
        let r = try store.run(runID)
        let path = output ?? r.directory + "/report.html"
        try RunReport(run: r, metrics: try store.metrics(of: runID), checkpoints: try store.checkpoints(of: runID))
            .write(to: URL(fileURLWithPath: path))
        print(path)
    }
}

enum JobSummaryPrinter {
    /// Prints the summary; a run stopped by Ctrl-C also gets the command that continues it and
    /// exits with status 130 (the shell's code for SIGINT), so `jikji job run … && next` stops.
    /// Silent on the ranks of a data-parallel run other than 0 (rank 0 reports the run).
    static func print(_ s: JobRunner.Summary, runsFolder: String) throws {
        guard s.reportsResult else { return }
        jikji.print("run \(s.runID) \(s.status.rawValue) after \(s.steps) steps")
        for (key, value) in s.metrics.sorted(by: { $0.key < $1.key }) where key.split(separator: ".").count == 2 {
            jikji.print(String(format: "  %-18@ %.4f", key, value))
        }
        if let seconds = s.secondsPerEpoch { jikji.print(String(format: "  %-18@ %.1f s", "time per epoch", seconds)) }
        if let rate = s.trainingTokensPerSecond { jikji.print(String(format: "  %-18@ %.0f", "training tokens/s", rate)) }
        jikji.print("report: \(s.reportPath)")
        if s.status == .interrupted {
            jikji.print("interrupted after a checkpoint at step \(s.steps); continue with: jikji job resume \(s.runID)"
                        + (runsFolder == "runs" ? "" : " --runs \(runsFolder)"))
            throw ExitCode(130)
        }
    }
}
