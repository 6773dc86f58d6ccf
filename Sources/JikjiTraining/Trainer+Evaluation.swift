import Foundation
import JikjiData

/// Evaluation during training, early stopping, and the test of the best weights.
extension Trainer {
    /// Metrics of the model's current weights over `set` (no gradients).
    public func evaluate(_ set: EvaluationSet) throws -> [String: Double] {
        optimizer.catchUpLazyRows()   // the weights read below must be current in every row
        return try task.evaluate(data.batches(of: set))
    }

    /// Records `metrics` (keys `split.name`) at the current step and epoch.
    func record(_ metrics: [String: Double]) throws {
        let entries = metrics.sorted { $0.key < $1.key }.map { key, value -> TrainingMetric in
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            return TrainingMetric(step: step, epoch: epoch, split: parts[0], name: parts[1], value: value)
        }
        try recorder.record(entries)
        try stream(entries)
        for (k, v) in metrics { lastMetrics[k] = v }
    }

    /// Evaluates, records, checkpoints; returns true when early stopping says to stop.
    func evaluateAndCheckpoint() throws -> Bool {
        optimizer.catchUpLazyRows()   // the weights and state read below must be current in every row
        lastEvaluationStep = step
        if let distribution = options.distribution {
            // Rank 0 evaluates and decides; the others (same weights) checkpoint with it and follow.
            guard distribution.isPrimary else {
                try checkpoint(metric: nil, isBest: false)
                return try distribution.agree(false)
            }
            return try distribution.agree(try evaluateAndCheckpointHere())
        }
        return try evaluateAndCheckpointHere()
    }

    /// ``evaluateAndCheckpoint()`` in this process.
    private func evaluateAndCheckpointHere() throws -> Bool {
        guard let selection = data.selection else {
            try checkpoint(metric: nil, isBest: true)
            return false
        }
        let metrics = try task.evaluate(data.batches(of: selection))
        try record(Dictionary(uniqueKeysWithValues: metrics.map { ("\(selection.name).\($0.key)", $0.value) }))
        // The log line names the headline metrics; per-class scores (`f1.0`, `confusion.1.0`) go to the recorder only.
        options.log("step \(step) (epoch \(epoch)): " + metrics.filter { !$0.key.contains(".") }.sorted { $0.key < $1.key }
            .map { String(format: "%@ %@ %.4f", selection.name, $0.key, $0.value) }.joined(separator: ", "))
        let metricName = configuration.metric
        let value = metrics[metricName] ?? .nan
        let improved = bestMetric.map { configuration.lowerIsBetter ? value < $0 : value > $0 } ?? true
        if improved {
            bestMetric = value
            evaluationsWithoutImprovement = 0
        } else {
            evaluationsWithoutImprovement += 1
        }
        try checkpoint(metric: value, isBest: improved)
        if configuration.patience > 0, evaluationsWithoutImprovement >= configuration.patience {
            options.log("early stopping: \(metricName) did not improve for \(evaluationsWithoutImprovement) evaluations")
            return true
        }
        return false
    }

    /// Evaluates the best checkpoint's weights on the test set.
    func testBest() throws {
        optimizer.catchUpLazyRows()   // the weights and state read below must be current in every row
        guard let test = data.test, options.distribution?.isPrimary ?? true else { return }
        if let best = try recorder.checkpoints().last(where: { $0.isBest }) {
            try loadModel(from: best.path)
            options.log("testing the best checkpoint (step \(best.step))")
        }
        let metrics = try task.evaluate(data.batches(of: test))
        try record(Dictionary(uniqueKeysWithValues: metrics.map { ("test.\($0.key)", $0.value) }))
        options.log("test: " + metrics.filter { !$0.key.contains(".") }.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", "))
    }
}
