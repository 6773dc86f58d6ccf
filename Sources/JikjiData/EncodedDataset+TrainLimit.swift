import JikjiWordPiece

extension EncodedDataset {
    /// The dataset with only the first `limit` examples of its train split, in stored order (the
    /// valid and test examples all kept, in their order): a learning curve's smaller training set.
    /// The split of a ratio-split dataset was drawn with its seed, so the subset is the same for
    /// the same dataset and limit. Counts in ``info`` (examples, labels, source and target tokens)
    /// describe the subset. A limit at or above the train split's size returns the dataset as it is.
    public func keepingFirstTrainExamples(_ limit: Int) -> EncodedDataset {
        let trainCount = splits.reduce(0) { $0 + ($1 == Split.train.rawValue ? 1 : 0) }
        guard limit < trainCount else { return self }
        var keep: [Int] = []
        keep.reserveCapacity(count - trainCount + max(0, limit))
        var seen = 0
        for i in 0..<count {
            if splits[i] == Split.train.rawValue {
                guard seen < limit else { continue }
                seen += 1
            }
            keep.append(i)
        }
        func subset(_ sequences: TokenSequences) -> TokenSequences {
            var ids: [TokenID] = []
            var offsets: [UInt32] = [0]
            offsets.reserveCapacity(keep.count + 1)
            for i in keep {
                ids.append(contentsOf: sequences.ids[Int(sequences.offsets[i])..<Int(sequences.offsets[i + 1])])
                offsets.append(UInt32(ids.count))
            }
            return TokenSequences(ids: ids, offsets: offsets)
        }
        var copy = self
        copy.source = subset(source)
        copy.target = target.map(subset)
        copy.labels = labels.map { all in keep.map { all[$0] } }
        copy.splits = keep.map { splits[$0] }
        let tallies = DatasetInfo.tallies(splits: copy.splits, labels: copy.labels)
        copy.info.examples = tallies.examples
        copy.info.labelCounts = tallies.labelCounts
        copy.info.sourceTokens = copy.source.tokenCount
        copy.info.targetTokens = copy.target?.tokenCount ?? 0
        return copy
    }
}
