/// How much of an epoch's matrices is padding, and a pass over an epoch that measures it.
extension Batches {
    /// Real and total (padded) token slots of the source side over the whole epoch, without building batches.
    public func paddingCounts() -> (real: Int, total: Int) {
        if dataset.info.kind == .lm, options.languageModelLayout == .documents {
            var real = 0, total = 0
            for b in 0..<plan.count {
                let widths = plan.batch(b).map { pieces.widths[$0] }
                real += widths.reduce(0, +)
                total += widths.count * (widths.max() ?? 0)
            }
            return (real, total)
        }
        if dataset.info.kind == .lm {
            let slots = windowWidths.isEmpty ? plan.order.count * options.window
                : zip(0..<plan.count, windowWidths).reduce(0) { $0 + plan.batch($1.0).count * $1.1 }
            return (slots, slots)
        }
        var real = 0, total = 0
        for b in 0..<plan.count {
            var longest = 0
            let indices = plan.batch(b)
            for index in indices {
                let length = options.source.rowLength(dataset.source.length(index))
                real += length
                longest = Swift.max(longest, length)
            }
            total += indices.count * options.source.width(longest: longest)
        }
        return (real, total)
    }

    /// The share of padded slots in the epoch's source matrices (0 = no padding).
    public var paddingFraction: Double {
        let counts = paddingCounts()
        return counts.total == 0 ? 0 : Double(counts.total - counts.real) / Double(counts.total)
    }
}
