import Foundation

/// How examples are grouped, ordered and padded into batches.
///
/// The defaults mirror torchtext's `BucketIterator` with Keras-style padding: shuffled, 64
/// sentences per batch, padded at the end to the longest row, no bucketing.
public struct BatchingOptions: Codable, Sendable, Equatable {
    /// How big a batch is.
    public enum Size: Codable, Sendable, Equatable {
        /// B examples per batch.
        case sentences(Int)
        /// As many examples as fit `B × T ≤ budget`, T the batch's padded width.
        case tokens(Int)
    }

    /// Sentences or a token budget per batch.
    public var size: Size
    /// Layout of the source (classification text, pair source, LM window) rows.
    public var source: SequenceLayout
    /// Layout of pair targets; its start/end tokens are ignored in favour of ``decoderStart``/``decoderEnd``.
    public var target: SequenceLayout
    /// Decoder input = `decoderStart + target`, decoder output = `target + decoderEnd` (pairs).
    public var decoderStart: UInt32?
    public var decoderEnd: UInt32?
    /// Window length N of language-model batches (inputs `[B, N]`, next-token targets `[B, N]`).
    public var window: Int
    /// Token between documents of a language-model stream (defaults to the dataset's `[SEP]`); with
    /// ``LanguageModelLayout/documents`` the token that ends every document.
    public var documentSeparator: UInt32?
    /// ``LanguageModelLayout/documents`` only: the token fed before a document's first token, so
    /// that the first token is predicted too (nil: a document's first token is only an input).
    public var documentStart: UInt32?
    /// Shuffle example (or window) order each epoch.
    public var shuffle: Bool
    /// Bucketing: pools of this many batches' worth of examples are sorted by length before being
    /// cut into batches, and the batch order is then shuffled. 0 turns bucketing off.
    public var bucketPool: Int
    /// Sort each batch by length, longest first (what packed recurrent layers want).
    public var sortWithinBatch: Bool
    /// Leave out a last batch smaller than the batch size (sentence batches only).
    public var dropLast: Bool
    /// Seed of the data order; epoch k uses sub-stream k, so it is reproducible on its own.
    public var seed: UInt64
    /// How a language-model stream is cut into batches (ignored for other datasets).
    public var languageModelLayout: LanguageModelLayout

    /// How the token stream of a language-model dataset becomes batches.
    public enum LanguageModelLayout: String, Codable, Sendable, Equatable, CaseIterable {
        /// Windows of N tokens cut one after another from the stream, batched in shuffled window
        /// order: the rows of a batch, and consecutive batches, are unrelated. For models that start
        /// every window from a zero state.
        case shuffledWindows = "shuffled_windows"
        /// The stream (documents in shuffled order when ``BatchingOptions/shuffle`` is set, else in
        /// corpus order) is cut into B contiguous rows of ⌊S / B⌋ tokens, and batch k holds window k
        /// of every row, so row r of batch k continues row r of batch k − 1 — PyTorch's
        /// word_language_model `batchify`. Every batch has B rows; the last window of an epoch may
        /// be shorter than N. The < B tokens left over by the division are not used. For models
        /// that carry their state from one window to the next (truncated BPTT).
        case contiguousRows = "contiguous_rows"
        /// Every document is a row of its own: inputs `start + document`, targets `document + separator`
        /// (without ``BatchingOptions/documentStart``: inputs `document`, targets `document[1...] +
        /// separator`). A document with more than N targets is cut into pieces of at most N, each a
        /// row whose input starts with the token before its first target, so every target is
        /// predicted once. Rows are padded after the tokens (targets with `[PAD]`, which losses
        /// ignore), and batched like sentences: shuffled, bucketed by length with
        /// ``BatchingOptions/bucketPool``, sorted within a batch with
        /// ``BatchingOptions/sortWithinBatch``. For models that start every document from a zero state.
        case documents
    }

