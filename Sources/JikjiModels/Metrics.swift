import Foundation
import JikjiWordPiece

/// Evaluation metrics reported by training runs.
public enum Metrics {
    /// Counts of a classification evaluation, accumulated batch by batch.
    public struct ClassificationCounts: Sendable, Equatable {
        /// `confusion[truth * classes + predicted]`.
        public private(set) var confusion: [Int]
        public let classes: Int

        /// Empty counts over `classes` classes.
        public init(classes: Int) {
            self.classes = classes
            confusion = [Int](repeating: 0, count: classes * classes)
        }

        /// Adds one prediction.
        public mutating func add(truth: Int, predicted: Int) {
            confusion[truth * classes + predicted] += 1
        }

        /// Number of examples counted.
        public var total: Int { confusion.reduce(0, +) }

        /// Fraction predicted correctly (0 when empty).
        public var accuracy: Double {
            let correct = (0..<classes).reduce(0) { $0 + confusion[$1 * classes + $1] }
            return total == 0 ? 0 : Double(correct) / Double(total)
        }

        /// F1 of one class: harmonic mean of its precision and recall (0 when undefined).
        public func f1(of c: Int) -> Double {
            let tp = Double(confusion[c * classes + c])
            let predicted = Double((0..<classes).reduce(0) { $0 + confusion[$1 * classes + c] })
            let actual = Double((0..<classes).reduce(0) { $0 + confusion[c * classes + $1] })
            guard predicted > 0, actual > 0, tp > 0 else { return 0 }
            let precision = tp / predicted, recall = tp / actual
            return 2 * precision * recall / (precision + recall)
        }

        /// Binary: F1 of class 1 (the positive class). More classes: the macro average.
        public var f1: Double {
            if classes == 2 { return f1(of: 1) }
            return (0..<classes).reduce(0) { $0 + f1(of: $1) } / Double(classes)
        }
    }

    /// `exp(mean negative log-likelihood per token)`, capped to stay finite in reports.
    public static func perplexity(meanLoss: Double) -> Double {
        exp(min(meanLoss, 50))
    }

    /// Corpus BLEU-4 (Papineni et al.): geometric mean of clipped 1- to 4-gram precisions over
    /// all sentences, times the brevity penalty; one reference per hypothesis; tokens are ids.
    /// Returns a value in [0, 1] (0 when any n-gram order has no match, as in the original).
    public static func bleu(hypotheses: [[TokenID]], references: [[TokenID]], maxOrder: Int = 4) -> Double {
        precondition(hypotheses.count == references.count, "BLEU: one reference per hypothesis")
        var matches = [Int](repeating: 0, count: maxOrder), totals = [Int](repeating: 0, count: maxOrder)
        var hypothesisLength = 0, referenceLength = 0
        struct Gram: Hashable { let tokens: ArraySlice<TokenID> }
        for (hyp, ref) in zip(hypotheses, references) {
            hypothesisLength += hyp.count
            referenceLength += ref.count
            for n in 1...maxOrder {
                guard hyp.count >= n else { continue }
                var referenceCounts: [Gram: Int] = [:]
                if ref.count >= n {
                    for i in 0...(ref.count - n) { referenceCounts[Gram(tokens: ref[i..<(i + n)]), default: 0] += 1 }
                }
                var hypothesisCounts: [Gram: Int] = [:]
                for i in 0...(hyp.count - n) { hypothesisCounts[Gram(tokens: hyp[i..<(i + n)]), default: 0] += 1 }
                for (gram, count) in hypothesisCounts { matches[n - 1] += min(count, referenceCounts[gram] ?? 0) }
                totals[n - 1] += hyp.count - n + 1
            }
        }
        guard hypothesisLength > 0 else { return 0 }
        var logSum = 0.0
        for n in 0..<maxOrder {
            guard matches[n] > 0, totals[n] > 0 else { return 0 }
            logSum += log(Double(matches[n]) / Double(totals[n]))
        }
        let brevity = hypothesisLength >= referenceLength ? 1 : exp(1 - Double(referenceLength) / Double(hypothesisLength))
        return brevity * exp(logSum / Double(maxOrder))
    }
}
