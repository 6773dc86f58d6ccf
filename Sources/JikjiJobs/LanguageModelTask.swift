import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent

/// A language-model job: windows of the joined document stream, next-token targets.
///
/// With `train.hidden_state: carry` the batches are contiguous rows of the stream and each
/// window starts from the final (h, c) of the previous window of the same rows, detached
/// (truncated BPTT); the state is dropped at each epoch start and saved in checkpoints. With
/// `reset` every window starts from zeros; with `document` every document (or piece of one) is a
/// padded row of its own that starts from zeros.
struct LanguageModelTask: TrainingTask {
    let model: LanguageModel
    let batching: BatchingOptions
    let hiddenState: TrainSection.HiddenState
    /// The state after the last training window (carry only; nil at an epoch start).
    var carried: LanguageModel.State?

    init(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws {
        let m = job.model
        let config = LanguageModel.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, layerDropout: Float(m.encoder.dropout),
            dropout: Float(m.dropout), tieWeights: m.tieWeights, paddingIndex: vocabulary.padID,
            initRange: Float(m.initRange))
        model = try LanguageModel(config, generator: &generator)
        batching = try JobBatching.options(job: job, vocabulary: vocabulary)
        hiddenState = job.train.hiddenState ?? .carry
    }

    var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }

    var architectureJSON: String { JobBatching.architecture(kind: "language_model", model.configuration) }

    /// The embedding, unless it is tied to the (dense) output layer.
    var embeddingTables: [(name: String, parameter: Parameter)] {
        model.configuration.tieWeights ? [] : [("embedding.weight", model.embedding.weight)]
    }

    mutating func startEpoch() { carried = nil }

    var carriedTensors: [String: Tensor] {
        guard let carried else { return [:] }
        var tensors = ["lm_state.hidden": carried.hidden]
        if let cell = carried.cell { tensors["lm_state.cell"] = cell }
        return tensors
    }

    mutating func restoreCarriedTensors(_ tensors: [String: Tensor]) throws {
        guard let hidden = tensors["lm_state.hidden"] else { carried = nil; return }
        let c = model.configuration
        guard hiddenState == .carry, hidden.shape.count == 3, hidden.shape[0] == c.layers, hidden.shape[2] == c.hiddenSize else {
            throw JobRunError.resume("the checkpoint's carried state \(hidden.shape) does not fit this language model")
        }
        carried = LanguageModel.State(hidden: hidden, cell: tensors["lm_state.cell"])
    }

    /// The carried state when it fits a batch of `rows` rows (it always does with contiguous rows).
    private static func state(_ state: LanguageModel.State?, rows: Int) -> LanguageModel.State? {
        guard let state, state.hidden.shape.count == 3, state.hidden.shape[1] == rows else { return nil }
        return state
    }

    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> StepResult {
        guard let targets = batch.nextTokens else { throw JobRunError.data("a language-model batch has no next-token targets") }
        let initial = hiddenState == .carry ? Self.state(carried, rows: batch.size) : nil
        let result = try model.step(ids: batch.source.ids.ints, targets: targets, batch: batch.size, steps: batch.source.columns,
                                    lengths: lengths(batch), state: initial, training: true, generator: &generator)
        if hiddenState == .carry { carried = result.state }
        let rows = model.configuration.tieWeights ? [] : [distinctRows(batch.source.ids, excluding: model.configuration.paddingIndex ?? -1,
                                                                      limit: model.configuration.vocabularySize)]
        return StepResult(loss: Double(result.loss), count: result.count, tokens: result.count, touchedRows: rows)
    }

    /// The rows' lengths when they are padded documents (nil: every row is full).
    private func lengths(_ batch: Batch) -> [Int]? {
        hiddenState == .document ? batch.source.lengths.map { Int($0) } : nil
    }

    /// Loss and perplexity over every target of `batches`: exp of the mean next-token
    /// cross-entropy. With `carry` the state runs through each row from zeros at the split's start
    /// (the batches are contiguous rows), so a prediction sees everything before it in its row;
    /// with `reset` each window sees only its own earlier tokens; with `document` each prediction
    /// sees its document's earlier tokens (its piece's, for a document longer than the window).
    func evaluate(_ batches: Batches) throws -> [String: Double] {
        var total = 0.0, count = 0
        var unused = SeededGenerator(seed: 0)
        var state: LanguageModel.State? = nil
        for batch in batches {
            guard let targets = batch.nextTokens else { throw JobRunError.data("a language-model batch has no next-token targets") }
            let initial = hiddenState == .carry ? Self.state(state, rows: batch.size) : nil
            let result = try model.step(ids: batch.source.ids.ints, targets: targets, batch: batch.size, steps: batch.source.columns,
                                        lengths: lengths(batch), state: initial, training: false, generator: &unused)
            state = result.state
            if result.count > 0 { total += Double(result.loss) * Double(result.count); count += result.count }
        }
        let loss = count > 0 ? total / Double(count) : .nan
        return ["loss": loss, "perplexity": Metrics.perplexity(meanLoss: loss)]
    }
}

