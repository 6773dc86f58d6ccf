import JikjiConfig
import JikjiRecurrent
import JikjiTraining

/// `optim:` — optimizer, learning rate, schedule and clipping.
public struct OptimSection: Sendable {
    public var optimizer: OptimizerSettings.Kind
    public var learningRate: Double
    public var momentum: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Clip the global gradient norm to this (nil = no clipping).
    public var clipNorm: Double?
    /// `constant`, `step` or `warmup_linear`.
    public var schedule: LearningRateSchedule.Kind
    public var stepSize: Int
    public var gamma: Double
    public var warmupSteps: Int
    /// `slanted_triangular`: the fraction of steps spent rising, and how much smaller the lowest rate is than the peak.
    public var cutFraction: Double
    public var ratio: Double
    /// `one_cycle`: PyTorch `OneCycleLR`'s `pct_start`, `div_factor` and `final_div_factor`.
    public var pctStart: Double
    public var divFactor: Double
    public var finalDivFactor: Double
    /// Discriminative learning rates (ULMFiT's 2.6): parameter group k of G learns at
    /// `lr · layer_lr_decay^-(G-1-k)`; 1 = every group at `lr`.
    public var layerLearningRateDecay: Double
    /// How embedding tables are updated: `dense` (every row, every step, like PyTorch's dense
    /// optimizers), `lazy` (only the rows a batch used, each catching up on the steps it missed as
    /// the dense update would have moved it — same training, less memory traffic), or `sparse`
    /// (only the rows a batch used, the others' state frozen: `torch.optim.SparseAdam`'s rule).
    public var embeddingUpdate: OptimizerSettings.EmbeddingUpdate
    /// `fp32` (default) or `bf16`: the input format of the matrix products while training
    /// (``MatrixPrecision``); weights, optimizer state and gate math stay fp32.
    public var precision: MatrixPrecision

    init(_ r: ConfigReader) throws {
        optimizer = try r.choice("optimizer", default: OptimizerSettings.Kind.adam)
        learningRate = try r.double("lr", default: optimizer == .sgd ? 0.1 : 1e-3, range: 1e-12...100)
        if optimizer == .sgd {
            momentum = try r.double("momentum", default: 0.9, range: 0...0.9999)
        } else {
            if r.has("momentum") {
                throw r.error("momentum", "momentum applies to optimizer sgd; Adam uses beta1")
            }
            momentum = 0
        }
        beta1 = try r.double("beta1", default: 0.9, range: 0...0.9999999)
        beta2 = try r.double("beta2", default: 0.999, range: 0...0.9999999)
        epsilon = try r.double("eps", default: 1e-8, range: 0...1)
        weightDecay = try r.double("weight_decay", default: optimizer == .adamw ? 0.01 : 0, range: 0...10)
        let clip = try r.double("clip_norm", default: 0, range: 0...1e9)
        clipNorm = clip > 0 ? clip : nil
        schedule = try r.choice("schedule", default: LearningRateSchedule.Kind.constant)
        stepSize = try r.int("step_size", default: 1000, range: 1...Int.max)
        gamma = try r.double("gamma", default: 0.5, range: 0...1)
        warmupSteps = try r.int("warmup_steps", default: 0, range: 0...Int.max)
        cutFraction = try r.double("cut_frac", default: 0.1, range: 1e-6...0.999999)
        ratio = try r.double("ratio", default: 32, range: 1...1e9)
        pctStart = try r.double("pct_start", default: 0.3, range: 0...1)
        divFactor = try r.double("div_factor", default: 25, range: 1e-6...1e12)
        finalDivFactor = try r.double("final_div_factor", default: 1e4, range: 1e-6...1e12)
        layerLearningRateDecay = try r.double("layer_lr_decay", default: 1, range: 1...1000)
        embeddingUpdate = try r.choice("embedding_update", default: weightDecay == 0 ? OptimizerSettings.EmbeddingUpdate.lazy : .dense)
        if embeddingUpdate == .lazy && weightDecay != 0 {
            throw r.error("embedding_update", "lazy updates need weight_decay 0 (decay moves every row every step); use dense or sparse")
        }
        precision = try r.choice("precision", default: MatrixPrecision.fp32)
    }
}
