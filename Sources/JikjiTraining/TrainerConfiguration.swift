import JikjiRecurrent

/// The optimizer a ``Trainer`` builds over the model's parameters.
public struct OptimizerSettings: Sendable, Equatable {
    /// The update rule.
    public enum Kind: String, Sendable, CaseIterable {
        /// SGD with optional momentum (PyTorch `SGD`).
        case sgd
        /// Adam with L2 weight decay added to the gradient (PyTorch `Adam`).
        case adam
        /// Adam with decoupled weight decay (PyTorch `AdamW`).
        case adamw
    }

    /// How embedding tables are updated.
    public enum EmbeddingUpdate: String, Sendable, CaseIterable {
        /// Every row, every step (what PyTorch's dense optimizers do).
        case dense
        /// Only the rows a batch used (PyTorch's `sparse=True` embeddings with `SparseAdam`-like updates).
        case sparse
        /// The rows a batch used, with the skipped steps of every other row caught up when it is next
        /// used (or read): the same weights as dense, far fewer row updates.
        case lazy
    }

    public var kind: Kind
    public var learningRate: Double
    /// SGD only.
    public var momentum: Double
    /// Adam's β1, β2 and ε.
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    public var embeddingUpdate: EmbeddingUpdate
    /// The input format of the matrix products during ``Trainer/train()`` (``MatrixProducts/precision``
    /// for the run, restored afterwards): bf16 products with fp32 accumulation, while these
    /// settings' optimizer state and the master weights stay fp32.
    public var precision: MatrixPrecision

    /// Settings with PyTorch's defaults for Adam at `learningRate`; see each property.
    public init(kind: Kind = .adam, learningRate: Double = 0.001, momentum: Double = 0, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0, embeddingUpdate: EmbeddingUpdate = .lazy,
                precision: MatrixPrecision = .fp32) {
        self.kind = kind; self.learningRate = learningRate; self.momentum = momentum
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        self.embeddingUpdate = embeddingUpdate
        self.precision = precision
    }

    /// The optimizer over `parameters`.
    func makeOptimizer(_ parameters: [(name: String, parameter: Parameter)]) -> any Optimizer {
        switch kind {
        case .sgd:
            return SGD(parameters: parameters, learningRate: Float(learningRate), momentum: Float(momentum),
                       weightDecay: Float(weightDecay))
        case .adamw:
            return Adam.adamW(parameters: parameters, learningRate: Float(learningRate), betas: (Float(beta1), Float(beta2)),
                              epsilon: Float(epsilon), weightDecay: Float(weightDecay))
        case .adam:
            return Adam(parameters: parameters, learningRate: Float(learningRate), betas: (Float(beta1), Float(beta2)),
                        epsilon: Float(epsilon), weightDecay: Float(weightDecay))
        }
    }
}

/// How the learning rate changes over the steps of a run (peak: ``OptimizerSettings/learningRate``).
public enum LearningRateScheduleSettings: Sendable, Equatable {
    /// The same rate at every step.
    case constant
    /// Multiplied by `factor` every `every` steps (PyTorch `StepLR`).
    case stepDecay(every: Int, factor: Double)
    /// Linear warm-up over `warmupSteps`, then linear decay to 0 at the last step.
    case linearWarmupDecay(warmupSteps: Int)

    /// The schedule from `rate` over a run of `totalSteps`.
    func schedule(rate: Double, totalSteps: Int) -> LearningRateSchedule {
        switch self {
        case .constant: return .constant(Float(rate))
        case let .stepDecay(every, factor): return .stepDecay(initial: Float(rate), every: every, factor: Float(factor))
        case let .linearWarmupDecay(warmup): return .linearWarmupDecay(peak: Float(rate), warmupSteps: warmup, totalSteps: totalSteps)
        }
    }
}

/// Everything that shapes a ``Trainer``'s run besides the model and the data.
public struct TrainerConfiguration: Sendable, Equatable {
    /// Epochs to run; ``maxSteps`` stops earlier when set.
    public var epochs: Int
    public var maxSteps: Int?
    public var optimizer: OptimizerSettings
    public var schedule: LearningRateScheduleSettings
    /// Gradients are scaled down to this global L2 norm when above it (nil: no clipping).
    public var clipNorm: Double?
    /// Evaluate (and checkpoint) every N steps; 0 evaluates at the end of every epoch.
    public var evaluateEvery: Int
    /// Checkpoint every N steps between evaluations (0: only at evaluations).
    public var checkpointEvery: Int
    /// The metric that picks the best checkpoint and drives early stopping (`accuracy`, `loss`, …).
    public var metric: String
    /// Stop after this many evaluations without improvement (0: never stop early).
    public var patience: Int
    /// Checkpoints kept: the last N, plus the best one with ``keepBest``.
    public var keepLast: Int
    public var keepBest: Bool
    /// Record the training loss (mean since it was last recorded), learning rate, gradient norm
    /// and, for the metric sinks, tokens per second every N steps (0: the loss only at evaluations).
    public var logEvery: Int = 0

    /// A configuration; see each property.
    public init(epochs: Int = 1, maxSteps: Int? = nil, optimizer: OptimizerSettings = OptimizerSettings(),
                schedule: LearningRateScheduleSettings = .constant, clipNorm: Double? = nil, evaluateEvery: Int = 0,
                checkpointEvery: Int = 0, metric: String = "loss", patience: Int = 0, keepLast: Int = 1, keepBest: Bool = true) {
        self.epochs = epochs; self.maxSteps = maxSteps; self.optimizer = optimizer; self.schedule = schedule
        self.clipNorm = clipNorm; self.evaluateEvery = evaluateEvery; self.checkpointEvery = checkpointEvery
        self.metric = metric; self.patience = patience; self.keepLast = keepLast; self.keepBest = keepBest
    }

    /// Whether a lower value of ``metric`` is better (loss, perplexity).
    public var lowerIsBetter: Bool { metric == "loss" || metric == "perplexity" }
}
