import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiVocabStore
import JikjiIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A training run that cannot go on, with what to do about it.
public enum JobRunError: Error, CustomStringConvertible {
    case data(String)
    case resume(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .data(why): return "data: \(why)"
        case let .resume(why): return "cannot resume: \(why)"
        case let .unsupported(why): return why
        }
    }
}

/// Set by the SIGINT handler; the training loop checkpoints and stops when it sees it. An atomic
/// (lock-free, so a signal handler may store to it), which the loop is sure to see.
private let interruptRequested = Atomic(false)

/// Runs a job: prepares the vocabulary and datasets, trains them with a ``Trainer`` configured
/// from the job file, and records the run (metrics, checkpoints, status, report) in the run registry.
///
/// A run can be resumed from its last checkpoint and then ends with the same weights as an
/// uninterrupted run (see ``Trainer``); a checkpoint counts only once the registry records it, so
/// a process killed at any moment leaves the last recorded checkpoint intact.
public struct JobRunner {
    /// Where runs go and how they report.
    public struct Options {
        /// Folder of run folders (`runs/<id>/`).
        public var runsDirectory: String = "runs"
        /// The run registry database.
        public var registryPath: String = "runs/jikji-runs.sqlite"
        /// Show a progress bar (or periodic lines when standard error is not a terminal).
        public var progress: Bool = true
        /// Messages for the user (standard error by default).
        /// (Standard error by default, through ``StandardStreams/log(_:)``: a log line that cannot be
        /// written does not stop the training, but the CLI's exit status reports it.)
        public var log: (String) -> Void = { StandardStreams.log($0 + "\n") }
        /// Trains the job's vocabulary when the store lacks it (nil: a missing vocabulary is an error).
        public var trainVocabulary: ((JobConfig) throws -> StoredVocabulary)? = JobVocabularyTraining.train
        /// Stop (as if interrupted, with a checkpoint) after this many steps of this process — for tests.
        public var stopAfterSteps: Int?
        /// Refuse a model and batch whose ``JobMemoryEstimate`` exceeds the available memory
        /// (`--skip-memory-check` turns it off).
        public var checksMemory = true
        /// Options with the defaults above.
        public init() {}
    }

    /// What a finished (or interrupted) run reports.
    public struct Summary {
        public let runID: Int
        public let status: RunRegistry.Status
        /// The last evaluation's metrics by `split.name` (`valid.accuracy`, `test.accuracy`, …).
        public let metrics: [String: Double]
        public let steps: Int
        /// Mean wall time of a training epoch, seconds (nil when no epoch completed in this process).
        public let secondsPerEpoch: Double?
        /// Tokens read per second of training steps in this process (batch building, forward,
        /// backward, clipping and the optimizer; evaluations and checkpoints excluded), or nil.
        public let trainingTokensPerSecond: Double?
        public let reportPath: String
        public let directory: String
    }

    /// Starts a new run of `job`.
    public static func start(job: JobConfig, jobFile: String, options: Options) throws -> Summary {
        let registry = try RunRegistry(path: options.registryPath)
        let runsDirectory = options.runsDirectory
        let run = try registry.startRun(jobName: job.name, jobFile: jobFile, seed: job.seed, resolvedConfig: job.resolved.yaml(),
                                        directory: { "\(runsDirectory)/\($0)" })
        options.log("run \(run.id): \(job.name) → \(run.directory)")
        try FileManager.default.createDirectory(atPath: run.directory, withIntermediateDirectories: true)
        try Data(job.resolved.yaml().utf8).write(to: URL(fileURLWithPath: run.directory + "/job.yaml"), options: .atomic)
        return try train(job: job, run: run, registry: registry, options: options, checkpoint: nil)
    }

    /// Continues run `runID` from its last checkpoint.
    public static func resume(runID: Int, options: Options) throws -> Summary {
        let registry = try RunRegistry(path: options.registryPath)
        let run = try registry.run(runID)
        guard run.status != .completed else {
            throw JobRunError.resume("run \(runID) is already completed")
        }
        let job = try JobConfig(yaml: run.resolvedConfig, source: "run \(runID)'s resolved job", defaultName: run.jobName)
        let checkpoint = try registry.checkpoints(of: runID).last
        options.log("run \(run.id): resuming \(job.name) from " + (checkpoint.map { "step \($0.step)" } ?? "the start (no checkpoint yet)"))
        try registry.setStatus(.running, of: runID)
        return try train(job: job, run: run, registry: registry, options: options, checkpoint: checkpoint)
    }

