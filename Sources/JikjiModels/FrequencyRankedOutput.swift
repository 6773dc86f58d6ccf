import JikjiRecurrent

/// A language model's adaptive softmax output over a vocabulary whose ids are not in frequency order.
///
/// An adaptive softmax's cutoffs count classes by frequency rank (the shortlist is the most
/// frequent words), while a WordPiece vocabulary numbers its tokens by when they were made. This
/// layer keeps the permutation, `frequency_order` (rank r → token id), as a buffer beside the
/// ``AdaptiveLogSoftmax`` weights: targets are mapped to ranks before the layer, log-probabilities
/// back to ids after it. The buffer is float32 (ids below 2^24 are exact) so it is saved in
/// `model.safetensors` with the weights, as a registered buffer is in a PyTorch state_dict; it is
/// never trained (``Parameter/requiresGradient`` is false).
public struct FrequencyRankedOutput {
    /// The adaptive softmax over ranks (`fc.head.weight`, `fc.tail.*`).
    public let layer: AdaptiveLogSoftmax
    /// `[V]`: the token id of each frequency rank, most frequent first (`frequency_order`).
    public let frequencyOrder: Parameter

    /// A layer over `vocabularySize` ids whose rank order is `order` (a permutation of `0..<V`).
    public init(layer: AdaptiveLogSoftmax, order: [Int]) throws {
        self.layer = layer
        frequencyOrder = Parameter(Tensor(shape: [order.count], values: order.map(Float.init)), requiresGradient: false)
        _ = try ranks()
    }

    /// The ids of `0..<vocabularySize` from the most to the least frequent by `counts` (occurrences
    /// per id; missing ids count 0), ties in id order: a deterministic order for any counts.
    public static func frequencyOrder(counts: [Int], vocabularySize: Int) -> [Int] {
        let count = { (id: Int) in id < counts.count ? counts[id] : 0 }
        return (0..<vocabularySize).sorted { count($0) != count($1) ? count($0) > count($1) : $0 < $1 }
    }

    /// `rank[id]`, checked: the buffer (possibly read from a checkpoint) must be a permutation of `0..<V`.
    func ranks() throws -> [Int32] {
        let V = layer.classCount
        guard frequencyOrder.value.count == V else {
            throw ModelError.configuration("frequency_order holds \(frequencyOrder.value.count) ids for a vocabulary of \(V)")
        }
        var rank = [Int32](repeating: -1, count: V)
        for (r, value) in frequencyOrder.value.storage.enumerated() {
            let id = Int(exactly: value) ?? -1
            guard id >= 0, id < V, rank[id] < 0 else {
                throw ModelError.configuration("frequency_order is not a permutation of the vocabulary's ids (rank \(r) holds \(value))")
            }
            rank[id] = Int32(r)
        }
        return rank
    }

    /// Mean cross-entropy of `hidden` `[N, H]` against token ids `targets` (`ignoreIndex` rows
    /// count neither in the loss nor the mean), as ``VocabularyOutput/crossEntropy(hidden:targets:ignoreIndex:accumulateGradients:gradientScale:)``.
    public func crossEntropy(hidden: Tensor, targets: [Int32], ignoreIndex: Int32 = -100, accumulateGradients: Bool)
        throws -> (loss: Float, count: Int, hiddenGradient: Tensor?)
    {
        let H = layer.inputSize, V = layer.classCount
        guard hidden.count == targets.count * H else {
            throw ModelError.input("output layer: hidden \(hidden.shape) for \(targets.count) targets of width \(H)")
        }
        if let bad = targets.firstIndex(where: { $0 != ignoreIndex && ($0 < 0 || Int($0) >= V) }) {
            throw ModelError.input("target \(targets[bad]) at position \(bad) is outside the vocabulary of \(V)")
        }
        let rank = try ranks()
        let counted = targets.indices.filter { targets[$0] != ignoreIndex }
        guard !counted.isEmpty else { return (.nan, 0, accumulateGradients ? Tensor(shape: [targets.count, H]) : nil) }
        var input = hidden
        if counted.count < targets.count {
            input = Tensor(shape: [counted.count, H])
            LanguageModel.copyRows(counted.count, width: H, from: hidden, to: &input) { (counted[$0], $0) }
        }
        let (loss, dInput) = try layer.loss(input: input, targets: counted.map { rank[Int(targets[$0])] },
                                            accumulateGradients: accumulateGradients)
        guard var dHidden = dInput else { return (loss, counted.count, nil) }
        if counted.count < targets.count {
            let compact = dHidden
            dHidden = Tensor(shape: [targets.count, H])
            LanguageModel.copyRows(counted.count, width: H, from: compact, to: &dHidden) { ($0, counted[$0]) }
        }
        return (loss, counted.count, dHidden)
    }

    /// `log p(id | hidden)` for every token id, `[N, V]` in id order (generation, whole-vocabulary evaluation).
    public func logProbabilities(hidden: Tensor) throws -> Tensor {
        let byRank = try layer.logProbabilities(hidden)
        let rank = try ranks()
        let V = layer.classCount, N = byRank.count / V
        var out = Tensor(shape: [N, V])
        byRank.storage.withUnsafeBufferPointer { source in
            out.storage.withUnsafeMutableBufferPointer { target in
                for n in 0..<N {
                    for id in 0..<V { target[n * V + id] = source[n * V + Int(rank[id])] }
                }
            }
        }
        return out
    }
}
