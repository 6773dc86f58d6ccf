extension TokenSequences {
    /// The same sequences, each read from its last id to its first (offsets unchanged).
    public func reversingEachSequence() -> TokenSequences {
        var reversed = ids
        for i in 0..<count {
            let start = Int(offsets[i]), end = Int(offsets[i + 1])
            reversed[start..<end].reverse()
        }
        return TokenSequences(ids: reversed, offsets: offsets)
    }
}

extension EncodedDataset {
    /// The dataset with every example's source ids reversed (targets and labels as they are): what
    /// a backward language model reads, each document from its end to its start. Batching then
    /// adds its separators and start tokens around the reversed documents as around forward ones.
    public func reversingDocuments() -> EncodedDataset {
        var copy = self
        copy.source = source.reversingEachSequence()
        return copy
    }
}
