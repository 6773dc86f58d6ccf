import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining

/// The model of a job's `model` section, freshly initialised from `generator`, wrapped in the
/// ``TrainingTask`` that trains it. An adaptive language-model output ranks ids by `frequencyOrder`
/// (``languageModelFrequencyOrder(job:data:)``; nil: id order, for weights loaded afterwards).
func makeTask(job: JobConfig, vocabulary: JobVocabulary, frequencyOrder: [Int]? = nil,
              generator: inout SeededGenerator) throws -> any TrainingTask {
    let m = job.model
    switch m.task {
    case .classifier:
        let config = SequenceClassifier.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, bidirectional: m.encoder.bidirectional,
            layerDropout: Float(m.encoder.dropout), dropout: Float(m.dropout),
            pooling: m.pooling, classes: m.classes, loss: m.loss, paddingIndex: vocabulary.padID,
            attentionSize: m.attentionSize)
        return ClassifierTraining(model: try SequenceClassifier(config, generator: &generator))
    case .languageModel:
        let config = LanguageModel.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, layerDropout: Float(m.encoder.dropout),
            dropout: Float(m.dropout), tieWeights: m.tieWeights, paddingIndex: vocabulary.padID,
            initRange: Float(m.initRange), adaptiveOutput: m.output.adaptive, lastHiddenSize: m.lastHidden,
            regularisation: m.regularisation?.value)
        let model: LanguageModel
        do {
            model = try LanguageModel(config, frequencyOrder: frequencyOrder, generator: &generator)
        } catch let error as LayerInputError {
            throw ConfigError(.impossible, at: ConfigLocation(source: job.source), path: "model.output", "\(error) (vocabulary \(vocabulary.reference))")
        }
        return LanguageModelTraining(model: model,
                                     carriesState: (job.train.hiddenState ?? .carry) == .carry)
    case .seq2seq:
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
            dropout: Float(m.dropout), paddingIndex: vocabulary.padID, startID: start, endID: end)
        var model = try Seq2Seq(config, generator: &generator)
        model.teacherForcing = Float(m.teacherForcing)
        return Seq2SeqTraining(model: model)
    }
}

/// The ids of a language-model job's vocabulary from the most to the least frequent next-token
/// target of its training split (the dataset's token counts plus one document separator per
/// document), for an adaptive output's cutoffs; nil for a full softmax. Saved with the weights as
/// `frequency_order`, so a resumed run or `jikji generate` reads the order the run trained with.
func languageModelFrequencyOrder(job: JobConfig, data: JobData, batching: BatchingOptions) -> [Int]? {
    guard job.model.task == .languageModel, job.model.output.kind == .adaptive else { return nil }
    let counts = data.main.targetCounts(split: .train, separator: batching.documentSeparator ?? data.vocabulary.specials.sep)
    return FrequencyRankedOutput.frequencyOrder(counts: counts, vocabularySize: data.vocabulary.size)
}
