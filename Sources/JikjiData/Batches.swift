import Foundation
import JikjiWordPiece

/// One epoch of batches over a split of an encoded dataset, as a Swift `Sequence`.
///
/// ```swift
/// let dataset = try EncodedDataset(sequences: ids, labels: labels, specialTokens: SpecialTokenIDs(pad: 0))
/// for batch in try Batches(dataset: dataset, split: .train, options: options, epoch: 3) {
///     var pass = try classifier.forward(batch, training: true, generator: &generator)
///     let loss = try classifier.loss(&pass, batch: batch)
///     try classifier.backward(pass)   // gradients accumulated; an optimizer step follows
/// }
/// ```
/// (`Trainer` in JikjiTraining runs this loop with an optimizer, evaluation and checkpoints.)
///
/// The plan (order and batch boundaries) is computed up front from `(seed, epoch)` alone, so
/// epoch k can be recreated directly when training resumes. Building a batch copies ids from the
/// dataset's flat buffer into the batch's arrays: a few allocations per batch, none per example.
public struct Batches: Sequence, Sendable {
    /// The dataset the batches come from.
    public let dataset: EncodedDataset
    /// The split of ``dataset`` batched.
    public let split: Split
    /// How examples are grouped, ordered and padded.
    public let options: BatchingOptions
    /// The epoch this plan was made for (it seeds the order).
    public let epoch: Int
    /// The epoch's order and batch boundaries.
    public let plan: BatchPlan
    /// LM only: the split's documents joined with the separator (documents layout: each also
    /// preceded by the start token).
    let stream: [TokenID]
    /// LM contiguous rows only: the window width (columns) of each batch.
    let windowWidths: [Int]
    /// LM documents layout only: each row's first input in ``stream``, its width (targets) and
    /// its document; the plan's order holds indices into these.
    let pieces: DocumentPieces

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
        let examples = dataset.indices(of: split)
        try Self.checkLimits(options, dataset: dataset, examples: examples, epoch: epoch)
        var generator = SplitMix64(seed: options.seed, stream: UInt64(epoch))
        if dataset.info.kind == .lm {
            let planned = try Self.languageModelPlan(examples, dataset: dataset, options: options, generator: &generator)
            (stream, windowWidths, pieces, plan) = (planned.stream, planned.windowWidths, planned.pieces, planned.plan)
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

    /// The number of batches in the epoch.
    public var count: Int { plan.count }

    /// Builds batch `b` of the epoch.
    public func batch(_ b: Int) -> Batch {
        let indices = plan.batch(b)
        let pad = dataset.info.specialTokens.pad
        if dataset.info.kind == .lm {
            if options.languageModelLayout == .documents { return documentBatch(indices, pad: pad) }
            return windowWidths.isEmpty ? windowBatch(indices.map { $0 * options.window }, width: options.window)
                                        : windowBatch(Array(indices), width: windowWidths[b])
        }
        let source = PaddedSequences.make(indices: indices, sequences: dataset.source, layout: options.source, pad: pad)
        var labels: [Int32]?
        if let all = dataset.labels {
            var out = [Int32](repeating: 0, count: indices.count)
            for (r, index) in indices.enumerated() { out[r] = all[index] }
            labels = out
        }
        var decoderInput: PaddedSequences?, decoderOutput: [TokenID]?
        if let target = dataset.target {
            decoderInput = PaddedSequences.make(indices: indices, sequences: target,
                                                layout: Self.decoderLayout(options, start: true), pad: pad)
            decoderOutput = PaddedSequences.make(indices: indices, sequences: target,
                                                 layout: Self.decoderLayout(options, start: false), pad: pad).ids
        }
        return Batch(indices: Array(indices), source: source, labels: labels, decoderInput: decoderInput,
                     decoderOutput: decoderOutput, nextTokens: nil)
    }

    /// Iterates the batches in plan order, building each when asked.
    public struct Iterator: IteratorProtocol {
        let batches: Batches
        var position = 0

        /// The next batch of the plan, or nil after the last.
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