    /// One process's part of a run: the data, the task and the trainer the job describes, trained
    /// from `checkpoint` (nil: the start), and the run's status and report updated.
    static func train(job: JobConfig, run: RunRegistry.Run, registry: RunRegistry, options: Options,
                      checkpoint: RunRegistry.Checkpoint?) throws -> Summary {
        let data = try JobData.prepare(job: job, trainVocabulary: options.trainVocabulary, log: options.log)
        // Before the model is allocated: one that cannot fit is refused with the figures.
        if options.checksMemory { try JobMemoryEstimate(job: job, vocabularySize: data.vocabulary.size).check(job: job) }
        var generator = SeededGenerator(seed: job.seed)
        let task = try makeTask(job: job, vocabulary: data.vocabulary, generator: &generator)
        let batching = try job.batchingOptions(vocabulary: data.vocabulary)
        let test = data.test.map { EvaluationSet(name: "test", dataset: $0, split: .train) }
        var trainerOptions = Trainer.Options(checkpointDirectory: run.directory + "/checkpoints")
        trainerOptions.progress = options.progress
        trainerOptions.log = options.log
        trainerOptions.stopAfterSteps = options.stopAfterSteps
        trainerOptions.shouldStop = { interruptRequested.load(ordering: .relaxed) }
        let trainer = try Trainer(task: task, data: TrainingData(train: data.main, batching: batching, test: test),
                                  configuration: job.trainerConfiguration, generator: generator,
                                  recorder: RegistryRecorder(registry: registry, runID: run.id), options: trainerOptions)
        try Data(task.architectureJSON.utf8).write(to: URL(fileURLWithPath: run.directory + "/model.json"), options: .atomic)
        if let checkpoint {
            do {
                try trainer.restore(TrainingCheckpoint(step: checkpoint.step, path: checkpoint.path, metric: checkpoint.metric,
                                                       isBest: checkpoint.isBest))
            } catch let error as CheckpointError {
                throw JobRunError.resume(error.description)
            }
        }
        interruptRequested.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        defer { signal(SIGINT, SIG_DFL) }
        let outcome = try trainer.train()
        let status: RunRegistry.Status = outcome.status == .interrupted ? .interrupted : .completed
        try registry.setStatus(status, of: run.id)
        if status == .interrupted {
            options.log("run \(run.id) interrupted at step \(outcome.steps); continue with: jikji job resume \(run.id)")
        }
        let reportPath = run.directory + "/report.html"
        let report = RunReport(run: try registry.run(run.id), metrics: try registry.metrics(of: run.id),
                               checkpoints: try registry.checkpoints(of: run.id))
        try report.write(to: URL(fileURLWithPath: reportPath))
        return Summary(runID: run.id, status: status, metrics: outcome.metrics, steps: outcome.steps,
                       secondsPerEpoch: outcome.secondsPerEpoch, trainingTokensPerSecond: outcome.trainingTokensPerSecond,
                       reportPath: reportPath, directory: run.directory)
    }
}

/// The run registry as a trainer's recorder: metrics and checkpoints of one run.
final class RegistryRecorder: TrainingRecorder {
    let registry: RunRegistry
    let runID: Int

    init(registry: RunRegistry, runID: Int) {
        self.registry = registry
        self.runID = runID
    }

    func record(_ metrics: [TrainingMetric]) throws {
        try registry.record(metrics.map { RunRegistry.Metric(step: $0.step, epoch: $0.epoch, split: $0.split, name: $0.name, value: $0.value) },
                            for: runID)
    }

    func record(_ checkpoint: TrainingCheckpoint) throws {
        try registry.record(RunRegistry.Checkpoint(step: checkpoint.step, path: checkpoint.path, metric: checkpoint.metric,
                                                   isBest: checkpoint.isBest), for: runID)
    }

    func checkpoints() throws -> [TrainingCheckpoint] {
        try registry.checkpoints(of: runID).map { TrainingCheckpoint(step: $0.step, path: $0.path, metric: $0.metric, isBest: $0.isBest) }
    }

    func removeCheckpoint(step: Int) throws { try registry.removeCheckpoint(step: step, of: runID) }
}
