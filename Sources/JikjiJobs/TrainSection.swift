import JikjiConfig

/// `train:` — length, evaluation, early stopping and checkpoints.
public struct TrainSection: Sendable {
    public var epochs: Int
    /// Stop after this many steps (nil = run all epochs).
    public var maxSteps: Int?
    /// Evaluate on the validation set every N steps (0 = at the end of each epoch).
    public var evalEvery: Int
    /// Record the training loss, learning rate and gradient norm every N steps (0 = only at evaluations).
    public var logEvery: Int
    /// The metric that picks the best checkpoint and drives early stopping.
    public var metric: Metric
    /// Stop after this many evaluations without improvement (0 = never).
    public var patience: Int
    /// Checkpoint every N steps (0 = at each evaluation).
    public var checkpointEvery: Int
    public var keepLast: Int
    public var keepBest: Bool
    /// Language models only (nil otherwise): what each training window starts from, and so how the
    /// text is cut into batches.
    public var hiddenState: HiddenState?
    /// Gradual unfreezing (ULMFiT): 1-based epochs, strictly ascending, at whose start the next
    /// parameter group down is unfrozen; only the top group trains before the first (empty: no
    /// freezing). The trainer checks the list against the model's groups.
    public var unfreeze: [Int]

    /// `train.metric`: what evaluations report, by the name they report it under.
    public enum Metric: String, Sendable, CaseIterable {
        /// Classifier: the fraction of correct labels.
        case accuracy
        /// Classifier: F1 of the positive class (binary) or macro F1.
        case f1
        /// The mean loss over the evaluated split.
        case loss
        /// Language model and seq2seq: exp of the mean token cross-entropy.
        case perplexity
        /// Seq2seq: corpus BLEU of greedy answers.
        case bleu
    }

    /// `train.hidden_state` of a language model.
    public enum HiddenState: String, Sendable, CaseIterable {
        /// Truncated BPTT: the stream is laid out as `batch_size` contiguous rows (row r of a batch
        /// continues row r of the previous batch) and each window starts from the previous window's
        /// final state, detached (gradients stop at the window boundary); zeros at each epoch start.
        /// Evaluation does the same over the evaluated split, from zeros.
        case carry
        /// Every window starts from zeros; windows are cut from the stream of documents (across
        /// document boundaries) and batched in shuffled order.
        case reset
        /// Every document starts from zeros: each review is a row of its own, `[CLS]` + its tokens
        /// in, its tokens + `[SEP]` out (a longer document is cut into pieces of `window` targets,
        /// each from zeros), padded and bucketed like sentences. What `jikji generate` does from a
        /// prompt, so the model to generate or score single documents with.
        case document
    }

    init(_ r: ConfigReader, task: JobConfig.Task) throws {
        epochs = try r.int("epochs", default: 3, range: 1...100_000)
        maxSteps = try r.optionalInt("max_steps", range: 1...Int.max)
        evalEvery = try r.int("eval_every", default: 0, range: 0...Int.max)
        logEvery = try r.int("log_every", default: 50, range: 0...Int.max)
        let metrics: [Metric]
        switch task {
        case .classifier: metrics = [.accuracy, .f1, .loss]
        case .languageModel: metrics = [.perplexity, .loss]
        case .seq2seq: metrics = [.perplexity, .bleu, .loss]
        }
        metric = try r.choice("metric", default: metrics[0], allowed: metrics)
        patience = try r.int("patience", default: 0, range: 0...100_000)
        checkpointEvery = try r.int("checkpoint_every", default: 0, range: 0...Int.max)
        keepLast = try r.int("keep_last", default: 2, range: 1...1000)
        keepBest = try r.bool("keep_best", default: true)
        var unfreeze: [Int] = []
        for text in try r.stringList("unfreeze", default: []) {
            guard let value = Int(text), value >= 1 else {
                throw r.error("unfreeze", "'\(text)' is not an epoch number (1-based)", kind: .wrongType)
            }
            unfreeze.append(value)
        }
        guard zip(unfreeze, unfreeze.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw r.error("unfreeze", "\(unfreeze) must be strictly ascending epochs")
        }
        if let last = unfreeze.last, last > epochs {
            throw r.error("unfreeze", "epoch \(last) is past the run's \(epochs) epochs")
        }
        self.unfreeze = unfreeze
        if task == .languageModel {
            hiddenState = try r.choice("hidden_state", default: HiddenState.carry)
        } else {
            if r.has("hidden_state") {
                throw r.error("hidden_state", "hidden_state applies only to model.kind language_model (carry, reset or document)")
            }
            hiddenState = nil
        }
    }
}