    /// Options with torchtext-like defaults; see each property.
    public init(size: Size = .sentences(64), source: SequenceLayout = SequenceLayout(), target: SequenceLayout = SequenceLayout(),
                decoderStart: UInt32? = nil, decoderEnd: UInt32? = nil, window: Int = 64, documentSeparator: UInt32? = nil,
                documentStart: UInt32? = nil, shuffle: Bool = true, bucketPool: Int = 0, sortWithinBatch: Bool = false, dropLast: Bool = false, seed: UInt64 = 0,
                languageModelLayout: LanguageModelLayout = .shuffledWindows) {
        self.size = size
        self.source = source
        self.target = target
        self.decoderStart = decoderStart
        self.decoderEnd = decoderEnd
        self.window = window
        self.documentSeparator = documentSeparator
        self.documentStart = documentStart
        self.shuffle = shuffle
        self.bucketPool = bucketPool
        self.sortWithinBatch = sortWithinBatch
        self.dropLast = dropLast
        self.seed = seed
        self.languageModelLayout = languageModelLayout
    }
}

/// Batching options that cannot work with a dataset.
public enum BatchingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self { case let .invalid(what): return "batching: \(what)" }
    }
}

/// One batch. Shapes use B = ``size``, T = `source.columns`.
public struct Batch: Sendable {
    /// The examples in row order; lets a caller trace rows back to the corpus. LM: window numbers
    /// (shuffled windows), the stream offset of each row's first input token (contiguous rows), or
    /// the document's example index (documents; a long document's pieces share it).
    public var indices: [Int]
    /// Classification text, pair source or LM input window: ids `[B, T]`, lengths `[B]`, mask `[B, T]`.
    public var source: PaddedSequences
    /// Labels `[B]` (datasets with labels).
    public var labels: [Int32]?
    /// Pairs: `[start] + target`, ids `[B, T']` with lengths and mask.
    public var decoderInput: PaddedSequences?
    /// Pairs: `target + [end]`, `[B, T']` (same lengths and mask as ``decoderInput``).
    public var decoderOutput: [Int32]?
    /// LM: next-token targets `[B, N]`, row r = source row r shifted left by one token (`[PAD]`
    /// after a row's length).
    public var nextTokens: [Int32]?

    /// B.
    public var size: Int { source.rows }
}

/// The order of one epoch: example indices, cut into batches.
public struct BatchPlan: Sendable, Equatable {
    /// Example (or window) indices in batch order.
    public var order: [Int]
    /// Batch b is `order[starts[b]..<starts[b + 1]]`.
    public var starts: [Int]

    /// The number of batches.
    public var count: Int { starts.count - 1 }

    /// The indices of batch `b`.
    public func batch(_ b: Int) -> ArraySlice<Int> { order[starts[b]..<starts[b + 1]] }
}

/// One epoch of batches over a split of an encoded dataset, as a Swift `Sequence`.
///
/// ```swift
/// for batch in try Batches(dataset: dataset, split: .train, options: options, epoch: 3) {
///     model.step(ids: batch.source.ids, lengths: batch.source.lengths, labels: batch.labels!)
/// }
/// ```
/// The plan (order and batch boundaries) is computed up front from `(seed, epoch)` alone, so
/// epoch k can be recreated directly when training resumes. Building a batch copies ids from the
/// dataset's flat buffer into the batch's arrays: a few allocations per batch, none per example.
public struct Batches: Sequence, Sendable {
    /// The dataset, split, options and epoch this plan was made for.
    public let dataset: EncodedDataset
    public let split: Split
    public let options: BatchingOptions
    public let epoch: Int
    /// The epoch's order and batch boundaries.
    public let plan: BatchPlan
    /// LM only: the split's documents joined with the separator (documents layout: each also
    /// preceded by the start token).
    private let stream: [UInt32]
    /// LM contiguous rows only: the window width (columns) of each batch.
    private let windowWidths: [Int]
    /// LM documents layout only: each row's first input in ``stream``, its width (targets) and
    /// its document; the plan's order holds indices into these.
    private let pieces: DocumentPieces

