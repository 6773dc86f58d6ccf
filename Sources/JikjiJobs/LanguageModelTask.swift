import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent

/// A language-model job: windows of the joined document stream, next-token targets.
struct LanguageModelTask: TrainingTask {
    let model: LanguageModel
    let batching: BatchingOptions

    init(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws {
        let m = job.model
        let config = LanguageModel.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, layerDropout: Float(m.encoder.dropout),
            dropout: Float(m.dropout), tieWeights: m.tieWeights, paddingIndex: vocabulary.padID)
        model = try LanguageModel(config, generator: &generator)
        batching = try JobBatching.options(job: job, vocabulary: vocabulary)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }

    var architectureJSON: String { JobBatching.architecture(kind: "language_model", model.configuration) }

    /// The embedding, unless it is tied to the (dense) output layer.
    var embeddingTables: [(name: String, parameter: Parameter)] {
        model.configuration.tieWeights ? [] : [("embedding.weight", model.embedding.weight)]
    }

    mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> StepResult {
        guard let targets = batch.nextTokens else { throw JobRunError.data("a language-model batch has no next-token targets") }
        let result = try model.step(ids: batch.source.ids.ints, targets: targets, batch: batch.size, steps: batch.source.columns,
                                    training: true, generator: &generator)
        let rows = model.configuration.tieWeights ? [] : [distinctRows(batch.source.ids, excluding: model.configuration.paddingIndex ?? -1,
                                                                      limit: model.configuration.vocabularySize)]
        return StepResult(loss: Double(result.loss), count: result.count, tokens: result.count, touchedRows: rows)
    }

    func evaluate(_ batches: Batches) throws -> [String: Double] {
        var total = 0.0, count = 0
        var unused = SeededGenerator(seed: 0)
        for batch in batches {
            guard let targets = batch.nextTokens else { throw JobRunError.data("a language-model batch has no next-token targets") }
            let result = try model.step(ids: batch.source.ids.ints, targets: targets, batch: batch.size, steps: batch.source.columns,
                                        training: false, generator: &unused)
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
        guard let decoder = m.decoder else { throw JobConfigError.missing(path: "model.decoder", what: "a seq2seq model needs a decoder") }
        let specials = vocabulary.specials
        guard let start = specials.cls, let end = specials.sep else {
            throw JobRunError.data("vocabulary \(vocabulary.reference) has no [CLS]/[SEP] to start and end answers")
        }
        let config = Seq2Seq.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding,
            encoder: .init(cell: m.encoder.cell, hiddenSize: m.encoder.hidden, layers: m.encoder.layers,
                           bidirectional: m.encoder.bidirectional, dropout: Float(m.encoder.dropout)),
            decoder: .init(cell: decoder.cell, hiddenSize: decoder.hidden, layers: decoder.layers, dropout: Float(decoder.dropout)),
            attention: m.attention, inputFeeding: m.inputFeeding, bridge: Seq2Seq.Bridge(rawValue: m.bridge) ?? .project,
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
