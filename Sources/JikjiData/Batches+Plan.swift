/// How sentence and pair examples are ordered, bucketed and cut into batches.
extension Batches {
    /// The padded width an example takes (pairs: the wider of its two sides).
    static func rowLength(_ index: Int, dataset: EncodedDataset, options: BatchingOptions) -> Int {
        let source = options.source.rowLength(dataset.source.length(index))
        guard let target = dataset.target else { return source }
        return Swift.max(source, decoderLayout(options, start: true).rowLength(target.length(index)))
    }

    /// The layout of decoder inputs (`start` true: start token, no end) or outputs (end token, no start).
    static func decoderLayout(_ options: BatchingOptions, start: Bool) -> SequenceLayout {
        var layout = options.target
        layout.startToken = start ? options.decoderStart : nil
        layout.endToken = start ? nil : options.decoderEnd
        return layout
    }

    /// The padded width of a batch whose longest row needs `longest` (pairs: the wider side's).
    static func width(_ longest: Int, options: BatchingOptions, pairs: Bool) -> Int {
        pairs ? Swift.max(options.source.width(longest: longest), options.target.width(longest: longest)) : options.source.width(longest: longest)
    }

    /// Shuffles, buckets and cuts `examples` into batches.
    /// - Parameters:
    ///   - rowLength: the padded width an example needs.
    ///   - sortLength: the length batches are sorted by (longest first) with `sortWithinBatch`.
    ///   - width: the width of a batch whose longest row needs the given width (token budgets).
    static func plan(examples: [Int], options: BatchingOptions, generator: inout SplitMix64,
                             rowLength: (Int) -> Int, sortLength: (Int) -> Int, width: (Int) -> Int) -> BatchPlan {
        var order = examples
        if options.shuffle { generator.shuffle(&order) }
        let lengths = order.map(rowLength)
        // Examples per pool: N sentence batches, or N budgets' worth at the mean row length.
        let nominalBatch: Int
        switch options.size {
        case let .sentences(n): nominalBatch = n
        case let .tokens(budget):
            let mean = lengths.isEmpty ? 1 : Swift.max(1, lengths.reduce(0, +) / lengths.count)
            nominalBatch = Swift.max(1, budget / width(mean))
        }
        var sorted = Array(0..<order.count)  // positions into `order`
        if options.bucketPool > 0 {
            // A pool larger than the split (up to 2^62 batches' worth) is the whole split.
            let (product, overflow) = options.bucketPool.multipliedReportingOverflow(by: nominalBatch)
            let pool = overflow ? sorted.count : Swift.max(1, product)
            var start = 0
            while start < sorted.count {
                let end = start + Swift.min(pool, sorted.count - start)
                // Stable: equal lengths keep their shuffled order, so the result depends on the seed only.
                sorted[start..<end].sort { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
                start = end
            }
        }
        // Cut into batches.
        var starts: [Int] = [0]
        switch options.size {
        case let .sentences(n):
            var position = n
            while position < sorted.count { starts.append(position); position += n }
            if !sorted.isEmpty { starts.append(sorted.count) }
            if options.dropLast, starts.count > 1, (starts[starts.count - 1] - starts[starts.count - 2]) < n {
                starts.removeLast()
                sorted.removeLast(sorted.count - starts.last!)
            }
        case let .tokens(budget):
            var longest = 0, count = 0
            for (position, slot) in sorted.enumerated() {
                let candidate = Swift.max(longest, lengths[slot])
                if count > 0, (count + 1).multipliedReportingOverflow(by: width(candidate)).overflow
                    || (count + 1) * width(candidate) > budget {
                    starts.append(position)
                    longest = lengths[slot]
                    count = 1
                } else {
                    longest = candidate
                    count += 1
                }
            }
            if !sorted.isEmpty { starts.append(sorted.count) }
        }
        if starts.count == 1 { return BatchPlan(order: [], starts: [0]) }
        // Bucketed batches come out grouped by length: shuffle their order.
        var batchOrder = Array(0..<(starts.count - 1))
        if options.bucketPool > 0, options.shuffle { generator.shuffle(&batchOrder) }
        var finalOrder: [Int] = []
        finalOrder.reserveCapacity(sorted.count)
        var finalStarts: [Int] = [0]
        finalStarts.reserveCapacity(starts.count)
        for b in batchOrder {
            let slots = sorted[starts[b]..<starts[b + 1]]
            let begin = finalOrder.count
            for slot in slots { finalOrder.append(order[slot]) }
            if options.sortWithinBatch {
                finalOrder[begin...].sort { a, b in
                    let la = sortLength(a), lb = sortLength(b)
                    return la != lb ? la > lb : a < b
                }
            }
            finalStarts.append(finalOrder.count)
        }
        return BatchPlan(order: finalOrder, starts: finalStarts)
    }
}
