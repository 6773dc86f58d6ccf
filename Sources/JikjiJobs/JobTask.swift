import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining

/// The model of a job's `model` section, freshly initialised from `generator`, wrapped in the
/// ``TrainingTask`` that trains it.
func makeTask(job: JobConfig, vocabulary: JobVocabulary, generator: inout SeededGenerator) throws -> any TrainingTask {
    let m = job.model
    switch m.task {
    case .classifier:
        let config = SequenceClassifier.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, bidirectional: m.encoder.bidirectional,
            layerDropout: Float(m.encoder.dropout), dropout: Float(m.dropout),
            pooling: m.pooling, classes: m.classes, loss: m.loss, paddingIndex: vocabulary.padID)
        return ClassifierTraining(model: try SequenceClassifier(config, generator: &generator))
    case .languageModel:
        let config = LanguageModel.Configuration(
            vocabularySize: vocabulary.size, embeddingSize: m.embedding, cell: m.encoder.cell,
            hiddenSize: m.encoder.hidden, layers: m.encoder.layers, layerDropout: Float(m.encoder.dropout),
            dropout: Float(m.dropout), tieWeights: m.tieWeights, paddingIndex: vocabulary.padID,
            initRange: Float(m.initRange))
        return LanguageModelTraining(model: try LanguageModel(config, generator: &generator),
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
