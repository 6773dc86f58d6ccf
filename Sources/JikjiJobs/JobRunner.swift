import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTerminal
import JikjiVocabStore
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

/// Set by the SIGINT handler; the training loop checkpoints and stops when it sees it.
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

/// Runs a job: prepares the vocabulary and datasets, trains with evaluation, checkpoints and
/// early stopping, tests, and records everything in the run registry.
///
/// A run can be resumed from its last checkpoint and then ends with the same weights as an
/// uninterrupted run: the checkpoint holds the model, the optimizer's state, the position in
/// the data order (epoch and batch; each epoch's order is a function of the seed and the epoch)
/// and the random generator's state. A checkpoint is two files written to a temporary folder
/// that is renamed into place, and it counts only once the registry records it, so a process
/// killed at any moment leaves the last recorded checkpoint intact.
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
        public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        /// Trains the job's vocabulary when the store lacks it (nil: a missing vocabulary is an error).
        public var trainVocabulary: ((JobConfig) throws -> StoredVocabulary)? = JobVocabularyTraining.train
        /// Stop (as if interrupted, with a checkpoint) after this many steps of this process — for tests.
        public var stopAfterSteps: Int?
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
        let session = try TrainingSession(job: job, run: run, registry: registry, options: options, checkpoint: nil)
        return try session.train()
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
        let session = try TrainingSession(job: job, run: run, registry: registry, options: options, checkpoint: checkpoint)
        return try session.train()
    }
}

/// One process's part of a run.
final class TrainingSession {
    let job: JobConfig
    let run: RunRegistry.Run
    let registry: RunRegistry
    let options: JobRunner.Options
    let data: JobData
    var task: TrainingTask
    var optimizer: any Optimizer
    /// Embedding tables updated only in the rows a batch used (`optim.embedding_update` lazy or
    /// sparse): state_dict name and table.
    let sparseTables: [(name: String, parameter: Parameter)]
    let schedule: LearningRateSchedule
    var generator: SeededGenerator
    // Position: the next batch to run is `batchIndex` of epoch `epoch`; `step` optimizer steps are done.
    var epoch = 0
    var batchIndex = 0
    var step = 0
    var bestMetric: Double?
    var evaluationsWithoutImprovement = 0
    var lastMetrics: [String: Double] = [:]
    /// Batches per epoch of the training split (the plan depends only on the data and options).
    let stepsPerEpoch: Int
    /// The step of this process's last evaluation (nil: none yet), so the end of training does
    /// not evaluate the same weights twice.
    var lastEvaluationStep: Int?

    init(job: JobConfig, run: RunRegistry.Run, registry: RunRegistry, options: JobRunner.Options,
         checkpoint: RunRegistry.Checkpoint?) throws {
        self.job = job
        self.run = run
        self.registry = registry
        self.options = options
        data = try JobData.prepare(job: job, trainVocabulary: options.trainVocabulary, log: options.log)
        var generator = SeededGenerator(seed: job.seed)
        task = try makeTask(job: job, vocabulary: data.vocabulary, generator: &generator)
        self.generator = generator
        let o = job.optim
        // Embedding tables are updated only in the rows a batch used unless asked for dense updates.
        sparseTables = o.embeddingUpdate == .dense ? [] : task.embeddingTables
        let parameters = task.namedParameters
        switch o.optimizer {
        case .sgd:
            optimizer = SGD(parameters: parameters, learningRate: Float(o.learningRate), momentum: Float(o.momentum),
                            weightDecay: Float(o.weightDecay))
        case .adamw:
            optimizer = Adam.adamW(parameters: parameters, learningRate: Float(o.learningRate), betas: (Float(o.beta1), Float(o.beta2)),
                                   epsilon: Float(o.epsilon), weightDecay: Float(o.weightDecay))
        case .adam:
            optimizer = Adam(parameters: parameters, learningRate: Float(o.learningRate), betas: (Float(o.beta1), Float(o.beta2)),
                             epsilon: Float(o.epsilon), weightDecay: Float(o.weightDecay))
        }
        stepsPerEpoch = try Batches(dataset: data.main, split: .train, options: task.batching, epoch: 0).plan.count
        let totalSteps = job.train.maxSteps ?? stepsPerEpoch * job.train.epochs
        switch o.schedule {
        case .step: schedule = .stepDecay(initial: Float(o.learningRate), every: o.stepSize, factor: Float(o.gamma))
        case .warmupLinear: schedule = .linearWarmupDecay(peak: Float(o.learningRate), warmupSteps: o.warmupSteps, totalSteps: totalSteps)
        case .constant: schedule = .constant(Float(o.learningRate))
        }
        try Data(task.architectureJSON.utf8).write(to: URL(fileURLWithPath: run.directory + "/model.json"), options: .atomic)
        if let checkpoint { try restore(checkpoint) }
    }

