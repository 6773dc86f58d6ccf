import Foundation
import JikjiData
import JikjiDistributed
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
        /// False on the ranks of a data-parallel run other than rank 0: rank 0 reports the run.
        public var reportsResult = true
    }

    /// Starts a new run of `job`. The run records its job with absolute paths, then pins the
    /// vocabulary version and datasets it prepared; a failure from then on marks it `failed` with
    /// the error, and it holds its ``RunLock`` while it trains.
    ///
    /// Started by mpirun as one of several ranks, rank 0 does all of that and the others train
    /// with it (``follow(_:options:)``).
    public static func start(job: JobConfig, jobFile: String, options: Options) throws -> Summary {
        let parallel = try joinLaunch(options: options)
        if let parallel, !parallel.isPrimary { return try follow(parallel, options: options) }
        let job = try job.withAbsolutePaths()
        // A run that starts from another names it before anything is prepared (or recorded).
        if let encoderInit = job.model.encoderInit {
            try EncoderInitialization.requireSource(encoderInit, registryPath: options.registryPath)
        }
        let registry = try RunRegistry(path: options.registryPath)
        let runsDirectory = RunPaths.absolute(options.runsDirectory)
        let run = try registry.startRun(jobName: job.name, jobFile: jobFile, seed: job.seed, resolvedConfig: job.resolved.yaml(),
                                        directory: { "\(runsDirectory)/\($0)" })
        let lock: RunLock
        do {
            lock = try RunLock(runIn: run.directory)
        } catch {
            try? registry.setStatus(.failed, of: run.id, error: "\(error)")
            throw error
        }
        options.log("run \(run.id): \(job.name) → \(run.directory)")
        return try failing(run: run.id, registry: registry) {
            try writeResolvedJob(job, of: run)
            let data = try JobData.prepare(job: job, trainVocabulary: options.trainVocabulary, log: options.log)
            let pinned = try job.pinning(vocabulary: data.vocabulary.reference, database: job.vocab.database)
            try registry.pin(data.pins(database: job.vocab.database), resolvedConfig: pinned.resolved.yaml(), of: run.id)
            try writeResolvedJob(pinned, of: run)
            return try train(job: pinned, data: data, run: run, registry: registry, options: options, checkpoint: nil, lock: lock,
                             parallel: parallel)
        }
    }

    /// Continues run `runID` from its last checkpoint, with the vocabulary and datasets it pinned.
    /// - Throws: ``JobRunError/resume(_:)`` when the run completed, failed (with its error), is
    ///   being trained by a live process, or its data changed since it started.
    public static func resume(runID: Int, options: Options) throws -> Summary {
        let parallel = try joinLaunch(options: options)
        if let parallel, !parallel.isPrimary { return try follow(parallel, options: options) }
        let registry = try RunRegistry(path: options.registryPath)
        try refuseUnresumable(try registry.run(runID))
        let lock: RunLock
        do {
            lock = try RunLock(runIn: try registry.run(runID).directory)
        } catch let error as RunLockError {
            throw JobRunError.resume("run \(runID) is being trained right now: \(error)")
        }
        // Read again under the lock: a process that held it until a moment ago may have finished the run.
        let run = try registry.run(runID)
        try refuseUnresumable(run)
        let job = try JobConfig(yaml: run.resolvedConfig, source: "run \(runID)'s resolved job", defaultName: run.jobName)
        let checkpoint = try registry.checkpoints(of: runID).last
        options.log("run \(run.id): resuming \(job.name) from " + (checkpoint.map { "step \($0.step)" } ?? "the start (no checkpoint yet)"))
        // The run must go on with what it started with; a missing vocabulary or a changed corpus
        // is reported without touching the run, which stays resumable once that is put right.
        let data = try JobData.prepare(job: job, trainVocabulary: nil, log: options.log)
        if let pins = run.pins {
            let now = data.pins(database: pins.vocabularyDatabase)
            if now.vocabulary != pins.vocabulary {
                throw JobRunError.resume("run \(runID) trained with vocabulary \(pins.vocabulary), but \(now.vocabulary) was loaded")
            }
            for (was, is_) in zip(pins.datasets, now.datasets) where was != is_ {
                throw JobRunError.resume("the \(was.role) dataset of run \(runID) changed since it started (\(was.name) \(was.digest), "
                                         + "now \(is_.name) \(is_.digest)): its corpus files were edited; start a new run")
            }
        }
        // Metrics a dead process recorded after the checkpoint are recorded again from it.
        try registry.discardMetrics(after: checkpoint, of: runID)
        try registry.setStatus(.running, of: runID)
        return try failing(run: runID, registry: registry) {
            try train(job: job, data: data, run: run, registry: registry, options: options, checkpoint: checkpoint, lock: lock,
                      parallel: parallel)
        }
    }

    /// Throws why `run` cannot be resumed: it completed, or it failed (with its recorded error).
    static func refuseUnresumable(_ run: RunRegistry.Run) throws {
        switch run.status {
        case .completed:
            throw JobRunError.resume("run \(run.id) is already completed")
        case .failed:
            throw JobRunError.resume("run \(run.id) failed and cannot go on: \(run.error ?? "no error was recorded")"
                                     + "; fix the cause and start a new run (jikji job run \(run.jobFile))")
        case .running, .interrupted:
            return
        }
    }

    /// Runs `body`; an error marks run `runID` failed with its description, then propagates.
    static func failing(run runID: Int, registry: RunRegistry, _ body: () throws -> Summary) throws -> Summary {
        do {
            return try body()
        } catch {
            try? registry.setStatus(.failed, of: runID, error: "\(error)")
            throw error
        }
    }

    /// Writes `runs/<id>/job.yaml`: the resolved job as the run uses it.
    static func writeResolvedJob(_ job: JobConfig, of run: RunRegistry.Run) throws {
        try Data(job.resolved.yaml().utf8).write(to: URL(fileURLWithPath: run.directory + "/job.yaml"), options: .atomic)
    }

    /// One process's part of a run: the task and the trainer the job describes on `data`, trained
    /// from `checkpoint` (nil: the start), and the run's status and report updated. `lock` is
    /// held until it returns. With `parallel` (rank 0 of several), the other ranks are told the
    /// run first and train with it.
    static func train(job: JobConfig, data: JobData, run: RunRegistry.Run, registry: RunRegistry, options: Options,
                      checkpoint: RunRegistry.Checkpoint?, lock: RunLock, parallel: DataParallelTraining? = nil) throws -> Summary {
        defer { withExtendedLifetime(lock) {} }
        // Before the model is allocated: one that cannot fit is refused with the figures.
        if options.checksMemory { try JobMemoryEstimate(job: job, vocabularySize: data.vocabulary.size).check(job: job) }
        if let parallel {
            try RunAssignment(runID: run.id, directory: run.directory, jobName: run.jobName, jobYAML: job.resolved.yaml(),
                              checkpoint: checkpoint).send(over: parallel)
        }
        // TensorBoard events (a new file per process) and metrics.jsonl (cut back to the checkpoint resumed from).
        let metricSinks: [any TrainingMetricSink] = [
            try TensorBoardWriter(folder: run.directory + "/tb"),
            try MetricsLogWriter(path: run.directory + "/metrics.jsonl", keepingThrough: checkpoint?.step ?? 0),
        ]
        let (trainer, task) = try makeTrainer(job: job, data: data, recorder: RegistryRecorder(registry: registry, runID: run.id),
                                              checkpointDirectory: run.directory + "/checkpoints", metricSinks: metricSinks,
                                              options: options, parallel: parallel) { task in
            // A resumed run's checkpoint holds the weights; only a new run starts from the source run
            // (on rank 0: the other ranks get its weights when ``restore(_:from:parallel:)`` broadcasts them).
            if checkpoint == nil, let encoderInit = job.model.encoderInit {
                let report = try EncoderInitialization.apply(encoderInit, to: task, job: job, vocabulary: data.vocabulary.reference,
                                                             registryPath: options.registryPath)
                options.log(report.description)
            }
        }
        try Data(task.architectureJSON.utf8).write(to: URL(fileURLWithPath: run.directory + "/model.json"), options: .atomic)
        try restore(trainer, from: checkpoint, parallel: parallel)
        interruptRequested.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        defer { signal(SIGINT, SIG_DFL) }
        let outcome = try trainer.train()
        let status: RunRegistry.Status = outcome.status == .interrupted ? .interrupted : .completed
        try registry.setStatus(status, of: run.id)
        if status == .interrupted {
            options.log("run \(run.id) interrupted at step \(outcome.steps); continue with: jikji job resume \(run.id)")
        }
        if status == .completed {
            // Sample predictions and provenance for the report; a failure here costs the report its
            // samples, never the trained run.
            do {
                try ReportSupplement.make(runID: run.id, registryPath: options.registryPath, data: data, directory: run.directory)
                    .write(directory: run.directory)
            } catch {
                options.log("run \(run.id): the report's sample predictions could not be made: \(error)")
            }
        }
        let reportPath = run.directory + "/report.html"
        let report = RunReport(run: try registry.run(run.id), metrics: try registry.metrics(of: run.id),
                               checkpoints: try registry.checkpoints(of: run.id))
        try report.write(to: URL(fileURLWithPath: reportPath))
        if let parallel {
            options.log(parallel.description)
            try parallel.communicator.finish()
        }
        return Summary(runID: run.id, status: status, metrics: outcome.metrics, steps: outcome.steps,
                       secondsPerEpoch: outcome.secondsPerEpoch, trainingTokensPerSecond: outcome.trainingTokensPerSecond,
                       reportPath: reportPath, directory: run.directory)
    }
}

