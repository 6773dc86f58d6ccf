#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The learning rate as a function of the optimizer step (0-based, before the step is taken).
public enum LearningRateSchedule: Sendable, Equatable {
    /// The same rate at every step.
    case constant(Float)
    /// `initial · γ^⌊step / every⌋`, like `torch.optim.lr_scheduler.StepLR` stepped per `every` steps.
    case stepDecay(initial: Float, every: Int, factor: Float)
    /// Linear warm-up from 0 to `peak` over `warmupSteps`, then linear decay to 0 at `totalSteps`
    /// (HuggingFace's `get_linear_schedule_with_warmup`).
    case linearWarmupDecay(peak: Float, warmupSteps: Int, totalSteps: Int)
    /// ULMFiT's slanted triangular rate (Howard & Ruder 2018, eq. 3): with `cut = ⌊T·cut_frac⌋`,
    /// `p = t/cut` for `t < cut`, else `1 - (t-cut)/(cut·(1/cut_frac - 1))`, and the rate
    /// `peak · (1 + p·(ratio-1)) / ratio` — a short linear rise from `peak/ratio` to `peak`, then a
    /// long linear fall back to `peak/ratio` at `T = totalSteps`.
    case slantedTriangular(peak: Float, totalSteps: Int, cutFraction: Double, ratio: Double)
    /// `torch.optim.lr_scheduler.OneCycleLR` (two phases, cosine annealing): from
    /// `peak/divFactor` up to `peak` by step `warmupFraction·T - 1` (`pct_start`), then down to
    /// `peak/divFactor/finalDivFactor` at step `T - 1`.
    case oneCycle(peak: Float, totalSteps: Int, warmupFraction: Double, divFactor: Double, finalDivFactor: Double)

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
        case let .slantedTriangular(peak, total, cutFraction, ratio):
            let cut = max(1, Int((Double(total) * cutFraction).rounded(.down)))
            let t = Double(step)
            let p = step < cut ? t / Double(cut) : max(0, 1 - (t - Double(cut)) / (Double(cut) * (1 / cutFraction - 1)))
            return Float(Double(peak) * (1 + p * (ratio - 1)) / ratio)
        case let .oneCycle(peak, total, warmupFraction, divFactor, finalDivFactor):
            // OneCycleLR's arithmetic, in doubles as Python does it.
            let maximum = Double(peak), initial = maximum / divFactor, minimum = initial / finalDivFactor
            let warmupEnd = warmupFraction * Double(total) - 1, end = Double(total - 1)
            let t = Double(step)
            func cosine(_ start: Double, _ stop: Double, _ fraction: Double) -> Double {
                stop + (start - stop) / 2 * (cos(Double.pi * min(1, max(0, fraction))) + 1)
            }
            if t <= warmupEnd { return Float(cosine(initial, maximum, warmupEnd > 0 ? t / warmupEnd : 1)) }
            return Float(cosine(maximum, minimum, end > warmupEnd ? (t - warmupEnd) / (end - warmupEnd) : 1))
        }
    }
}
