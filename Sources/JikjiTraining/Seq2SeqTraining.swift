import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiWordPiece

/// Trains a ``Seq2Seq`` on pair batches; evaluates loss, perplexity and the BLEU of greedy answers.
public struct Seq2SeqTraining: TrainingTask {
    /// The model being trained (its ``Seq2Seq/teacherForcing`` applies to training steps).
    public let model: Seq2Seq

    /// Training of `model`.
    public init(model: Seq2Seq) {
        self.model = model
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }
    public var architectureJSON: String { JikjiTraining.architectureJSON(kind: "seq2seq", model.configuration) }
    public var embeddingTables: [(name: String, parameter: Parameter)] { model.embeddingTables }
    public var parameterGroups: [ParameterGroup] { model.parameterGroups }

    public mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> TrainingStep {
        var pass = try model.forward(batch, training: true, generator: &generator)
        let loss = try model.loss(&pass, batch: batch)
        let rows = try model.backward(pass)
        return TrainingStep(loss: Double(loss.value), count: loss.count,
                            tokens: batch.source.stepLengths.reduce(0, +) + loss.count, touchedRows: rows)
    }

    /// Loss and perplexity of the decoder outputs, and corpus BLEU-4 of greedy answers against
    /// the references (end token excluded).
    public func evaluate(_ batches: Batches) throws -> [String: Double] {
        var total = 0.0, count = 0
        var hypotheses: [[TokenID]] = [], references: [[TokenID]] = []
        var unused = SeededGenerator(seed: 0)
        let end = model.configuration.endID, pad = TokenID(model.configuration.paddingIndex)
        for batch in batches {
            guard let input = batch.decoderInput, let output = batch.decoderOutput else {
                throw ModelError.input("a pair batch has no decoder input/output")
            }
            var pass = try model.forward(batch, training: false, generator: &unused)
            let loss = try model.loss(&pass, batch: batch)
            if loss.count > 0 { total += Double(loss.value) * Double(loss.count); count += loss.count }
            let lengths = batch.source.stepLengths
            for r in 0..<batch.size {
                let source = Array(batch.source.ids[(r * batch.source.columns)..<(r * batch.source.columns + lengths[r])])
                let decoded = try model.translate(source, options: .init(beamSize: 1, maxLength: input.columns + 5))[0].tokens
                hypotheses.append(decoded.filter { $0 != end })
                let row = output[(r * input.columns)..<((r + 1) * input.columns)]
                references.append(row.filter { $0 != pad && $0 != end })
            }
        }
        let loss = count > 0 ? total / Double(count) : .nan
        return ["loss": loss, "perplexity": Metrics.perplexity(meanLoss: loss),
                "bleu": Metrics.bleu(hypotheses: hypotheses, references: references)]
    }
}
