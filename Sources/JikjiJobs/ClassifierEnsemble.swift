import Foundation
import JikjiModels

/// Several classifier runs predicting together: the mean of their class probabilities (ULMFiT's
/// forward + backward ensemble), for `jikji predict RUN RUN … --ensemble`.
///
/// The runs must read the same ids (one vocabulary, `name@version`) and predict the same classes
/// (the same class count and `data.label_map`); each reads the texts its own way (direction,
/// start/end tokens, truncation), so forward and backward runs combine.
public struct ClassifierEnsemble {
    /// The runs, in the order given.
    public let members: [TrainedRun]

    /// An ensemble of `members`.
    /// - Throws: ``JobRunError/data(_:)`` naming the first run that differs in vocabulary,
    ///   classes or label mapping, or that is not a classifier; for no runs at all.
    public init(_ members: [TrainedRun]) throws {
        guard let first = members.first else { throw JobRunError.data("an ensemble needs at least one run") }
        for run in members where run.classifier == nil {
            throw JobRunError.unsupported("run \(run.run.id) is a \(run.job.model.task.rawValue) run; an ensemble averages classifiers")
        }
        let mapping = { (run: TrainedRun) in run.job.data.labelMap.map { "\($0.0)=\($0.1)" } }
        for run in members.dropFirst() {
            guard run.vocabulary.reference == first.vocabulary.reference else {
                throw JobRunError.data("run \(run.run.id) uses vocabulary \(run.vocabulary.reference), run \(first.run.id) uses "
                                       + "\(first.vocabulary.reference); an ensemble's runs must share one vocabulary")
            }
            guard run.job.model.classes == first.job.model.classes else {
                throw JobRunError.data("run \(run.run.id) has \(run.job.model.classes) classes, run \(first.run.id) has "
                                       + "\(first.job.model.classes); an ensemble's runs must predict the same classes")
            }
            guard mapping(run) == mapping(first) else {
                throw JobRunError.data("run \(run.run.id) maps labels as [\(mapping(run).joined(separator: ", "))], run \(first.run.id) as "
                                       + "[\(mapping(first).joined(separator: ", "))]; an ensemble's runs must share one label mapping")
            }
        }
        self.members = members
    }

    /// The scores of `texts`, in input order: every class's probability averaged over the runs,
    /// the label its first maximum (class 1 from 0.5 up with two classes, as one-logit heads
    /// decide). `logits` are empty (the runs' logits are not averaged); `ids` are the first run's.
    public func scores(_ texts: [String]) throws -> [TrainedRun.ClassScores] {
        var combined: [TrainedRun.ClassScores] = []
        for (m, run) in members.enumerated() {
            let scores = try run.scores(texts)
            if m == 0 {
                combined = scores.map { TrainedRun.ClassScores(label: 0, probabilities: $0.probabilities, logits: [], ids: $0.ids) }
                continue
            }
            for i in scores.indices {
                for c in combined[i].probabilities.indices { combined[i].probabilities[c] += scores[i].probabilities[c] }
            }
        }
        let count = Double(members.count)
        for i in combined.indices {
            combined[i].probabilities = combined[i].probabilities.map { $0 / count }
            combined[i].label = Self.label(of: combined[i].probabilities)
        }
        return combined
    }

    /// The class of averaged `probabilities`: with two, class 1 from 0.5 up; else the first maximum.
    static func label(of probabilities: [Double]) -> Int {
        if probabilities.count == 2 { return probabilities[1] >= 0.5 ? 1 : 0 }
        var best = 0
        for c in probabilities.indices.dropFirst() where probabilities[c] > probabilities[best] { best = c }
        return best
    }

    /// The counts of `scores` against raw labels, mapped as the runs map them.
    public func classificationCounts(of scores: [TrainedRun.ClassScores], labels: [String]) throws -> Metrics.ClassificationCounts {
        try members[0].classificationCounts(of: scores, labels: labels)
    }

    /// The label column the runs' job reads (the first run's).
    public var labelColumn: String? { members[0].job.data.labelColumn }
}
