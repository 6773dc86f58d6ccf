import JikjiWordPiece

/// In-memory id sequences that cannot form a dataset.
public enum InMemoryDatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `what` has `count` entries where one per sequence (`expected`) is needed.
    case countMismatch(what: String, count: Int, expected: Int)

    public var description: String {
        switch self {
        case let .countMismatch(what, count, expected):
            return "in-memory dataset: \(count) \(what) for \(expected) sequences; give one per sequence"
        }
    }
}

extension DatasetInfo {
    /// Provenance of a dataset made in memory rather than read from corpus files: no files, no
    /// rows read, counts taken from the data.
    public init(inMemory name: String, kind: DatasetKind, vocabularySize: Int, specialTokens: SpecialTokenIDs,
                examples: [String: Int] = [:], sourceTokens: Int = 0, targetTokens: Int = 0) {
        self.init(name: name, kind: kind, vocabulary: "\(name)@memory", vocabularySize: vocabularySize,
                  specialTokens: specialTokens, spec: DatasetSpec(kind: kind, train: []), files: [], examples: examples,
                  sourceTokens: sourceTokens, targetTokens: targetTokens, rowsRead: 0, skipped: [:], labelCounts: [:],
                  created: "", toolVersion: "", buildSeconds: 0)
    }
}

extension EncodedDataset {
    /// A dataset from id sequences held in arrays (no corpus file): texts with `labels`
    /// (classification), sources with `targets` (pairs), or documents alone (language model).
    ///
    /// ```swift
    /// let data = try EncodedDataset(sequences: [[5, 6, 7], [8, 9]], labels: [1, 0],
    ///                               specialTokens: SpecialTokenIDs(pad: 0, cls: 2, sep: 3))
    /// ```
    /// - Parameters:
    ///   - splits: the split of each sequence (nil: all in train).
    ///   - kind: nil guesses it: pairs with `targets`, classification with `labels`, else LM.
    ///   - vocabularySize: nil: one more than the largest id used (special ids included).
    /// - Throws: ``InMemoryDatasetError`` when labels, targets or splits do not give one entry per sequence.
    public init(sequences: [[TokenID]], labels: [Int32]? = nil, targets: [[TokenID]]? = nil, splits: [Split]? = nil,
                kind: DatasetKind? = nil, specialTokens: SpecialTokenIDs, vocabularySize: Int? = nil,
                name: String = "memory") throws {
        let n = sequences.count
        if let labels, labels.count != n { throw InMemoryDatasetError.countMismatch(what: "labels", count: labels.count, expected: n) }
        if let targets, targets.count != n { throw InMemoryDatasetError.countMismatch(what: "targets", count: targets.count, expected: n) }
        if let splits, splits.count != n { throw InMemoryDatasetError.countMismatch(what: "splits", count: splits.count, expected: n) }
        let kind = kind ?? (targets != nil ? .pairs : labels != nil ? .classification : .lm)
        let source = TokenSequences(sequences)
        let target = targets.map { TokenSequences($0) }
        let tags = splits.map { $0.map(\.rawValue) } ?? [UInt8](repeating: Split.train.rawValue, count: n)
        var examples: [String: Int] = [:]
        for split in Split.allCases { examples[split.description] = 0 }
        for tag in tags { examples[Split(rawValue: tag)!.description, default: 0] += 1 }
        let specials = [specialTokens.pad, specialTokens.unk, specialTokens.cls, specialTokens.sep].compactMap { $0 }
        let largest = Swift.max(source.ids.max() ?? 0, target?.ids.max() ?? 0, specials.max() ?? 0)
        let info = DatasetInfo(inMemory: name, kind: kind, vocabularySize: vocabularySize ?? Int(largest) + 1,
                               specialTokens: specialTokens, examples: examples, sourceTokens: source.tokenCount,
                               targetTokens: target?.tokenCount ?? 0)
        self.init(info: info, source: source, target: target, labels: labels, splits: tags)
    }
}