    // MARK: Training loop

    func train() throws -> JobRunner.Summary {
        interruptRequested = 0
        signal(SIGINT) { _ in interruptRequested = 1 }
        defer { signal(SIGINT, SIG_DFL) }
        let totalSteps = job.train.maxSteps ?? stepsPerEpoch * job.train.epochs
        let allParameters = task.namedParameters.map(\.parameter)
        let frozenParameters = allParameters.filter { !$0.requiresGradient }
        let bar = ProgressBar("train", total: Int64(totalSteps), unit: .count("steps"), enabled: options.progress, plainInterval: 15)
        // Training alternates threaded products with Jikji's own threaded loops: OpenBLAS's idle
        // workers must not spin through the latter (see BLAS.shortenIdleSpin).
        BLAS.shortenIdleSpin()
        options.log("training: \(stepsPerEpoch) batches per epoch, \(totalSteps) steps, \(BLAS.backendDescription)")
        var epochTimes: [Double] = []
        var stepsThisProcess = 0
        var runningLoss = 0.0, runningCount = 0
        var tokens = 0
        var stepSeconds = 0.0
        var stopped: RunRegistry.Status? = nil
        let start = Date()
        training: while epoch < job.train.epochs && step < totalSteps {
            let epochStart = Date()
            let startedAtBatch = batchIndex
            if batchIndex == 0 { task.startEpoch() }
            let batches = try Batches(dataset: data.main, split: .train, options: task.batching, epoch: epoch)
            while batchIndex < batches.plan.count {
                let stepStart = Date()
                let batch = batches.batch(batchIndex)
                optimizer.learningRate = schedule.rate(atStep: step)
                let result = try task.trainStep(batch, generator: &generator)
                var rows: [String: [Int]] = [:], nonzeroRows: [ObjectIdentifier: [Int]] = [:]
                for (table, touched) in zip(sparseTables, result.touchedRows) {
                    rows[table.name] = touched
                    nonzeroRows[ObjectIdentifier(table.parameter)] = touched
                }
                // Clipping's coefficient is applied, and the gradients zeroed for the next batch,
                // inside the optimizer's pass over them; the norm reads only the table rows used.
                var gradients = GradientUse(scale: 1, zeroAfterUse: true)
                if let maxNorm = job.optim.clipNorm {
                    let norm = GradientClipping.globalNorm(allParameters, nonzeroRows: nonzeroRows)
                    gradients.scale = GradientClipping.coefficient(norm: norm, maxNorm: Float(maxNorm))
                }
                if job.optim.embeddingUpdate == .lazy {
                    optimizer.step(lazyRows: rows, gradients: gradients)
                } else {
                    optimizer.step(sparseRows: rows, gradients: gradients)
                }
                // Frozen parameters are no optimizer's business, but keep their gradients clean too.
                for p in frozenParameters { p.zeroGradient() }
                stepSeconds += Date().timeIntervalSince(stepStart)
                step += 1
                batchIndex += 1
                stepsThisProcess += 1
                tokens += result.tokens
                if result.loss.isFinite { runningLoss += result.loss; runningCount += 1 }
                let elapsed = Date().timeIntervalSince(start)
                bar.update(Int64(step), extra: String(format: "epoch %d loss %.4f %.0f tok/s", epoch + 1,
                                                      runningLoss / Double(max(1, runningCount)), Double(tokens) / max(elapsed, 1e-9)))
                if job.train.evalEvery > 0, step % job.train.evalEvery == 0 {
                    try record(["train.loss": runningLoss / Double(max(1, runningCount))])
                    runningLoss = 0; runningCount = 0
                    if try evaluateAndCheckpoint() { stopped = .completed; break training }
                } else if job.train.checkpointEvery > 0, step % job.train.checkpointEvery == 0 {
                    try checkpoint(metric: nil, isBest: false)
                }
                if interruptRequested != 0 || (options.stopAfterSteps.map { stepsThisProcess >= $0 } ?? false) {
                    try checkpoint(metric: nil, isBest: false)
                    stopped = .interrupted
                    break training
                }
                if step >= totalSteps { break }
            }
            if batchIndex >= batches.plan.count {
                if startedAtBatch == 0 {
                    let seconds = Date().timeIntervalSince(epochStart)
                    epochTimes.append(seconds)
                    // Per epoch, so benchmarks can set each epoch's time beside its evaluation.
                    options.log(String(format: "epoch %d: %.2f s of training", epoch + 1, seconds))
                }
                epoch += 1
                batchIndex = 0
                if job.train.evalEvery == 0 {
                    if runningCount > 0 { try record(["train.loss": runningLoss / Double(runningCount)]) }
                    runningLoss = 0; runningCount = 0
                    if try evaluateAndCheckpoint() { stopped = .completed; break training }
                }
            }
        }
        bar.finish()
        if stopped == .interrupted {
            try registry.setStatus(.interrupted, of: run.id)
            options.log("run \(run.id) interrupted at step \(step); continue with: jikji job resume \(run.id)")
            return try summary(status: .interrupted, epochTimes: epochTimes, tokensPerSecond: stepSeconds > 0 ? Double(tokens) / stepSeconds : nil)
        }
        if lastEvaluationStep != step {
            // The steps since the previous evaluation still deserve an evaluation and a checkpoint.
            _ = try evaluateAndCheckpoint()
        }
        try testBest()
        try registry.setStatus(.completed, of: run.id)
        return try summary(status: .completed, epochTimes: epochTimes, tokensPerSecond: stepSeconds > 0 ? Double(tokens) / stepSeconds : nil)
    }

