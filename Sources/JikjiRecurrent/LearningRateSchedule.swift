/// The learning rate as a function of the optimizer step (0-based, before the step is taken).
public enum LearningRateSchedule: Sendable, Equatable {
    /// The same rate at every step.
    case constant(Float)
    /// `initial · γ^⌊step / every⌋`, like `torch.optim.lr_scheduler.StepLR` stepped per `every` steps.
    case stepDecay(initial: Float, every: Int, factor: Float)
    /// Linear warm-up from 0 to `peak` over `warmupSteps`, then linear decay to 0 at `totalSteps`
    /// (HuggingFace's `get_linear_schedule_with_warmup`).
    case linearWarmupDecay(peak: Float, warmupSteps: Int, totalSteps: Int)

    /// The rate for optimizer step `step` (0-based).
    public func rate(atStep step: Int) -> Float {
        switch self {
        case let .constant(rate):
            return rate
        case let .stepDecay(initial, every, factor):
            let drops = every > 0 ? step / every : 0
            var rate = initial
            for _ in 0..<drops { rate *= factor }
            return rate
        case let .linearWarmupDecay(peak, warmup, total):
            if step < warmup { return peak * Float(step) / Float(max(1, warmup)) }
            let remaining = Float(max(0, total - step)) / Float(max(1, total - warmup))
            return peak * remaining
        }
    }
}
