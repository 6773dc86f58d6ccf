import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTerminal

/// Trains a model: batches of the training split in a reproducible order, an optimizer step per
/// batch (learning-rate schedule, gradient clipping, row-wise embedding updates), evaluation every
/// N steps or epochs, early stopping, checkpoints, and a test of the best weights at the end.
///
/// ```swift
/// var generator = SeededGenerator(seed: 7)
/// let model = try SequenceClassifier(configuration, generator: &generator)
/// let trainer = try Trainer(task: ClassifierTraining(model: model),
///                           data: TrainingData(train: dataset, batching: BatchingOptions()),
///                           configuration: TrainerConfiguration(epochs: 2, metric: "accuracy"),
///                           generator: generator)
/// let outcome = try trainer.train()
/// ```
/// A run can be resumed from a checkpoint and then ends with the same weights as an
/// uninterrupted run: a checkpoint holds the model, the optimizer's state, the position in the
/// data order (epoch and batch; each epoch's order is a function of the seed and the epoch) and
/// the random generator's state. It is two files written to a temporary folder that is renamed
/// into place, and it counts only once the ``TrainingRecorder`` records it.
public final class Trainer {
    /// Where checkpoints go, how the trainer reports, and when it stops early.
    public struct Options {
        /// Folder of checkpoint folders (`step-N/`); nil writes no checkpoints (the test then uses
        /// the final weights).
        public var checkpointDirectory: String?
        /// Show a progress bar (or periodic lines when standard error is not a terminal).
        public var progress: Bool = false
        /// Messages for the user.
        public var log: (String) -> Void = { _ in }
        /// Asked after every step; true checkpoints and stops (an interrupt, a time limit).
        public var shouldStop: () -> Bool = { false }
        /// Stop (as if interrupted, with a checkpoint) after this many steps of this process.
        public var stopAfterSteps: Int?
        /// Where every measured value is also streamed (TensorBoard events, a JSON Lines file).
        public var metricSinks: [any TrainingMetricSink] = []
        /// Data-parallel training with other processes (nil: this process trains alone). Only
        /// the primary rank should be given a checkpoint directory and a recording recorder.
        public var distribution: (any TrainingDistribution)?

        /// Options without checkpoints, progress or messages.
        public init(checkpointDirectory: String? = nil) {
            self.checkpointDirectory = checkpointDirectory
        }
    }

    /// How a call to ``train()`` ended.
    public enum Status: Sendable, Equatable {
        /// Every step ran (or early stopping ended the run) and the test ran.
        case completed
        /// Stopped by ``Options/shouldStop`` or ``Options/stopAfterSteps`` after a checkpoint.
        case interrupted
    }

    /// What a finished (or interrupted) ``train()`` reports.
    public struct Outcome: Sendable {
        public let status: Status
        /// The last evaluation's metrics by `split.name` (`valid.accuracy`, `test.accuracy`, …).
        public let metrics: [String: Double]
        /// Optimizer steps done in the run so far.
        public let steps: Int
        /// Mean wall time of a training epoch, seconds (nil when no epoch completed in this process).
        public let secondsPerEpoch: Double?
        /// Tokens read per second of training steps in this process (batch building, forward,
        /// backward, clipping and the optimizer; evaluations and checkpoints excluded), or nil.
        public let trainingTokensPerSecond: Double?
    }

    /// The model and its training step.
    public internal(set) var task: any TrainingTask
    public let data: TrainingData
    public let configuration: TrainerConfiguration
    public let options: Options
    /// Where metrics and checkpoints are recorded.
    public let recorder: TrainingRecorder
    var optimizer: any Optimizer
    /// Embedding tables updated only in the rows a batch used (lazy or sparse updates): state_dict name and table.
    let sparseTables: [(name: String, parameter: Parameter)]
    let schedule: LearningRateSchedule
    var generator: SeededGenerator
    // Position: the next batch to run is `batchIndex` of epoch `epoch`; `step` optimizer steps are done.
    public internal(set) var epoch = 0
    var batchIndex = 0
    public internal(set) var step = 0
    var bestMetric: Double?
    var evaluationsWithoutImprovement = 0
    var lastMetrics: [String: Double] = [:]
    /// Batches per epoch of the training split (the plan depends only on the data and options).
    public let stepsPerEpoch: Int
    /// The step of the last evaluation (nil: none yet in this process or the restored
    /// checkpoint), so the end of training does not evaluate the same weights twice.
    var lastEvaluationStep: Int?
    /// The training loss summed over the steps since it was last recorded, and their count:
    /// saved in checkpoints, so a resumed run records the same `train.loss` as an uninterrupted one.
    var runningLoss = 0.0
    var runningCount = 0
    /// The global gradient norm of the last step that measured it (clipping, or a logged step).
    var lastGradientNorm: Float?
    /// The task's parameter groups, bottom to top, with their parameters (discriminative rates,
    /// gradual unfreezing).
    public let parameterGroups: [ParameterGroup]
    let groupParameters: [[Parameter]]
    /// The parameters the task made trainable: unfreezing never touches the others (a frozen
    /// pretrained embedding, an adaptive softmax's id order).
    let trainableAtStart: Set<ObjectIdentifier>
    /// How many groups, from the top, train now (nil: not yet set by ``applyUnfreezing()``).
    var trainingGroupCount: Int?

