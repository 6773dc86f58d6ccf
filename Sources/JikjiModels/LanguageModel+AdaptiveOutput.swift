extension LanguageModel {
    /// The settings of an adaptive softmax output (`model.output: {kind: adaptive, …}`), as
    /// PyTorch's `nn.AdaptiveLogSoftmaxWithLoss(hidden, vocabulary, cutoffs, div_value, head_bias)`.
    /// Cutoffs count frequency ranks, not ids: the model's ``FrequencyRankedOutput`` maps between them.
    public struct AdaptiveOutput: Codable, Equatable, Sendable {
        /// Increasing ranks in `1..<V`: the head scores ranks below `cutoffs[0]`, cluster i ranks
        /// `cutoffs[i]..<cutoffs[i+1]` (the last up to V).
        public var cutoffs: [Int]
        /// Cluster i projects to `hidden / divValue^(i+1)` dimensions.
        public var divValue: Float
        /// Whether the head has a bias (PyTorch's default: no).
        public var headBias: Bool

        /// Settings; see the properties.
        public init(cutoffs: [Int], divValue: Float = 4, headBias: Bool = false) {
            self.cutoffs = cutoffs; self.divValue = divValue; self.headBias = headBias
        }
    }
}
