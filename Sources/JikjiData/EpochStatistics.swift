import Foundation
import JikjiWordPiece

/// What one pass over an epoch's batches produced: counts, padding, and a checksum of every id,
/// which fingerprints the epoch (same data, options, seed and epoch: same checksum).
public struct EpochStatistics: Sendable, Equatable {
    /// Batches and rows built.
    public var batches = 0
    public var rows = 0
    /// The widest batch (T).
    public var widest = 0
    /// Real (unpadded) and total source slots.
    public var realSlots = 0
    public var totalSlots = 0
    /// `checksum · 31 + id` over every source id in batch order (as 32-bit patterns).
    public var checksum: UInt64 = 0

    /// Nothing counted yet.
    public init() {}

    /// Counts one batch.
    public mutating func add(_ batch: Batch) {
        batches += 1
        rows += batch.size
        totalSlots += batch.source.ids.count
        widest = max(widest, batch.source.columns)
        for length in batch.source.lengths { realSlots += Int(length) }
        // Touch the ids so the work cannot be skipped; the sum also fingerprints the epoch.
        for id in batch.source.ids { checksum = checksum &* 31 &+ UInt64(UInt32(bitPattern: id)) }
    }

    /// The share of padded source slots, in percent.
    public var paddingPercent: Double { totalSlots == 0 ? 0 : Double(totalSlots - realSlots) / Double(totalSlots) * 100 }
}

extension Batches {
    /// Builds every batch of the epoch (on a prefetch thread) and counts them; `each` sees every
    /// batch with its number, for callers that show some.
    public func statistics(_ each: (Int, Batch) -> Void = { _, _ in }) -> EpochStatistics {
        var statistics = EpochStatistics()
        for batch in prefetched() {
            each(statistics.batches, batch)
            statistics.add(batch)
        }
        return statistics
    }
}

extension Batch {
    /// The batch as text, one line per row (ids, length, label) plus decoder and next-token
    /// lines: what `jikji dataset batches --show` prints.
    public var text: String {
        var lines = ["[\(source.rows), \(source.columns)]"]
        for r in 0..<size {
            var line = "  " + source.row(r).map(String.init).joined(separator: " ")
            line += "  | length \(source.lengths[r])"
            if let labels { line += " label \(labels[r])" }
            lines.append(line)
            if let input = decoderInput, let output = decoderOutput {
                let width = input.columns
                lines.append("    decoder in:  " + input.row(r).map(String.init).joined(separator: " "))
                lines.append("    decoder out: " + output[(r * width)..<((r + 1) * width)].map(String.init).joined(separator: " "))
            }
            if let next = nextTokens {
                let width = source.columns
                lines.append("    next tokens: " + next[(r * width)..<((r + 1) * width)].map(String.init).joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension BatchingOptions {
    /// Options for the batches of a stored dataset: `layout` for the source side (its start and
    /// end tokens replaced: the dataset's `[CLS]`/`[SEP]`, or `startToken`/`endToken`, when
    /// `addStartEnd`), the same layout without start/end tokens for pair targets, and the same
    /// start/end tokens for decoder inputs and outputs.
    public init(dataset info: DatasetInfo, size: Size, layout: SequenceLayout, addStartEnd: Bool,
                startToken: TokenID? = nil, endToken: TokenID? = nil, window: Int, shuffle: Bool, bucketPool: Int,
                sortWithinBatch: Bool, dropLast: Bool, seed: UInt64) {
        let start = startToken ?? info.specialTokens.cls, end = endToken ?? info.specialTokens.sep
        var source = layout
        source.startToken = addStartEnd ? start : nil
        source.endToken = addStartEnd ? end : nil
        var target = layout
        target.startToken = nil
        target.endToken = nil
        self.init(size: size, source: source, target: target, decoderStart: start, decoderEnd: end, window: window,
                  shuffle: shuffle, bucketPool: bucketPool, sortWithinBatch: sortWithinBatch, dropLast: dropLast, seed: seed)
    }
}