    /// A trainer of `task` on `data`, drawing dropout masks from `generator` (continue the
    /// generator the model was initialised from, so a seed fixes the whole run).
    /// - Throws: ``BatchingError`` when the batching options do not fit the training data;
    ///   ``TrainerConfigurationError`` when ``TrainerConfiguration/unfreezeEpochs`` does not fit
    ///   the model's groups or the run's epochs.
    public init(task: any TrainingTask, data: TrainingData, configuration: TrainerConfiguration, generator: SeededGenerator,
                recorder: TrainingRecorder = TrainingHistory(), options: Options = Options()) throws {
        self.task = task
        self.data = data
        self.configuration = configuration
        self.recorder = recorder
        self.options = options
        self.generator = generator
        let o = configuration.optimizer
        // Embedding tables are updated only in the rows a batch used unless asked for dense updates.
        sparseTables = o.embeddingUpdate == .dense ? [] : task.embeddingTables
        parameterGroups = task.parameterGroups
        let byName = Dictionary(task.namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        groupParameters = parameterGroups.map { $0.parameterNames.compactMap { byName[$0] } }
        trainableAtStart = Set(task.namedParameters.filter(\.parameter.requiresGradient).map { ObjectIdentifier($0.parameter) })
        try Trainer.checkUnfreezing(configuration, groups: parameterGroups)
        optimizer = o.makeOptimizer(task.namedParameters, groups: parameterGroups)
        stepsPerEpoch = try Batches(dataset: data.train, split: .train, options: data.batching, epoch: 0).plan.count
        schedule = configuration.schedule.schedule(rate: o.learningRate, totalSteps: configuration.maxSteps ?? stepsPerEpoch * configuration.epochs)
    }

    /// Steps of the whole run: ``TrainerConfiguration/maxSteps`` or every batch of every epoch.
    public var totalSteps: Int { configuration.maxSteps ?? stepsPerEpoch * configuration.epochs }

    // MARK: Training loop

    /// Trains from the current position (the start, or a restored checkpoint) to the end of the
    /// run, an early stop, or an interruption.
    public func train() throws -> Outcome {
        let totalSteps = self.totalSteps
        let allParameters = task.namedParameters.map(\.parameter)
        var frozenParameters = allParameters.filter { !$0.requiresGradient }
        let bar = ProgressBar("train", total: Int64(totalSteps), unit: .count("steps"), enabled: options.progress, plainInterval: 15)
        // Training alternates threaded products with Jikji's own threaded loops: OpenBLAS's idle
        // workers must not spin through the latter (see BLAS.shortenIdleSpin).
        BLAS.shortenIdleSpin()
        options.log("training: \(stepsPerEpoch) batches per epoch, \(totalSteps) steps, \(BLAS.backendDescription)")
        // The products' precision for this run only (a process-wide switch: see MatrixProducts).
        let callerPrecision = MatrixProducts.precision
        MatrixProducts.precision = configuration.optimizer.precision
        defer { MatrixProducts.precision = callerPrecision }
        if configuration.optimizer.precision != .fp32 { options.log(MatrixProducts.description) }
        if configuration.optimizer.layerLearningRateDecay != 1 { options.log(groupRatesDescription()) }
        var epochTimes: [Double] = []
        var stepsThisProcess = 0
        var tokens = 0
        var stepSeconds = 0.0
        var stopped: Status? = nil
        var window = TrainingLogWindow()
        let start = Date()
        training: while epoch < configuration.epochs && step < totalSteps {
            let epochStart = Date()
            let startedAtBatch = batchIndex
            // Every epoch, a resumed one too: the groups training follow from the epoch alone.
            if applyUnfreezing() { frozenParameters = allParameters.filter { !$0.requiresGradient } }
            if batchIndex == 0 { task.startEpoch() }
            let batches = try Batches(dataset: data.train, split: .train, options: data.batching, epoch: epoch)
            while batchIndex < batches.plan.count {
                let stepStart = Date()
                let (result, asked) = try runStep(batches.batch(batchIndex), allParameters: allParameters, frozen: frozenParameters)
                stepSeconds += Date().timeIntervalSince(stepStart)
                step += 1
                batchIndex += 1
                stepsThisProcess += 1
                tokens += result.tokens
                window.add(tokens: result.tokens, seconds: Date().timeIntervalSince(stepStart))
                if result.loss.isFinite { runningLoss += result.loss; runningCount += 1 }
                let elapsed = Date().timeIntervalSince(start)
                bar.update(Int64(step), extra: String(format: "epoch %d loss %.4f %.0f tok/s", epoch + 1,
                                                      runningLoss / Double(max(1, runningCount)), Double(tokens) / max(elapsed, 1e-9)))
                let evaluatesNow = configuration.evaluateEvery > 0 && step % configuration.evaluateEvery == 0
                if isLoggedStep(step) {
                    // At an evaluation step the evaluation records the loss (once).
                    try logTraining(window: window, loss: !evaluatesNow)
                    window = TrainingLogWindow()
                }
                if evaluatesNow {
                    try record(["train.loss": runningLoss / Double(max(1, runningCount))])
                    runningLoss = 0; runningCount = 0
                    if try evaluateAndCheckpoint() { stopped = .completed; break training }
                } else if configuration.checkpointEvery > 0, step % configuration.checkpointEvery == 0 {
                    try checkpoint(metric: nil, isBest: false)
                }
                // Alone, asked after the step; distributed, the ranks' answers travel with the gradients.
                let stopAsked = options.distribution == nil ? options.shouldStop() : asked
                if stopAsked || (options.stopAfterSteps.map { stepsThisProcess >= $0 } ?? false) {
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
                if configuration.evaluateEvery == 0 {
                    if runningCount > 0 { try record(["train.loss": runningLoss / Double(runningCount)]) }
                    runningLoss = 0; runningCount = 0
                    if try evaluateAndCheckpoint() { stopped = .completed; break training }
                }
            }
        }
        bar.finish()
        let tokensPerSecond = stepSeconds > 0 ? Double(tokens) / stepSeconds : nil
        let secondsPerEpoch = epochTimes.isEmpty ? nil : epochTimes.reduce(0, +) / Double(epochTimes.count)
        if stopped == .interrupted {
            return Outcome(status: .interrupted, metrics: lastMetrics, steps: step, secondsPerEpoch: secondsPerEpoch,
                           trainingTokensPerSecond: tokensPerSecond)
        }
        if lastEvaluationStep != step {
            // The steps since the previous evaluation still deserve an evaluation and a checkpoint.
            _ = try evaluateAndCheckpoint()
        }
        try testBest()
        return Outcome(status: .completed, metrics: lastMetrics, steps: step, secondsPerEpoch: secondsPerEpoch,
                       trainingTokensPerSecond: tokensPerSecond)
    }

    /// One optimizer step over `batch`: forward and backward (of this rank's share, gradients
    /// then summed over the ranks), clipping, the update, gradients zeroed. Also returns whether
    /// ``Options/shouldStop`` asked any rank to stop (distributed only; false otherwise).
    func runStep(_ batch: Batch, allParameters: [Parameter], frozen frozenParameters: [Parameter]) throws
        -> (step: TrainingStep, stop: Bool) {
        optimizer.learningRate = schedule.rate(atStep: step)
        var result: TrainingStep
        var stop = false
        if let distribution = options.distribution {
            var stepGenerator = distribution.generator(forStep: step, base: generator)
            // A batch with fewer rows than ranks leaves some without a share: they add nothing.
            let share = distribution.share(of: batch)
            let local = share.size == 0 ? TrainingStep(loss: 0, count: 0, tokens: 0, touchedRows: sparseTables.map { _ in [] })
                : try task.trainStep(share, generator: &stepGenerator)
            (result, stop) = try distribution.reduce(local, parameters: allParameters.filter(\.requiresGradient),
                                                     sparseTables: sparseTables.map(\.parameter), stop: options.shouldStop())
        } else {
            result = try task.trainStep(batch, generator: &generator)
        }
        var rows: [String: [Int]] = [:], nonzeroRows: [ObjectIdentifier: [Int]] = [:]
        for (table, touched) in zip(sparseTables, result.touchedRows) {
            rows[table.name] = touched
            nonzeroRows[ObjectIdentifier(table.parameter)] = touched
        }
        // Clipping's coefficient is applied, and the gradients zeroed for the next batch,
        // inside the optimizer's pass over them; the norm reads only the table rows used.
        var gradients = GradientUse(scale: 1, zeroAfterUse: true)
        if let maxNorm = configuration.clipNorm {
            let norm = GradientClipping.globalNorm(allParameters, nonzeroRows: nonzeroRows)
            gradients.scale = GradientClipping.coefficient(norm: norm, maxNorm: Float(maxNorm))
            lastGradientNorm = norm
        } else if isLoggedStep(step + 1) {
            // Measured only on the steps that log it: a pass over the gradients every N steps.
            lastGradientNorm = GradientClipping.globalNorm(allParameters, nonzeroRows: nonzeroRows)
        }
        if configuration.optimizer.embeddingUpdate == .lazy {
            optimizer.step(lazyRows: rows, gradients: gradients)
        } else {
            optimizer.step(sparseRows: rows, gradients: gradients)
        }
        // Frozen parameters are no optimizer's business, but keep their gradients clean too.
        for p in frozenParameters { p.zeroGradient() }
        return (result, stop)
    }
}