/// An encoder-decoder job over question/answer (source/target) pairs.
struct Seq2SeqTask: TrainingTask {
    let model: Seq2Seq
    let batching: BatchingOptions
    let teacherForcing: Float

    init(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws {
        let m = job.model
        guard let decoder = m.decoder else { throw ConfigError(.missing, at: ConfigLocation(source: job.source), path: "model.decoder", "missing; a seq2seq model needs a decoder") }
        let specials = vocabulary.specials
        guard let start = specials.cls, let end = specials.sep else {
            throw JobRunError.data("vocabulary \(vocabulary.reference) has no [CLS]/[SEP] to start and end answers")
        }
        let config = Seq2Seq.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding,
            encoder: .init(cell: m.encoder.cell, hiddenSize: m.encoder.hidden, layers: m.encoder.layers,
                           bidirectional: m.encoder.bidirectional, dropout: Float(m.encoder.dropout)),
            decoder: .init(cell: decoder.cell, hiddenSize: decoder.hidden, layers: decoder.layers, dropout: Float(decoder.dropout)),
            attention: m.attention, inputFeeding: m.inputFeeding, bridge: m.bridge,
            dropout: Float(m.dropout), paddingIndex: vocabulary.padID, startID: Int(start), endID: Int(end))
        model = try Seq2Seq(config, generator: &generator)
        batching = try JobBatching.options(job: job, vocabulary: vocabulary)
        teacherForcing = Float(m.teacherForcing)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }

    var architectureJSON: String { JobBatching.architecture(kind: "seq2seq", model.configuration) }

    /// The source embedding, and the target one when every fed token comes from the batch
    /// (with teacher forcing below 1 the decoder also reads its own predictions).
    var embeddingTables: [(name: String, parameter: Parameter)] {
        [("src_embedding.weight", model.sourceEmbedding.weight)]
            + (teacherForcing >= 1 ? [("tgt_embedding.weight", model.targetEmbedding.weight)] : [])
    }

    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> StepResult {
        guard let input = batch.decoderInput, let output = batch.decoderOutput else {
            throw JobRunError.data("a pair batch has no decoder input/output")
        }
        let lengths = batch.source.lengths.map { Swift.max(1, Int($0)) }
        let result = try model.step(source: batch.source.ids.ints, sourceLengths: lengths, decoderInput: input.ids.ints,
                                    decoderOutput: output, batch: batch.size, sourceSteps: batch.source.columns,
                                    targetSteps: input.columns, teacherForcing: teacherForcing, training: true, generator: &generator)
        let c = model.configuration
        var rows = [distinctRows(batch.source.ids, excluding: c.paddingIndex, limit: c.vocabularySize)]
        if teacherForcing >= 1 { rows.append(distinctRows(input.ids, excluding: c.paddingIndex, limit: c.vocabularySize)) }
        return StepResult(loss: Double(result.loss), count: result.count, tokens: lengths.reduce(0, +) + result.count, touchedRows: rows)
    }

    func evaluate(_ batches: Batches) throws -> [String: Double] {
        var total = 0.0, count = 0
        var hypotheses: [[Int]] = [], references: [[Int]] = []
        var unused = SeededGenerator(seed: 0)
        let end = model.configuration.endID, pad = Int32(model.configuration.paddingIndex)
        for batch in batches {
            guard let input = batch.decoderInput, let output = batch.decoderOutput else {
                throw JobRunError.data("a pair batch has no decoder input/output")
            }
            let lengths = batch.source.lengths.map { Swift.max(1, Int($0)) }
            let result = try model.step(source: batch.source.ids.ints, sourceLengths: lengths, decoderInput: input.ids.ints,
                                        decoderOutput: output, batch: batch.size, sourceSteps: batch.source.columns,
                                        targetSteps: input.columns, training: false, generator: &unused)
            if result.count > 0 { total += Double(result.loss) * Double(result.count); count += result.count }
            // BLEU of greedy answers against the references (end token excluded).
            for r in 0..<batch.size {
                let source = Array(batch.source.ids[(r * batch.source.columns)..<(r * batch.source.columns + lengths[r])]).ints
                let decoded = try model.translate(source, options: .init(beamSize: 1, maxLength: input.columns + 5))[0].tokens
                hypotheses.append(decoded.filter { $0 != end })
                let row = output[(r * input.columns)..<((r + 1) * input.columns)]
                references.append(row.filter { $0 != pad && Int($0) != end }.map(Int.init))
            }
        }
        let loss = count > 0 ? total / Double(count) : .nan
        return ["loss": loss, "perplexity": Metrics.perplexity(meanLoss: loss),
                "bleu": Metrics.bleu(hypotheses: hypotheses, references: references)]
    }
}

extension JobBatching {
    /// `{"kind": …, "configuration": …}` for `model.json`.
    static func architecture<C: Encodable>(kind: String, _ configuration: C) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let body = (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "{\"kind\": \"\(kind)\", \"configuration\": \(body)}"
    }
}
