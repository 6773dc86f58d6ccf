import JikjiData

/// A split of a dataset that a ``Trainer`` evaluates, under the name its metrics are recorded with.
public struct EvaluationSet: Sendable {
    /// `valid` or `test`: metrics are recorded as `name.metric`.
    public var name: String
    public var dataset: EncodedDataset
    public var split: Split

    /// Split `split` of `dataset`, recorded as `name`.
    public init(name: String, dataset: EncodedDataset, split: Split) {
        self.name = name
        self.dataset = dataset
        self.split = split
    }
}

/// What a ``Trainer`` trains and evaluates on, and how batches are made.
public struct TrainingData: Sendable {
    /// The dataset whose train split is trained on.
    public var train: EncodedDataset
    /// How training batches are cut; evaluation uses the same layout unshuffled (``evaluationBatching``).
    public var batching: BatchingOptions
    /// Evaluated during training: picks the best checkpoint and drives early stopping.
    public var selection: EvaluationSet?
    /// Evaluated once at the end, with the best checkpoint's weights.
    public var test: EvaluationSet?

    /// Training on `train`'s train split. Selection: its valid split when it has examples, else
    /// the test set. Test: `test` when given, else `train`'s test split when it has examples.
    public init(train: EncodedDataset, batching: BatchingOptions, test: EvaluationSet? = nil) {
        self.train = train
        self.batching = batching
        let test = test ?? (train.indices(of: .test).isEmpty ? nil : EvaluationSet(name: "test", dataset: train, split: .test))
        self.test = test
        selection = train.indices(of: .valid).isEmpty ? test : EvaluationSet(name: "valid", dataset: train, split: .valid)
    }

    /// Evaluation batches: the training layout without shuffling, bucketing or dropped batches.
    public var evaluationBatching: BatchingOptions {
        var o = batching
        o.shuffle = false
        o.bucketPool = 0
        o.dropLast = false
        return o
    }

    /// One pass over `set` in evaluation batches.
    public func batches(of set: EvaluationSet) throws -> Batches {
        try Batches(dataset: set.dataset, split: set.split, options: evaluationBatching, epoch: 0)
    }
}