    func summary(status: RunRegistry.Status, epochTimes: [Double], tokensPerSecond: Double?) throws -> JobRunner.Summary {
        let reportPath = run.directory + "/report.html"
        let report = RunReport(run: try registry.run(run.id), metrics: try registry.metrics(of: run.id),
                               checkpoints: try registry.checkpoints(of: run.id))
        try report.write(to: URL(fileURLWithPath: reportPath))
        return JobRunner.Summary(runID: run.id, status: status, metrics: lastMetrics, steps: step,
                                 secondsPerEpoch: epochTimes.isEmpty ? nil : epochTimes.reduce(0, +) / Double(epochTimes.count),
                                 trainingTokensPerSecond: tokensPerSecond,
                                 reportPath: reportPath, directory: run.directory)
    }

    // MARK: Evaluation

    /// The split evaluated during training: valid when the dataset has one, else test.
    var selectionSplit: (name: String, batches: () throws -> Batches?) {
        if !data.main.indices(of: .valid).isEmpty {
            return ("valid", { try Batches(dataset: self.data.main, split: .valid, options: self.evaluationBatching, epoch: 0) })
        }
        return ("test", { try self.data.test.map { try Batches(dataset: $0, split: .train, options: self.evaluationBatching, epoch: 0) } })
    }

