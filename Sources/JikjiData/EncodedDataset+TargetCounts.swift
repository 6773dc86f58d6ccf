import JikjiWordPiece

extension EncodedDataset {
    /// How often each id of `0..<vocabularySize` is a next-token target of a language model
    /// trained on `split`: every source token of its examples, plus one `separator` per example
    /// (the end of each document in both language-model layouts). An adaptive softmax ranks ids
    /// by these counts; ids outside the vocabulary are not counted.
    public func targetCounts(split: Split, separator: TokenID?) -> [Int] {
        let size = info.vocabularySize
        var counts = [Int](repeating: 0, count: size)
        let examples = indices(of: split)
        for i in examples {
            for id in source[i] where id >= 0 && Int(id) < size { counts[Int(id)] += 1 }
        }
        if let separator, separator >= 0, Int(separator) < size { counts[Int(separator)] += examples.count }
        return counts
    }
}
