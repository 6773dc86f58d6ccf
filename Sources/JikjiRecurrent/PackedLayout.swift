/// How a batch of variable-length sequences is laid out inside a recurrent layer.
///
/// Like PyTorch's `PackedSequence`: sequences are sorted by decreasing length, and time step
/// `t` stores the rows of the `batchSizes[t]` sequences still running, one after another, at
/// rows `offsets[t] ..< offsets[t] + batchSizes[t]` of a `[N, features]` matrix (`N` = total
/// valid steps). The running sequences of every step are then a prefix of the sorted batch,
/// so each step's recurrent product is one gemm over contiguous rows.
struct PackedLayout: Sendable {
    /// Batch size B and padded length T of the batch-first tensors.
    let batch: Int
    let steps: Int
    /// `order[i]` is the original batch index of sorted position `i`.
    let order: [Int]
    /// Number of running sequences at each step (non-increasing).
    let batchSizes: [Int]
    /// First packed row of each step; `offsets[steps]` is the total row count N.
    let offsets: [Int]

    var rowCount: Int { offsets[steps] }

    init(batch: Int, steps: Int, lengths: [Int]) {
        self.batch = batch
        self.steps = steps
        // Stable sort: equal lengths keep their batch order, as PyTorch's sort does for ties
        // (either choice gives the same numbers; stability keeps it deterministic).
        order = (0..<batch).sorted { (lengths[$0], $1) > (lengths[$1], $0) }
        var sizes = [Int](repeating: 0, count: steps)
        for length in lengths {
            for t in 0..<length { sizes[t] += 1 }
        }
        batchSizes = sizes
        var running = [0]
        running.reserveCapacity(steps + 1)
        for size in sizes { running.append(running.last! + size) }
        offsets = running
    }

    /// Splits the sorted rows into at most `count` contiguous, non-empty ranges with about the
    /// same number of valid steps each (long sequences come first, so the first ranges hold
    /// fewer rows).
    func rowParts(_ count: Int) -> [Range<Int>] {
        let parts = max(1, min(count, batch))
        guard parts > 1 else { return [0..<batch] }
        // Sorted row i runs for as many steps as have more than i running rows.
        var lengths = [Int](repeating: 0, count: batch)
        for size in batchSizes { for i in 0..<size { lengths[i] += 1 } }
        var ranges: [Range<Int>] = []
        var start = 0, done = 0
        for (i, length) in lengths.enumerated() {
            done += length
            let target = rowCount * (ranges.count + 1) / parts
            let rowsLeft = batch - i - 1, partsLeft = parts - ranges.count - 1
            if ranges.count < parts - 1 && (done >= target || rowsLeft == partsLeft) && rowsLeft >= partsLeft {
                ranges.append(start..<(i + 1))
                start = i + 1
            }
        }
        if start < batch { ranges.append(start..<batch) }
        return ranges
    }

    /// Copies batch-first `[B, T, F]` rows into packed `[N, F]` (only valid steps).
    func pack(_ source: UnsafePointer<Float>, features: Int, into packed: UnsafeMutablePointer<Float>) {
        for t in 0..<steps {
            for i in 0..<batchSizes[t] {
                let b = order[i]
                (packed + (offsets[t] + i) * features)
                    .update(from: source + (b * steps + t) * features, count: features)
            }
        }
    }

    /// Copies packed `[N, F]` rows back to a batch-first `[B, T, F]` tensor whose padded steps are zero.
    func unpack(_ packed: UnsafePointer<Float>, features: Int) -> Tensor {
        var result = Tensor(shape: [batch, steps, features])
        result.storage.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            for t in 0..<steps {
                for i in 0..<batchSizes[t] {
                    let b = order[i]
                    (base + (b * steps + t) * features)
                        .update(from: packed + (offsets[t] + i) * features, count: features)
                }
            }
        }
        return result
    }

    /// Copies slice `index` of a `[S, B, H]` state tensor into a sorted `[B, H]` buffer.
    func sortState(_ source: UnsafePointer<Float>, index: Int, hidden: Int, into target: UnsafeMutablePointer<Float>) {
        for i in 0..<batch {
            (target + i * hidden).update(from: source + (index * batch + order[i]) * hidden, count: hidden)
        }
    }

    /// Copies a sorted `[B, H]` buffer into slice `index` of a `[S, B, H]` state tensor.
    func unsortState(_ sorted: UnsafePointer<Float>, index: Int, hidden: Int, into target: UnsafeMutablePointer<Float>) {
        for i in 0..<batch {
            (target + (index * batch + order[i]) * hidden).update(from: sorted + i * hidden, count: hidden)
        }
    }
}