    /// Evaluation batches: sorted by length (less padding), no shuffling, nothing dropped.
    var evaluationBatching: BatchingOptions {
        var o = task.batching
        o.shuffle = false
        o.bucketPool = 0
        o.dropLast = false
        return o
    }

    func record(_ metrics: [String: Double]) throws {
        let entries = metrics.sorted { $0.key < $1.key }.map { key, value -> RunRegistry.Metric in
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            return RunRegistry.Metric(step: step, epoch: epoch, split: parts[0], name: parts[1], value: value)
        }
        try registry.record(entries, for: run.id)
        for (k, v) in metrics { lastMetrics[k] = v }
    }

    /// Evaluates, records, checkpoints; returns true when early stopping says to stop.
    func evaluateAndCheckpoint() throws -> Bool {
        optimizer.catchUpLazyRows()   // the weights and state read below must be current in every row
        lastEvaluationStep = step
        let selection = selectionSplit
        guard let batches = try selection.batches() else {
            try checkpoint(metric: nil, isBest: true)
            return false
        }
        let metrics = try task.evaluate(batches)
        try record(Dictionary(uniqueKeysWithValues: metrics.map { ("\(selection.name).\($0.key)", $0.value) }))
        options.log("step \(step) (epoch \(epoch)): " + metrics.sorted { $0.key < $1.key }
            .map { String(format: "%@ %@ %.4f", selection.name, $0.key, $0.value) }.joined(separator: ", "))
        let metricName = job.train.metric.rawValue
        let value = metrics[metricName] ?? .nan
        let lowerIsBetter = job.train.metric.lowerIsBetter
        let improved = bestMetric.map { lowerIsBetter ? value < $0 : value > $0 } ?? true
        if improved {
            bestMetric = value
            evaluationsWithoutImprovement = 0
        } else {
            evaluationsWithoutImprovement += 1
        }
        try checkpoint(metric: value, isBest: improved)
        if job.train.patience > 0, evaluationsWithoutImprovement >= job.train.patience {
            options.log("early stopping: \(metricName) did not improve for \(evaluationsWithoutImprovement) evaluations")
            return true
        }
        return false
    }

