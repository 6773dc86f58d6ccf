/// A batch's rows taken apart: how data-parallel training gives each process its share of one
/// global batch.
extension Batch {
    /// Rows `range` of this batch (every part cut to them), padded to the same widths as the
    /// whole batch: a row computes the same in the share as in the whole.
    public func rows(_ range: Range<Int>) -> Batch {
        let range = range.clamped(to: 0..<size)
        var part = Batch(indices: Array(indices[range]), source: source.rows(range))
        if let labels { part.labels = Array(labels[range]) }
        if let decoderInput {
            part.decoderInput = decoderInput.rows(range)
            if let decoderOutput {
                let width = decoderInput.columns
                part.decoderOutput = Array(decoderOutput[(range.lowerBound * width)..<(range.upperBound * width)])
            }
        }
        if let nextTokens, size > 0 {
            let width = nextTokens.count / size
            part.nextTokens = Array(nextTokens[(range.lowerBound * width)..<(range.upperBound * width)])
        }
        return part
    }
}

extension PaddedSequences {
    /// Rows `range` (within `0..<rows`), as wide as the whole matrix.
    public func rows(_ range: Range<Int>) -> PaddedSequences {
        let cells = (range.lowerBound * columns)..<(range.upperBound * columns)
        return PaddedSequences(rows: range.count, columns: columns, ids: Array(ids[cells]),
                               lengths: Array(lengths[range]), mask: Array(mask[cells]))
    }
}
