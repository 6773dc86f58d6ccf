import Foundation

/// A distribution of sequence lengths: percentiles and a histogram.
public struct LengthDistribution: Sendable, Equatable {
    /// Sorted lengths.
    public let sortedLengths: [Int]

    public init<S: Sequence>(_ lengths: S) where S.Element == Int {
        sortedLengths = lengths.sorted()
    }

    public var count: Int { sortedLengths.count }
    public var max: Int { sortedLengths.last ?? 0 }
    public var min: Int { sortedLengths.first ?? 0 }
    public var mean: Double { sortedLengths.isEmpty ? 0 : Double(sortedLengths.reduce(0, +)) / Double(sortedLengths.count) }

    /// The `p`-th percentile (nearest rank: the smallest length with at least p% of values at or below it).
    public func percentile(_ p: Double) -> Int {
        guard !sortedLengths.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sortedLengths.count)).rounded(.up))
        return sortedLengths[Swift.max(0, Swift.min(sortedLengths.count - 1, rank - 1))]
    }

    /// Counts per bin of width `binWidth`, bin i covering `[i*binWidth+1, (i+1)*binWidth]` (lengths ≥ 1).
    public func histogram(binWidth: Int) -> [Int] {
        let width = Swift.max(1, binWidth)
        var bins = [Int](repeating: 0, count: Swift.max(1, (max + width - 1) / width))
        for length in sortedLengths { bins[Swift.max(0, length - 1) / width] += 1 }
        return bins
    }

    /// A bin width giving at most `bins` bins, rounded to 1, 2, 5 × 10^k.
    public func niceBinWidth(bins: Int = 20) -> Int {
        let raw = Swift.max(1, (max + bins - 1) / bins)
        var scale = 1
        while true {
            for step in [1, 2, 5] where step * scale >= raw { return step * scale }
            scale *= 10
        }
    }

    /// The histogram as text: one line per bin with a bar of `█`.
    public func textHistogram(bins: Int = 20, barWidth: Int = 50) -> String {
        let width = niceBinWidth(bins: bins)
        let counts = histogram(binWidth: width)
        let top = Swift.max(1, counts.max() ?? 1)
        let labelWidth = "\(counts.count * width)".count
        var lines: [String] = []
        for (i, count) in counts.enumerated() {
            let low = i * width + 1, high = (i + 1) * width
            let label = String(repeating: " ", count: labelWidth - "\(low)".count) + "\(low)-\(high)"
                + String(repeating: " ", count: labelWidth - "\(high)".count)
            let bar = String(repeating: "█", count: Int((Double(count) / Double(top) * Double(barWidth)).rounded()))
            lines.append("\(label) │\(bar) \(count)")
        }
        return lines.joined(separator: "\n")
    }

    /// The histogram as a standalone SVG bar chart.
    public func svgHistogram(title: String, bins: Int = 40) -> String {
        let width = niceBinWidth(bins: bins)
        let counts = histogram(binWidth: width)
        let top = Swift.max(1, counts.max() ?? 1)
        let chartWidth = 720.0, chartHeight = 300.0, left = 60.0, bottom = 40.0, topMargin = 40.0
        let barWidth = chartWidth / Double(counts.count)
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + chartWidth + 20))" height="\(Int(topMargin + chartHeight + bottom))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="24" font-size="15">\(Self.escape(title))</text>

        """
        for (i, count) in counts.enumerated() {
            let h = Double(count) / Double(top) * chartHeight
            let x = left + Double(i) * barWidth
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7bb7\"><title>%d-%d: %d</title></rect>\n",
                          x, topMargin + chartHeight - h, Swift.max(1, barWidth - 1), h, i * width + 1, (i + 1) * width, count)
        }
        let axisY = topMargin + chartHeight
        svg += "<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(left + chartWidth)\" y2=\"\(axisY)\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(topMargin)\" x2=\"\(left)\" y2=\"\(axisY)\" stroke=\"black\"/>\n"
        let labelEvery = Swift.max(1, counts.count / 10)
        for i in stride(from: 0, through: counts.count, by: labelEvery) {
            svg += "<text x=\"\(left + Double(i) * barWidth)\" y=\"\(axisY + 16)\" text-anchor=\"middle\">\(i * width)</text>\n"
        }
        svg += "<text x=\"\(left - 6)\" y=\"\(topMargin + 4)\" text-anchor=\"end\">\(top)</text>\n"
        svg += "<text x=\"\(left - 6)\" y=\"\(axisY)\" text-anchor=\"end\">0</text>\n"
        svg += "<text x=\"\(left + chartWidth / 2)\" y=\"\(axisY + 34)\" text-anchor=\"middle\">tokens per example</text>\n"
        svg += "</svg>\n"
        return svg
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// The padding one way of batching costs over an epoch.
public struct PaddingEstimate: Sendable, Equatable {
    /// A short description ("fixed length 64", "bucketed, pool 100").
    public var strategy: String
    public var batches: Int
    /// Real token slots and all slots (real + padding) of the source matrices.
    public var realTokens: Int
    public var totalSlots: Int

    /// Padding slots over all slots.
    public var paddingFraction: Double { totalSlots == 0 ? 0 : Double(totalSlots - realTokens) / Double(totalSlots) }
}

/// Summaries of an encoded dataset for `jikji dataset inspect`.
public struct DatasetStatistics: Sendable {
    public let dataset: EncodedDataset

    public init(dataset: EncodedDataset) {
        self.dataset = dataset
    }

    /// Source (text) lengths of a split, or of all examples.
    public func sourceLengths(split: Split? = nil) -> LengthDistribution {
        let indices = split.map { dataset.indices(of: $0) } ?? Array(0..<dataset.count)
        return LengthDistribution(indices.lazy.map { dataset.source.length($0) })
    }

    /// Target lengths (pairs).
    public func targetLengths(split: Split? = nil) -> LengthDistribution? {
        guard let target = dataset.target else { return nil }
        let indices = split.map { dataset.indices(of: $0) } ?? Array(0..<dataset.count)
        return LengthDistribution(indices.lazy.map { target.length($0) })
    }

    /// Examples per label id within a split (or all).
    public func labelBalance(split: Split? = nil) -> [(label: Int32, count: Int)] {
        guard let labels = dataset.labels else { return [] }
        var counts: [Int32: Int] = [:]
        for i in 0..<dataset.count where split == nil || dataset.splits[i] == split!.rawValue { counts[labels[i], default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Padding of the split's source side under fixed length, longest-in-batch, and bucketing,
    /// at batch size `batchSize`, truncating at `maxLength` (one epoch, `seed`).
    public func paddingEstimates(split: Split = .train, batchSize: Int, maxLength: Int, pool: Int = 100,
                                 seed: UInt64 = 0) throws -> [PaddingEstimate] {
        func estimate(_ name: String, _ layout: SequenceLayout, bucket: Int) throws -> PaddingEstimate {
            let options = BatchingOptions(size: .sentences(batchSize), source: layout, bucketPool: bucket, seed: seed)
            let batches = try Batches(dataset: dataset, split: split, options: options)
            let counts = batches.paddingCounts()
            return PaddingEstimate(strategy: name, batches: batches.count, realTokens: counts.real, totalSlots: counts.total)
        }
        guard dataset.info.kind != .lm else { return [] }
        return [
            try estimate("fixed length \(maxLength)", SequenceLayout(maxLength: maxLength, fixedLength: true), bucket: 0),
            try estimate("longest in batch (random order)", SequenceLayout(maxLength: maxLength), bucket: 0),
            try estimate("bucketed, pool of \(pool) batches", SequenceLayout(maxLength: maxLength), bucket: pool),
        ]
    }
}