    /// Evaluates the best checkpoint's weights on the test set.
    func testBest() throws {
        optimizer.catchUpLazyRows()   // the weights and state read below must be current in every row
        guard let test = data.test else { return }
        if let best = try registry.checkpoints(of: run.id).last(where: { $0.isBest }) {
            try loadModel(from: best.path)
            options.log("testing the best checkpoint (step \(best.step))")
        }
        let batches = try Batches(dataset: test, split: .train, options: evaluationBatching, epoch: 0)
        let metrics = try task.evaluate(batches)
        try record(Dictionary(uniqueKeysWithValues: metrics.map { ("test.\($0.key)", $0.value) }))
        options.log("test: " + metrics.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", "))
    }

    // MARK: Checkpoints

    func checkpoint(metric: Double?, isBest: Bool) throws {
        let folder = run.directory + "/checkpoints/step-\(step)"
        let temporary = folder + ".partial"
        let fm = FileManager.default
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        // The model file holds every row up to date (what predict and PyTorch read), from a
        // caught-up copy; the state file holds the rows as they lag, with the optimizer's row
        // clocks, so a resumed run continues exactly like an uninterrupted one — catching up
        // here instead would round differently from a run that never stopped.
        let lagging = sparseTables.map { (name: $0.name, parameter: $0.parameter, value: $0.parameter.value) }
        var caughtUp = optimizer
        caughtUp.catchUpLazyRows()
        try task.saveModel(to: URL(fileURLWithPath: temporary + "/model.safetensors"))
        var state = SafeTensorsFile(tensors: [:], metadata: [:])
        for (name, parameter, value) in lagging where parameter.value.storage != value.storage {
            state.tensors["lagging." + name] = value
            parameter.value = value
        }
        for (name, tensor) in optimizer.stateTensors() { state.tensors["optimizer." + name] = tensor }
        for (name, tensor) in task.carriedTensors { state.tensors["task." + name] = tensor }
        let g = generator.state
        state.integerTensors["position"] = IntegerTensor(shape: [3], values: [Int64(epoch), Int64(batchIndex), Int64(step)])
        state.integerTensors["generator"] = IntegerTensor(shape: [4], values: [g.0, g.1, g.2, g.3].map { Int64(bitPattern: $0) })
        state.metadata["evaluations_without_improvement"] = String(evaluationsWithoutImprovement)
        if let bestMetric { state.metadata["best_metric"] = String(bestMetric) }
        try state.write(to: URL(fileURLWithPath: temporary + "/state.safetensors"))
        try? fm.removeItem(atPath: folder)
        try fm.moveItem(atPath: temporary, toPath: folder)
        try registry.record(RunRegistry.Checkpoint(step: step, path: folder, metric: metric, isBest: isBest), for: run.id)
        // Keep the last N and the best; forget (then delete) the others.
        let all = try registry.checkpoints(of: run.id)
        let keep = Set(all.suffix(job.train.keepLast).map(\.step) + (job.train.keepBest ? all.filter(\.isBest).map(\.step) : []))
        for old in all where !keep.contains(old.step) {
            try registry.removeCheckpoint(step: old.step, of: run.id)
            try? fm.removeItem(atPath: old.path)
        }
    }

    func loadModel(from folder: String) throws {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
        try task.loadStateDict(file.tensors)
    }

    func restore(_ checkpoint: RunRegistry.Checkpoint) throws {
        try loadModel(from: checkpoint.path)
        let state = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: checkpoint.path + "/state.safetensors"))
        var optimizerState: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("optimizer.") {
            optimizerState[String(name.dropFirst("optimizer.".count))] = tensor
        }
        try optimizer.loadState(optimizerState)
        // Rows of lazily updated tables as they lagged when the checkpoint was taken (see checkpoint()).
        for table in sparseTables {
            guard let value = state.tensors["lagging." + table.name] else { continue }
            guard value.shape == table.parameter.value.shape else {
                throw JobRunError.resume("\(checkpoint.path)/state.safetensors: 'lagging.\(table.name)' has shape \(value.shape), expected \(table.parameter.value.shape)")
            }
            table.parameter.value = value
        }
        var carried: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("task.") { carried[String(name.dropFirst("task.".count))] = tensor }
        try task.restoreCarriedTensors(carried)

        guard let position = state.integerTensors["position"], position.values.count == 3,
              let words = state.integerTensors["generator"], words.values.count == 4 else {
            throw JobRunError.resume("\(checkpoint.path)/state.safetensors lacks the data position or generator state")
        }
        epoch = Int(position.values[0]); batchIndex = Int(position.values[1]); step = Int(position.values[2])
        let w = words.values.map { UInt64(bitPattern: $0) }
        generator = SeededGenerator(state: (w[0], w[1], w[2], w[3]))
        evaluationsWithoutImprovement = Int(state.metadata["evaluations_without_improvement"] ?? "0") ?? 0
        bestMetric = state.metadata["best_metric"].flatMap(Double.init)
    }
}

extension TrainingTask {
    func saveModel(to url: URL) throws {
        var values: [String: Tensor] = [:]
        for (name, p) in namedParameters { values[name] = p.value }
        try SafeTensorsFile(tensors: values, metadata: ["format": "pt", "jikji.architecture": architectureJSON]).write(to: url)
    }

    func loadStateDict(_ values: [String: Tensor]) throws {
        for (name, p) in namedParameters {
            guard let value = values[name], value.shape == p.value.shape else {
                throw CheckpointError("checkpoint lacks '\(name)' with shape \(p.value.shape)")
            }
            p.value = value
        }
    }
}
