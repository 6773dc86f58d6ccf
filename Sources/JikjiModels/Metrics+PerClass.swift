/// Per-class scores of a classification evaluation (issue 18): what `jikji predict` prints for
/// labelled input and what the classifier's evaluation records beside accuracy and F1.
extension Metrics.ClassificationCounts {
    /// Examples of class `c` predicted as `c`, over all predicted as `c` (0 when none was).
    public func precision(of c: Int) -> Double {
        let predicted = (0..<classes).reduce(0) { $0 + confusion[$1 * classes + c] }
        return predicted == 0 ? 0 : Double(confusion[c * classes + c]) / Double(predicted)
    }

    /// Examples of class `c` predicted as `c`, over all of class `c` (0 when there are none).
    public func recall(of c: Int) -> Double {
        let actual = (0..<classes).reduce(0) { $0 + confusion[c * classes + $1] }
        return actual == 0 ? 0 : Double(confusion[c * classes + c]) / Double(actual)
    }

    /// The unweighted mean of every class's F1 (for two classes too, unlike ``f1``).
    public var macroF1: Double {
        classes == 0 ? 0 : (0..<classes).reduce(0) { $0 + f1(of: $1) } / Double(classes)
    }

    /// Examples of class `truth` predicted as `predicted`.
    public func count(truth: Int, predicted: Int) -> Int { confusion[truth * classes + predicted] }

    /// The per-class scores and the confusion matrix as metric values: `precision.<c>`,
    /// `recall.<c>`, `f1.<c>`, `macro_f1` and `confusion.<truth>.<predicted>` (a count).
    public var perClassMetrics: [String: Double] {
        var metrics: [String: Double] = ["macro_f1": macroF1]
        for c in 0..<classes {
            metrics["precision.\(c)"] = precision(of: c)
            metrics["recall.\(c)"] = recall(of: c)
            metrics["f1.\(c)"] = f1(of: c)
            for p in 0..<classes { metrics["confusion.\(c).\(p)"] = Double(count(truth: c, predicted: p)) }
        }
        return metrics
    }
}
