import JikjiIO

/// Sizes given by the user (`--batch-size`, `--max-length`, `--pad-to-multiple-of`, `--window`,
/// `--epoch`, a job's batching section) are checked before an epoch is planned, so that values
/// near the integer limits are refused with the option's name instead of overflowing, and a
/// batch that cannot fit in memory is refused with the figure instead of being allocated.
extension Batches {
    /// Bytes one padded cell of a batch may take: the id and mask of the source row, and a
    /// pair's decoder input and output ids.
    static let bytesPerCell = 13

    /// Throws ``BatchingError`` for sizes whose arithmetic would overflow, and
    /// ``MemoryEstimateError`` for a batch wider than the available memory.
    static func checkLimits(_ options: BatchingOptions, dataset: EncodedDataset, examples: [Int], epoch: Int) throws {
        guard epoch >= 0 else { throw BatchingError.invalid("epoch must be 0 or more, got \(epoch)") }
        guard options.bucketPool >= 0 else { throw BatchingError.invalid("bucket pool must be 0 or more, got \(options.bucketPool)") }
        if let limit = options.source.maxLength, limit < 0 {
            throw BatchingError.invalid("max length must be positive, got \(limit)")
        }
        let rows: Int, width: Int
        if dataset.info.kind == .lm, options.languageModelLayout != .documents {
            // Windows of `window` tokens, B rows (or the budget's worth) per batch.
            let streamLength = dataset.source.tokenCount + examples.count
            width = Swift.min(options.window, streamLength)
            switch options.size {
            case let .sentences(n): rows = Swift.min(n, streamLength)
            case let .tokens(budget): rows = Swift.max(1, budget / Swift.max(1, options.window))
            }
        } else {
            // The widest row any batch can have: the longest example (or the fixed length),
            // rounded up to the multiple — checked, since every one of them comes from the user.
            let layout = options.source
            var longest = 0
            if layout.maxLength == nil || !layout.fixedLength || dataset.target != nil {
                for index in examples { longest = Swift.max(longest, dataset.source.length(index)) }
                if let target = dataset.target {
                    for index in examples { longest = Swift.max(longest, target.length(index)) }
                }
                longest += 2
            }
            var widest = layout.fixedLength ? Swift.max(layout.maxLength ?? longest, longest) : Swift.min(longest, layout.maxLength ?? longest)
            if layout.padToMultipleOf > 1 || options.target.padToMultipleOf > 1 {
                let multiple = Swift.max(layout.padToMultipleOf, options.target.padToMultipleOf)
                let (rounded, overflow) = widest.addingReportingOverflow(multiple - 1)
                guard !overflow else {
                    throw BatchingError.invalid("pad to a multiple of \(multiple): rows of \(widest) tokens cannot be rounded up without overflowing")
                }
                widest = rounded / multiple * multiple
            }
            width = widest
            switch options.size {
            case let .sentences(n): rows = Swift.min(n, Swift.max(1, examples.count))
            case let .tokens(budget): rows = Swift.min(Swift.max(1, budget / Swift.max(1, width)), Swift.max(1, examples.count))
            }
        }
        try AvailableMemory.check(AvailableMemory.product(rows, width, bytesPerCell),
                                  for: "a batch of \(rows) rows × \(width) tokens",
                                  advice: "lower the batch size, the max length or the pad-to multiple, or do not pad to a fixed length")
    }
}
