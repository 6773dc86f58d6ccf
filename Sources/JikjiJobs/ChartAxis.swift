import Foundation

/// One axis of a report chart: a range widened to round ticks (1, 2 or 5 × 10ⁿ apart), no tick
/// repeated, integer ticks for steps, and a metric's natural bounds kept in view (accuracy, F1 and
/// BLEU in [0, 1]; losses and rates from 0).
struct ChartAxis: Equatable {
    /// The drawn range.
    let lower: Double
    let upper: Double
    /// The labelled values, increasing, distinct.
    let ticks: [Double]

    /// The range a metric's values can take, when it has one.
    static func naturalBounds(of metric: String) -> ClosedRange<Double>? {
        switch metric {
        case "accuracy", "f1", "macro_f1", "bleu": return 0...1
        default: return nil
        }
    }

    /// An axis over `minimum...maximum` with about `count` ticks; `bounds` become the range when the
    /// values lie inside it; `integers` keeps ticks whole (steps).
    init(_ minimum: Double, _ maximum: Double, bounds: ClosedRange<Double>? = nil, integers: Bool = false, count: Int = 5) {
        var low = minimum, high = maximum
        if let bounds, low >= bounds.lowerBound, high <= bounds.upperBound {
            low = bounds.lowerBound
            high = bounds.upperBound
        } else if low >= 0, !integers, high > 0, low < high * 0.5 {
            low = 0   // non-negative values (losses, rates) read best from 0 when they span much of the way
        }
        if high <= low {
            let pad = integers ? 1 : max(abs(low) * 0.05, 1e-6)
            low -= pad; high += pad
            if integers { low = max(0, low) }
        }
        var spacing = Self.niceStep((high - low) / Double(max(1, count - 1)))
        if integers { spacing = max(1, spacing.rounded()) }
        let first = (low / spacing).rounded(.down) * spacing
        let last = (high / spacing).rounded(.up) * spacing
        var ticks: [Double] = []
        var v = first
        while v <= last + spacing * 1e-9 {
            // Snap away the rounding error of repeated addition (0.30000000000000004).
            let snapped = (v / spacing).rounded() * spacing
            if ticks.last != snapped { ticks.append(snapped) }
            v += spacing
        }
        lower = first
        upper = last
        self.ticks = ticks
    }

    /// 1, 2 or 5 × 10ⁿ, the nearest at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2.0, 5.0, 10.0] where raw <= factor * magnitude * (1 + 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }
}