    /// Plans epoch `epoch` of `split`.
    /// - Throws: ``BatchingError`` for options that do not fit the dataset (no `[SEP]` for an LM
    ///   separator, a zero batch size, a pair dataset without decoder tokens…).
    public init(dataset: EncodedDataset, split: Split = .train, options: BatchingOptions, epoch: Int = 0) throws {
        self.dataset = dataset
        self.split = split
        self.options = options
        self.epoch = epoch
        switch options.size {
        case let .sentences(n) where n < 1: throw BatchingError.invalid("batch size must be at least 1, got \(n)")
        case let .tokens(n) where n < 1: throw BatchingError.invalid("token budget must be at least 1, got \(n)")
        default: break
        }
        if let limit = options.source.maxLength, limit < options.source.extraTokens + 1 {
            throw BatchingError.invalid("max length \(limit) leaves no room for text after the start/end tokens")
        }
        var generator = SplitMix64(seed: options.seed, stream: UInt64(epoch))
        let examples = dataset.indices(of: split)
        if dataset.info.kind == .lm {
            guard options.window >= 1 else { throw BatchingError.invalid("window must be at least 1") }
            guard let separator = options.documentSeparator ?? dataset.info.specialTokens.sep else {
                throw BatchingError.invalid("the vocabulary has no [SEP]; give a document separator token")
            }
            if options.languageModelLayout == .documents {
                windowWidths = []
                (stream, pieces) = Self.documentPieces(examples, dataset: dataset, start: options.documentStart,
                                                       separator: separator, window: options.window)
                let widths = pieces.widths
                plan = Self.plan(examples: Array(0..<widths.count), options: options, generator: &generator,
                                 rowLength: { widths[$0] }, sortLength: { widths[$0] }, width: { $0 })
                return
            }
            pieces = DocumentPieces()
            let batchSize: Int
            switch options.size {
            case let .sentences(n): batchSize = n
            case let .tokens(budget): batchSize = Swift.max(1, budget / options.window)
            }
            var documents = examples
            let contiguous = options.languageModelLayout == .contiguousRows
            if contiguous, options.shuffle { generator.shuffle(&documents) }
            var stream: [UInt32] = []
            stream.reserveCapacity(dataset.source.tokenCount + documents.count)
            for index in documents {
                stream.append(contentsOf: dataset.source[index])
                stream.append(separator)
            }
            self.stream = stream
            if contiguous {
                (plan, windowWidths) = Self.contiguousPlan(streamLength: stream.count, rows: batchSize, window: options.window)
                return
            }
            windowWidths = []
            let windows = stream.count > 0 ? (stream.count - 1) / options.window : 0
            var order = Array(0..<windows)
            if options.shuffle { generator.shuffle(&order) }
            var starts = Array(stride(from: 0, to: order.count, by: batchSize))
            starts.append(order.count)
            if options.dropLast, starts.count > 1, order.count % batchSize != 0 { starts.removeLast(); order.removeLast(order.count - starts.last!) }
            plan = BatchPlan(order: order, starts: starts.count == 1 && order.isEmpty ? [0] : starts)
            return
        }
        if dataset.info.kind == .pairs {
            guard options.decoderStart != nil, options.decoderEnd != nil else {
                throw BatchingError.invalid("pairs need decoder start and end tokens ([CLS]/[SEP] or a BOS/EOS)")
            }
            if let limit = options.target.maxLength, limit < 2 { throw BatchingError.invalid("target max length must be at least 2") }
        }
        stream = []
        windowWidths = []
        pieces = DocumentPieces()
        let pairs = dataset.target != nil
        plan = Self.plan(examples: examples, options: options, generator: &generator,
                         rowLength: { Self.rowLength($0, dataset: dataset, options: options) },
                         sortLength: { dataset.source.length($0) },
                         width: { Self.width($0, options: options, pairs: pairs) })
    }

    /// Rows of the documents layout, as parallel arrays.
    struct DocumentPieces: Sendable {
        var offsets: [Int] = []
        var widths: [Int] = []
        var documents: [Int] = []
    }

    /// The documents of `examples` as `start + document + separator` sequences one after another,
    /// and the pieces of at most `window` targets each is cut into.
    static func documentPieces(_ examples: [Int], dataset: EncodedDataset, start: UInt32?, separator: UInt32,
                               window: Int) -> ([UInt32], DocumentPieces) {
        var stream: [UInt32] = []
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
        let batches = (inputs + window - 1) / window
        order.reserveCapacity(batches * rows)
        for k in 0..<batches {
            let offset = k * window
            widths.append(Swift.min(window, inputs - offset))
            for r in 0..<rows { order.append(r * rowLength + offset) }
            starts.append(order.count)
        }
        return (BatchPlan(order: order, starts: starts), widths)
    }

