import JikjiData
import JikjiModels
import JikjiRecurrent

/// Trains a ``SequenceClassifier`` on labelled batches; evaluates loss, accuracy and F1.
public struct ClassifierTraining: TrainingTask {
    /// The model being trained.
    public let model: SequenceClassifier

    /// Training of `model`.
    public init(model: SequenceClassifier) {
        self.model = model
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }
    public var architectureJSON: String { JikjiTraining.architectureJSON(kind: "classifier", model.configuration) }
    public var embeddingTables: [(name: String, parameter: Parameter)] { model.embeddingTables }
    public var parameterGroups: [ParameterGroup] { model.parameterGroups }

    public mutating func trainStep(_ batch: Batch, generator: inout SeededGenerator) throws -> TrainingStep {
        var pass = try model.forward(batch, training: true, generator: &generator)
        let loss = try model.loss(&pass, batch: batch)
        let rows = try model.backward(pass)
        return TrainingStep(loss: Double(loss.value), count: loss.count, tokens: batch.source.stepLengths.reduce(0, +),
                            touchedRows: rows)
    }

    /// Mean loss over examples, accuracy and F1 (binary: of class 1; else macro), and every
    /// class's precision, recall and F1, the macro F1 and the confusion matrix
    /// (``Metrics/ClassificationCounts/perClassMetrics``).
    public func evaluate(_ batches: Batches) throws -> [String: Double] {
        var counts = Metrics.ClassificationCounts(classes: model.configuration.classes)
        var lossSum = 0.0, examples = 0
        var unused = SeededGenerator(seed: 0)
        for batch in batches {
            guard let labels = batch.labels else { throw ModelError.input("a classification batch has no labels") }
            var pass = try model.forward(batch, training: false, generator: &unused)
            let loss = try model.loss(&pass, batch: batch)
            lossSum += Double(loss.value) * Double(batch.size)
            examples += batch.size
            for (r, predicted) in SequenceClassifier.predictedClasses(pass.logits, rows: batch.size).enumerated() {
                counts.add(truth: Int(labels[r]), predicted: predicted)
            }
        }
        var metrics = counts.perClassMetrics
        metrics["loss"] = examples > 0 ? lossSum / Double(examples) : .nan
        metrics["accuracy"] = counts.accuracy
        metrics["f1"] = counts.f1
        return metrics
    }
}
