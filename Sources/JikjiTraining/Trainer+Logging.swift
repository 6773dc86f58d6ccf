import Foundation

/// The tokens and step time since the last logged step, for its tokens per second.
struct TrainingLogWindow {
    var tokens = 0
    var seconds = 0.0

    mutating func add(tokens: Int, seconds: Double) {
        self.tokens += tokens
        self.seconds += seconds
    }
}

/// Logging every ``TrainerConfiguration/logEvery`` steps, and streaming metrics to the sinks.
extension Trainer {
    /// Whether the step that ends with `step` steps done logs.
    func isLoggedStep(_ step: Int) -> Bool {
        configuration.logEvery > 0 && step % configuration.logEvery == 0
    }

    /// Records `train.loss` (when `loss`; the mean since it was last recorded), `train.learning_rate`
    /// (of the step just done; the top parameter group's under `layer_lr_decay`) and
    /// `train.grad_norm`, and streams `train.tokens_per_second` of `window` to the sinks only (a
    /// clock reading no resumed run reproduces).
    func logTraining(window: TrainingLogWindow, loss: Bool) throws {
        var values: [String: Double] = ["train.learning_rate": Double(schedule.rate(atStep: step - 1))]
        if loss, runningCount > 0 {
            values["train.loss"] = runningLoss / Double(runningCount)
            runningLoss = 0; runningCount = 0
        }
        if let norm = lastGradientNorm { values["train.grad_norm"] = Double(norm) }
        try record(values)
        if window.seconds > 0 {
            try stream([TrainingMetric(step: step, epoch: epoch, split: "train", name: "tokens_per_second",
                                       value: Double(window.tokens) / window.seconds)])
        }
    }

    /// Hands `metrics` to every sink.
    func stream(_ metrics: [TrainingMetric]) throws {
        guard !metrics.isEmpty else { return }
        let now = Date()
        for sink in options.metricSinks { try sink.receive(metrics, wallTime: now) }
    }
}