    /// The padded width an example takes (pairs: the wider of its two sides).
    static func rowLength(_ index: Int, dataset: EncodedDataset, options: BatchingOptions) -> Int {
        let source = options.source.rowLength(dataset.source.length(index))
        guard let target = dataset.target else { return source }
        return Swift.max(source, decoderLayout(options, start: true).rowLength(target.length(index)))
    }

    static func decoderLayout(_ options: BatchingOptions, start: Bool) -> SequenceLayout {
        var layout = options.target
        layout.startToken = start ? options.decoderStart : nil
        layout.endToken = start ? nil : options.decoderEnd
        return layout
    }

    private static func width(_ longest: Int, options: BatchingOptions, pairs: Bool) -> Int {
        pairs ? Swift.max(options.source.width(longest: longest), options.target.width(longest: longest)) : options.source.width(longest: longest)
    }

    /// Shuffles, buckets and cuts `examples` into batches.
    /// - Parameters:
    ///   - rowLength: the padded width an example needs.
    ///   - sortLength: the length batches are sorted by (longest first) with `sortWithinBatch`.
    ///   - width: the width of a batch whose longest row needs the given width (token budgets).
    private static func plan(examples: [Int], options: BatchingOptions, generator: inout SplitMix64,
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
            let pool = options.bucketPool * nominalBatch
            var start = 0
            while start < sorted.count {
                let end = Swift.min(start + pool, sorted.count)
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
                if count > 0, (count + 1) * width(candidate) > budget {
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

    /// The number of batches in the epoch.
    public var count: Int { plan.count }

    /// Builds batch `b` of the epoch.
    public func batch(_ b: Int) -> Batch {
        let indices = plan.batch(b)
        let pad = dataset.info.specialTokens.pad
        if dataset.info.kind == .lm {
            if options.languageModelLayout == .documents { return documentBatch(indices, pad: pad) }
            return windowWidths.isEmpty ? lmBatch(indices.map { $0 * options.window }, width: options.window)
                                        : lmBatch(Array(indices), width: windowWidths[b])
        }
        let source = PaddedSequences.make(indices: indices, sequences: dataset.source, layout: options.source, pad: pad)
        var labels: [Int32]?
        if let all = dataset.labels {
            var out = [Int32](repeating: 0, count: indices.count)
            for (r, index) in indices.enumerated() { out[r] = all[index] }
            labels = out
        }
        var decoderInput: PaddedSequences?, decoderOutput: [Int32]?
        if let target = dataset.target {
            decoderInput = PaddedSequences.make(indices: indices, sequences: target,
                                                layout: Self.decoderLayout(options, start: true), pad: pad)
            decoderOutput = PaddedSequences.make(indices: indices, sequences: target,
                                                 layout: Self.decoderLayout(options, start: false), pad: pad).ids
        }
        return Batch(indices: Array(indices), source: source, labels: labels, decoderInput: decoderInput,
                     decoderOutput: decoderOutput, nextTokens: nil)
    }

    /// Rows of `width` inputs starting at the stream `offsets`, with their next-token targets.
    private func lmBatch(_ offsets: [Int], width n: Int) -> Batch {
        let rows = offsets.count
        var inputs = [Int32](repeating: 0, count: rows * n)
        var targets = [Int32](repeating: 0, count: rows * n)
        stream.withUnsafeBufferPointer { stream in
            for (r, base) in offsets.enumerated() {
                for j in 0..<n {
                    inputs[r * n + j] = Int32(bitPattern: stream[base + j])
                    targets[r * n + j] = Int32(bitPattern: stream[base + j + 1])
                }
            }
        }
        let source = PaddedSequences(rows: rows, columns: n, ids: inputs,
                                     lengths: [Int32](repeating: Int32(n), count: rows),
                                     mask: [UInt8](repeating: 1, count: rows * n))
        let indices = windowWidths.isEmpty ? offsets.map { $0 / options.window } : offsets
        return Batch(indices: indices, source: source, labels: nil, decoderInput: nil, decoderOutput: nil, nextTokens: targets)
    }

    /// The document pieces `indices` as rows padded to the longest, with their next-token targets.
    private func documentBatch(_ indices: ArraySlice<Int>, pad: UInt32) -> Batch {
        let rows = indices.count
        let n = indices.map { pieces.widths[$0] }.max() ?? 0
        let padding = Int32(bitPattern: pad)
        var inputs = [Int32](repeating: padding, count: rows * n)
        var targets = [Int32](repeating: padding, count: rows * n)
        var lengths = [Int32](repeating: 0, count: rows)
        var mask = [UInt8](repeating: 0, count: rows * n)
        stream.withUnsafeBufferPointer { stream in
            for (r, piece) in indices.enumerated() {
                let base = pieces.offsets[piece], width = pieces.widths[piece]
                for j in 0..<width {
                    inputs[r * n + j] = Int32(bitPattern: stream[base + j])
                    targets[r * n + j] = Int32(bitPattern: stream[base + j + 1])
                    mask[r * n + j] = 1
                }
                lengths[r] = Int32(width)
            }
        }
        let source = PaddedSequences(rows: rows, columns: n, ids: inputs, lengths: lengths, mask: mask)
        return Batch(indices: indices.map { pieces.documents[$0] }, source: source, labels: nil, decoderInput: nil,
                     decoderOutput: nil, nextTokens: targets)
    }

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

    /// Iterates the batches in plan order, building each when asked.
    public struct Iterator: IteratorProtocol {
        let batches: Batches
        var position = 0

        public mutating func next() -> Batch? {
            guard position < batches.count else { return nil }
            defer { position += 1 }
            return batches.batch(position)
        }
    }

    /// An iterator building each batch when asked.
    public func makeIterator() -> Iterator { Iterator(batches: self) }

    /// The same batches, built `depth` ahead on a background thread while the caller works on the current one.
    public func prefetched(depth: Int = 2) -> PrefetchedBatches { PrefetchedBatches(batches: self, depth: Swift.max(1, depth)) }
}

/// ``Batches`` with background prefetch: a producer thread builds up to `depth` batches ahead.
public struct PrefetchedBatches: Sequence, Sendable {
    /// The batches to prefetch and how many to build ahead.
    public let batches: Batches
    public let depth: Int

    /// Starts the producer thread and returns the consuming iterator.
    public func makeIterator() -> Iterator { Iterator(owner: PrefetchOwner(PrefetchQueue(batches: batches, depth: depth))) }

    /// Hands out batches in order; dropping it early stops the producer thread.
    public struct Iterator: IteratorProtocol {
        let owner: PrefetchOwner
        public mutating func next() -> Batch? { owner.queue.take() }
    }
}

/// Owned by the consumer only, so its end (the iterator going away) can tell the producer to stop
/// even while the producer is blocked on a full queue.
final class PrefetchOwner: Sendable {
    let queue: PrefetchQueue
    init(_ queue: PrefetchQueue) { self.queue = queue }
    deinit { queue.cancel() }
}

/// A bounded single-producer, single-consumer queue filled by a background thread.
///
/// `@unchecked Sendable`: the producer thread and the consumer share it, and every mutable
/// property (`buffer`, `produced`, `cancelled`) is read and written only while holding `condition`.
final class PrefetchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [Batch] = []
    private var produced = 0
    private var cancelled = false
    private let total: Int
    private let depth: Int

    init(batches: Batches, depth: Int) {
        total = batches.count
        self.depth = depth
        let thread = Thread { [self] in
            for b in 0..<batches.count {
                let batch = batches.batch(b)
                condition.lock()
                while buffer.count >= depth && !cancelled { condition.wait() }
                if cancelled { condition.unlock(); return }
                buffer.append(batch)
                produced += 1
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.name = "jikji.prefetch"
        thread.start()
    }

    /// The next batch, waiting for the producer if needed; nil after the last.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while buffer.isEmpty && produced < total && !cancelled { condition.wait() }
        guard !buffer.isEmpty else { return nil }
        let batch = buffer.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Stops the producer at its next step.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
