import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent

/// What the runner needs from a model kind: a training step over one batch, an evaluation over
/// batches, and how batches are made. Implemented by classifier, language model and seq2seq jobs.
protocol TrainingTask {
    /// The model's parameters under PyTorch state_dict names.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The architecture as JSON (saved as `model.json` next to checkpoints).
    var architectureJSON: String { get }
    /// How batches are cut and padded.
    var batching: BatchingOptions { get }
    /// Embedding tables that may be updated row by row (`optim.embedding_update` lazy or sparse): a table here
    /// must receive gradient only in the rows ``StepResult/touchedRows`` lists.
    var embeddingTables: [(name: String, parameter: Parameter)] { get }
    /// Forward and backward over one batch; gradients are accumulated into the parameters.
    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> StepResult
    /// Metrics over batches (no gradients): `loss` plus the task's own.
    func evaluate(_ batches: Batches) throws -> [String: Double]
    /// Called before the first batch of every epoch (a language model carrying its state drops it here).
    mutating func startEpoch()
    /// State carried from one batch to the next that a checkpoint must hold for a resumed run to
    /// continue exactly (a language model's carried (h, c)); empty for tasks without any.
    var carriedTensors: [String: Tensor] { get }
    /// Puts back what ``carriedTensors`` returned when the checkpoint was written.
    mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws
}

extension TrainingTask {
    /// Nothing carried across batches.
    mutating func startEpoch() {}
    var carriedTensors: [String: Tensor] { [:] }
    mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws {}
}

/// The task of `job.model.kind`, with freshly initialised weights drawn from `generator`.
func makeTask(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws -> TrainingTask {
    switch job.model.task {
    case .classifier: return try ClassifierTask(job: job, vocabulary: vocabulary, generator: &generator)
    case .languageModel: return try LanguageModelTask(job: job, vocabulary: vocabulary, generator: &generator)
    case .seq2seq: return try Seq2SeqTask(job: job, vocabulary: vocabulary, generator: &generator)
    }
}

/// What one training step reports.
struct StepResult {
    /// The mean loss over `count` predictions.
    var loss: Double
    var count: Int
    /// Real (unpadded) tokens read, for tokens/s.
    var tokens: Int
    /// For each of ``TrainingTask/embeddingTables``: the rows that received gradient, ascending.
    var touchedRows: [[Int]]
}

/// The distinct ids of `ids` other than `excluded`, ascending: the embedding rows a batch used.
func distinctRows(_ ids: [Int32], excluding excluded: Int, limit: Int) -> [Int] {
    var seen = [Bool](repeating: false, count: limit)
    for id in ids where Int(id) != excluded && id >= 0 && Int(id) < limit { seen[Int(id)] = true }
    return seen.indices.filter { seen[$0] }
}

extension Array where Element == Int32 {
    /// The values as `Int` (model inputs).
    var ints: [Int] { map { Int($0) } }
}

/// A sequence classifier job.
struct ClassifierTask: TrainingTask {
    let model: SequenceClassifier
    let batching: BatchingOptions

    init(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws {
        let m = job.model
        let config = SequenceClassifier.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, bidirectional: m.encoder.bidirectional,
            layerDropout: Float(m.encoder.dropout), dropout: Float(m.dropout),
            pooling: m.pooling, classes: m.classes, paddingIndex: vocabulary.padID)
        model = try SequenceClassifier(config, generator: &generator)
        batching = try JobBatching.options(job: job, vocabulary: vocabulary)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }

    var architectureJSON: String { JobBatching.architecture(kind: "classifier", model.configuration) }

    var embeddingTables: [(name: String, parameter: Parameter)] { [("embedding.weight", model.embedding.weight)] }

    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> StepResult {
        guard let labels = batch.labels else { throw JobRunError.data("a classification batch has no labels") }
        let lengths = batch.source.lengths.map { Swift.max(1, Int($0)) }
        let (logits, tape) = try model.forward(ids: batch.source.ids.ints, batch: batch.size, steps: batch.source.columns,
                                               lengths: lengths, training: true, generator: &generator)
        let loss = try model.loss(logits: logits, labels: labels.ints)
        let rows = try model.backward(tape, logitsGradient: loss.gradient)
        return StepResult(loss: Double(loss.value), count: batch.size, tokens: lengths.reduce(0, +), touchedRows: [rows])
    }

    func evaluate(_ batches: Batches) throws -> [String: Double] {
        var counts = Metrics.ClassificationCounts(classes: model.configuration.classes)
        var lossSum = 0.0, examples = 0
        var unused = SeededGenerator(seed: 0)
        for batch in batches {
            guard let labels = batch.labels else { throw JobRunError.data("a classification batch has no labels") }
            let lengths = batch.source.lengths.map { Swift.max(1, Int($0)) }
            let (logits, _) = try model.forward(ids: batch.source.ids.ints, batch: batch.size, steps: batch.source.columns,
                                                lengths: lengths, training: false, generator: &unused, recordTape: false)
            let loss = try model.loss(logits: logits, labels: labels.ints)
            lossSum += Double(loss.value) * Double(batch.size)
            examples += batch.size
            let width = logits.count / batch.size
            for r in 0..<batch.size {
                let predicted: Int
                if width == 1 {
                    predicted = logits.storage[r] > 0 ? 1 : 0
                } else {
                    var best = 0
                    for c in 1..<width where logits.storage[r * width + c] > logits.storage[r * width + best] { best = c }
                    predicted = best
                }
                counts.add(truth: Int(labels[r]), predicted: predicted)
            }
        }
        return ["loss": examples > 0 ? lossSum / Double(examples) : .nan, "accuracy": counts.accuracy, "f1": counts.f1]
    }
}

/// Batching options of a job.
enum JobBatching {
    static func options(job: JobConfig, vocabulary: JobVocabulary) throws -> BatchingOptions {
        let b = job.batching
        let specials = vocabulary.specials
        // JobConfig refuses pad_side pre: recurrent layers read packed lengths.
        var source = SequenceLayout(maxLength: b.maxLength, padSide: .post, truncationSide: b.truncateSide)
        if b.addSpecialTokens {
            guard let cls = specials.cls, let sep = specials.sep else {
                throw ConfigError(.impossible, at: ConfigLocation(source: job.source), path: "batching.add_special_tokens",
                                  "vocabulary \(vocabulary.reference) has no [CLS]/[SEP] tokens")
            }
            source.startToken = cls
            source.endToken = sep
        }
        var options = BatchingOptions(size: b.tokenBudget.map { .tokens($0) } ?? .sentences(b.batchSize), source: source,
                                      shuffle: true, bucketPool: b.bucketPool > 1 ? b.bucketPool : 0,
                                      sortWithinBatch: b.sortWithinBatch, dropLast: b.dropLast, seed: job.seed)
        options.window = max(2, b.window)
        if job.model.task == .languageModel {
            switch job.train.hiddenState ?? .carry {
            case .carry: options.languageModelLayout = .contiguousRows
            case .reset: options.languageModelLayout = .shuffledWindows
            case .document:
                options.languageModelLayout = .documents
                options.documentStart = specials.cls
            }
        }
        if job.model.task == .seq2seq {
            options.target = SequenceLayout(maxLength: b.maxLength, padSide: .post, truncationSide: .post)
            options.decoderStart = specials.cls
            options.decoderEnd = specials.sep
        }
        return options
    }
}