extension JobRunner {
    /// The task and trainer `job` describes on `data`, recording into `recorder` and writing
    /// checkpoints into `checkpointDirectory` (nil: none, a data-parallel rank other than 0).
    static func makeTrainer(job: JobConfig, data: JobData, recorder: any TrainingRecorder, checkpointDirectory: String?,
                            metricSinks: [any TrainingMetricSink] = [], options: Options,
                            parallel: DataParallelTraining?,
                            prepare: (any TrainingTask) throws -> Void = { _ in }) throws -> (Trainer, any TrainingTask) {
        var generator = SeededGenerator(seed: job.seed)
        let batching = try job.batchingOptions(vocabulary: data.vocabulary)
        let task = try makeTask(job: job, vocabulary: data.vocabulary,
                                frequencyOrder: languageModelFrequencyOrder(job: job, data: data, batching: batching),
                                generator: &generator)
        try prepare(task)
        let test = data.test.map { EvaluationSet(name: "test", dataset: $0, split: .train) }
        var trainerOptions = Trainer.Options(checkpointDirectory: checkpointDirectory)
        trainerOptions.progress = options.progress
        trainerOptions.log = options.log
        trainerOptions.stopAfterSteps = options.stopAfterSteps
        trainerOptions.shouldStop = { interruptRequested.load(ordering: .relaxed) }
        trainerOptions.distribution = parallel
        trainerOptions.metricSinks = metricSinks
        let trainer = try Trainer(task: task, data: TrainingData(train: data.main, batching: batching, test: test),
                                  configuration: job.trainerConfiguration, generator: generator,
                                  recorder: recorder, options: trainerOptions)
        return (trainer, task)
    }

    /// Puts `trainer` back where `checkpoint` left it (nil: the start); with `parallel`, every
    /// rank then starts from rank 0's weights.
    static func restore(_ trainer: Trainer, from checkpoint: RunRegistry.Checkpoint?, parallel: DataParallelTraining?) throws {
        if let checkpoint {
            do {
                try trainer.restore(TrainingCheckpoint(step: checkpoint.step, path: checkpoint.path, metric: checkpoint.metric,
                                                       isBest: checkpoint.isBest))
            } catch let error as CheckpointError {
                throw JobRunError.resume(error.description)
            }
        }
        try parallel?.broadcastValues(of: trainer.task.namedParameters.map(\.parameter))
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
