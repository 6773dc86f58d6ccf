import Foundation
import JikjiModels
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
    /// Discriminative fine-tuning (ULMFiT): parameter group `k` of `G` (bottom to top, see
    /// ``TrainingTask/parameterGroups``) learns at `rate · decay^-(G-1-k)`, the top group at the
    /// scheduled rate itself. 1 gives every group the same rate.
    public var layerLearningRateDecay: Double = 1

    /// Settings with PyTorch's defaults for Adam at `learningRate`; see each property.
    public init(kind: Kind = .adam, learningRate: Double = 0.001, momentum: Double = 0, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0, embeddingUpdate: EmbeddingUpdate = .lazy,
                precision: MatrixPrecision = .fp32) {
        self.kind = kind; self.learningRate = learningRate; self.momentum = momentum
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        self.embeddingUpdate = embeddingUpdate
        self.precision = precision
    }

    /// Each group's learning rate as a multiple of the scheduled (top group's) rate, bottom to top.
    public func groupRateScales(groupCount: Int) -> [Double] {
        (0..<groupCount).map { k in layerLearningRateDecay == 1 ? 1 : pow(layerLearningRateDecay, -Double(groupCount - 1 - k)) }
    }

    /// The optimizer over `parameters`, each at its group's rate (``layerLearningRateDecay``).
    func makeOptimizer(_ parameters: [(name: String, parameter: Parameter)], groups: [ParameterGroup]) -> any Optimizer {
        let groupScales = groupRateScales(groupCount: groups.count)
        var scaleByName: [String: Float] = [:]
        for (group, scale) in zip(groups, groupScales) {
            for name in group.parameterNames { scaleByName[name] = Float(scale) }
        }
        let scales = parameters.map { scaleByName[$0.name] ?? 1 }
        switch kind {
        case .sgd:
            var sgd = SGD(parameters: parameters, learningRate: Float(learningRate), momentum: Float(momentum),
                          weightDecay: Float(weightDecay))
            sgd.learningRateScales = scales
            return sgd
        case .adamw, .adam:
            var adam = kind == .adamw
                ? Adam.adamW(parameters: parameters, learningRate: Float(learningRate), betas: (Float(beta1), Float(beta2)),
                             epsilon: Float(epsilon), weightDecay: Float(weightDecay))
                : Adam(parameters: parameters, learningRate: Float(learningRate), betas: (Float(beta1), Float(beta2)),
                       epsilon: Float(epsilon), weightDecay: Float(weightDecay))
            adam.learningRateScales = scales
            return adam
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
    /// ULMFiT's slanted triangular rate (``LearningRateSchedule/slantedTriangular(peak:totalSteps:cutFraction:ratio:)``).
    case slantedTriangular(cutFraction: Double, ratio: Double)
    /// PyTorch's `OneCycleLR` (``LearningRateSchedule/oneCycle(peak:totalSteps:warmupFraction:divFactor:finalDivFactor:)``).
    case oneCycle(warmupFraction: Double, divFactor: Double, finalDivFactor: Double)

    /// The schedule from `rate` over a run of `totalSteps`.
    func schedule(rate: Double, totalSteps: Int) -> LearningRateSchedule {
        switch self {
        case .constant: return .constant(Float(rate))
        case let .stepDecay(every, factor): return .stepDecay(initial: Float(rate), every: every, factor: Float(factor))
        case let .linearWarmupDecay(warmup): return .linearWarmupDecay(peak: Float(rate), warmupSteps: warmup, totalSteps: totalSteps)
        case let .slantedTriangular(cut, ratio):
            return .slantedTriangular(peak: Float(rate), totalSteps: totalSteps, cutFraction: cut, ratio: ratio)
        case let .oneCycle(fraction, div, finalDiv):
            return .oneCycle(peak: Float(rate), totalSteps: totalSteps, warmupFraction: fraction, divFactor: div, finalDivFactor: finalDiv)
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
    /// Gradual unfreezing (ULMFiT), epochs 1-based and ascending: training starts with only the
    /// top parameter group trainable, and at the start of epoch `unfreezeEpochs[i]` the next
    /// group down is unfrozen; after the list every group trains. Empty: nothing is frozen.
    /// At most `groups - 1` epochs (``Trainer/init`` checks).
    public var unfreezeEpochs: [Int] = []

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
