import JikjiWordPiece

/// Language-model batches: the split's documents as one token stream cut into windows, contiguous
/// rows, or one padded row per document (``BatchingOptions/LanguageModelLayout``).
extension Batches {
    /// Rows of the documents layout, as parallel arrays.
    struct DocumentPieces: Sendable {
        var offsets: [Int] = []
        var widths: [Int] = []
        var documents: [Int] = []
    }

    /// The stream, window widths, document pieces and plan of a language-model epoch.
    struct LanguageModelPlan {
        var stream: [TokenID]
        var windowWidths: [Int]
        var pieces: DocumentPieces
        var plan: BatchPlan
    }

    /// Plans a language-model epoch over the documents `examples` in the layout the options name.
    static func languageModelPlan(_ examples: [Int], dataset: EncodedDataset, options: BatchingOptions,
                                  generator: inout SplitMix64) throws -> LanguageModelPlan {
        guard options.window >= 1 else { throw BatchingError.invalid("window must be at least 1") }
        guard let separator = options.documentSeparator ?? dataset.info.specialTokens.sep else {
            throw BatchingError.invalid("the vocabulary has no [SEP]; give a document separator token")
        }
        if options.languageModelLayout == .documents {
            let (stream, pieces) = documentPieces(examples, dataset: dataset, start: options.documentStart,
                                                  separator: separator, window: options.window)
            let widths = pieces.widths
            let plan = Self.plan(examples: Array(0..<widths.count), options: options, generator: &generator,
                                 rowLength: { widths[$0] }, sortLength: { widths[$0] }, width: { $0 })
            return LanguageModelPlan(stream: stream, windowWidths: [], pieces: pieces, plan: plan)
        }
        let batchSize: Int
        switch options.size {
        case let .sentences(n): batchSize = n
        case let .tokens(budget): batchSize = Swift.max(1, budget / options.window)
        }
        var documents = examples
        let contiguous = options.languageModelLayout == .contiguousRows
        if contiguous, options.shuffle { generator.shuffle(&documents) }
        var stream: [TokenID] = []
        stream.reserveCapacity(dataset.source.tokenCount + documents.count)
        for index in documents {
            stream.append(contentsOf: dataset.source[index])
            stream.append(separator)
        }
        if contiguous {
            let (plan, widths) = contiguousPlan(streamLength: stream.count, rows: batchSize, window: options.window)
            return LanguageModelPlan(stream: stream, windowWidths: widths, pieces: DocumentPieces(), plan: plan)
        }
        let windows = stream.count > 0 ? (stream.count - 1) / options.window : 0
        var order = Array(0..<windows)
        if options.shuffle { generator.shuffle(&order) }
        var starts = Array(stride(from: 0, to: order.count, by: batchSize))
        starts.append(order.count)
        if options.dropLast, starts.count > 1, order.count % batchSize != 0 { starts.removeLast(); order.removeLast(order.count - starts.last!) }
        let plan = BatchPlan(order: order, starts: starts.count == 1 && order.isEmpty ? [0] : starts)
        return LanguageModelPlan(stream: stream, windowWidths: [], pieces: DocumentPieces(), plan: plan)
    }

    /// The documents of `examples` as `start + document + separator` sequences one after another,
    /// and the pieces of at most `window` targets each is cut into.
    static func documentPieces(_ examples: [Int], dataset: EncodedDataset, start: TokenID?, separator: TokenID,
                               window: Int) -> ([TokenID], DocumentPieces) {
        var stream: [TokenID] = []
        stream.reserveCapacity(dataset.source.tokenCount + 2 * examples.count)
        var pieces = DocumentPieces()
        for index in examples {
            let base = stream.count
            if let start { stream.append(start) }
            stream.append(contentsOf: dataset.source[index])
            stream.append(separator)
            let targets = stream.count - base - 1
            for first in stride(from: 0, to: targets, by: window) {
                pieces.offsets.append(base + first)
                pieces.widths.append(Swift.min(window, targets - first))
                pieces.documents.append(index)
            }
        }
        return (stream, pieces)
    }

    /// Batches of `rows` contiguous rows over a stream of `streamLength` tokens: row r is stream
    /// `[r·L, (r+1)·L)` with L = ⌊streamLength / rows⌋; its L − 1 inputs are cut into windows of
    /// `window` (the last one shorter when `window` does not divide L − 1). The plan's order holds
    /// each row's first input offset, `rows` per batch.
    static func contiguousPlan(streamLength: Int, rows: Int, window: Int) -> (BatchPlan, [Int]) {
        let rowLength = streamLength / rows
        guard rowLength >= 2 else { return (BatchPlan(order: [], starts: [0]), []) }
        let inputs = rowLength - 1
        var order: [Int] = [], starts: [Int] = [0], widths: [Int] = []
        let batches = inputs / window + (inputs % window == 0 ? 0 : 1)  // rounded up without overflowing
        order.reserveCapacity(batches * rows)
        for k in 0..<batches {
            let offset = k * window
            widths.append(Swift.min(window, inputs - offset))
            for r in 0..<rows { order.append(r * rowLength + offset) }
            starts.append(order.count)
        }
        return (BatchPlan(order: order, starts: starts), widths)
    }

    /// Rows of `width` inputs starting at the stream `offsets`, with their next-token targets.
    func windowBatch(_ offsets: [Int], width n: Int) -> Batch {
        let rows = offsets.count
        var inputs = [TokenID](repeating: 0, count: rows * n)
        var targets = [TokenID](repeating: 0, count: rows * n)
        stream.withUnsafeBufferPointer { stream in
            for (r, base) in offsets.enumerated() {
                for j in 0..<n {
                    inputs[r * n + j] = stream[base + j]
                    targets[r * n + j] = stream[base + j + 1]
                }
            }
        }
        let source = PaddedSequences(rows: rows, columns: n, ids: inputs,
                                     lengths: [Int32](repeating: Int32(n), count: rows),
                                     mask: [UInt8](repeating: 1, count: rows * n))
        let indices = windowWidths.isEmpty ? offsets.map { $0 / options.window } : offsets
        return Batch(indices: indices, source: source, nextTokens: targets)
    }

    /// The document pieces `indices` as rows padded to the longest, with their next-token targets.
    func documentBatch(_ indices: ArraySlice<Int>, pad: TokenID) -> Batch {
        let rows = indices.count
        let n = indices.map { pieces.widths[$0] }.max() ?? 0
        var inputs = [TokenID](repeating: pad, count: rows * n)
        var targets = [TokenID](repeating: pad, count: rows * n)
        var lengths = [Int32](repeating: 0, count: rows)
        var mask = [UInt8](repeating: 0, count: rows * n)
        stream.withUnsafeBufferPointer { stream in
            for (r, piece) in indices.enumerated() {
                let base = pieces.offsets[piece], width = pieces.widths[piece]
                for j in 0..<width {
                    inputs[r * n + j] = stream[base + j]
                    targets[r * n + j] = stream[base + j + 1]
                    mask[r * n + j] = 1
                }
                lengths[r] = Int32(width)
            }
        }
        let source = PaddedSequences(rows: rows, columns: n, ids: inputs, lengths: lengths, mask: mask)
        return Batch(indices: indices.map { pieces.documents[$0] }, source: source, nextTokens: targets)
    }
}
