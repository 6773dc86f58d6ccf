import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiWordPiece

/// Every class's probability and the raw logits of a classifier run (`jikji predict --format jsonl`).
extension TrainedRun {
    /// What the classifier says about one text.
    public struct ClassScores: Equatable, Sendable {
        /// The predicted class (class 1 from probability 0.5 up with one logit; else the first maximum).
        public var label: Int
        /// The probability of every class, by class id (two for a one-logit binary head: 1 − p, p).
        public var probabilities: [Double]
        /// The output layer's values: one for a binary cross-entropy head, one per class otherwise.
        public var logits: [Float]
        /// The ids fed to the model, special tokens and truncation included.
        public var ids: [TokenID]
    }

    /// The scores of `texts`, in input order, from the same batches as ``classify(_:)``.
    public func scores(_ texts: [String]) throws -> [ClassScores] {
        guard let classifier = task as? ClassifierTraining else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; predict needs a classifier")
        }
        var scores = [ClassScores](repeating: ClassScores(label: 0, probabilities: [], logits: [], ids: []), count: texts.count)
        var unused = SeededGenerator(seed: 0)
        for batch in try batches(classifying: texts) {
            let pass = try classifier.model.forward(batch, training: false, generator: &unused)
            let width = batch.size == 0 ? 0 : pass.logits.count / batch.size
            let labels = SequenceClassifier.predictions(pass.logits, rows: batch.size)
            for r in 0..<batch.size {
                let logits = Array(pass.logits.storage[r * width..<(r + 1) * width])
                scores[batch.indices[r]] = ClassScores(label: labels[r].label, probabilities: Self.probabilities(logits),
                                                       logits: logits, ids: Array(batch.source.tokens(ofRow: r)))
            }
        }
        return scores
    }

    /// Sigmoid of one logit as (1 − p, p); the softmax of several (in Double, max subtracted).
    static func probabilities(_ logits: [Float]) -> [Double] {
        if logits.count == 1 {
            let p = 1 / (1 + exp(-Double(logits[0])))
            return [1 - p, p]
        }
        let row = logits.map(Double.init)
        let m = row.max() ?? 0
        let e = row.map { exp($0 - m) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// The token texts of `ids` in the run's vocabulary.
    public func tokenTexts(_ ids: [TokenID]) -> [String] {
        let tokens = vocabulary.stored.tokens
        return ids.map { Int($0) < tokens.count ? tokens[Int($0)].text : "[\($0)]" }
    }

    /// The counts of `scores` against raw labels as the job's label mapping maps them (rows the
    /// mapping drops are not counted), over the job's classes.
    public func classificationCounts(of scores: [ClassScores], labels: [String]) throws -> Metrics.ClassificationCounts {
        var counts = Metrics.ClassificationCounts(classes: job.model.classes)
        for (s, raw) in zip(scores, labels) {
            guard let truth = try classID(ofLabel: raw), truth >= 0, truth < counts.classes else { continue }
            counts.add(truth: truth, predicted: s.label)
        }
        return counts
    }
}

/// What exports read from a trained run.
extension TrainedRun {
    /// The classifier, for a classifier run.
    public var classifier: SequenceClassifier? { (task as? ClassifierTraining)?.model }

    /// The language model, for a language-model run.
    public var languageModel: LanguageModel? { (task as? LanguageModelTraining)?.model }

    /// The encoder-decoder, for a seq2seq run.
    public var seq2seq: Seq2Seq? { (task as? Seq2SeqTraining)?.model }

    /// The loaded weights by PyTorch state_dict name.
    public var stateDict: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: task.namedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// The model's architecture as the checkpoint's metadata states it (`model.json`).
    public var architectureJSON: String { task.architectureJSON }
}
