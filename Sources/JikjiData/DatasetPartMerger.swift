// Dataset parts built on many machines (`dataset build --shard I/N`) made one dataset: the
// examples of parts 0…N-1 in shard order, which is corpus order, so the result is the dataset
// one build over the whole corpus gives (a ratio split is drawn here, over all examples).
import Foundation
import JikjiIO

/// Parts that cannot be merged into one dataset.
public enum DatasetMergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file that is a whole dataset, not a part of one.
    case notAPart(String)
    /// A part built differently from the first (another spec, vocabulary or shard count).
    case partsDiffer(String, reference: String, what: String)
    /// Shards missing from, or repeated in, the list.
    case incomplete(count: Int, missing: [Int], repeated: [Int])
    /// No part holds an example.
    case noExamples

    public var description: String {
        switch self {
        case let .notAPart(file): return "\(file) is a whole dataset, not a part built with dataset build --shard"
        case let .partsDiffer(file, reference, what): return "\(file) was built with another \(what) than \(reference)"
        case let .incomplete(count, missing, repeated):
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing shard(s) \(missing.map { "\($0)/\(count)" }.joined(separator: ", "))") }
            if !repeated.isEmpty { problems.append("shard(s) given twice: \(repeated.map { "\($0)/\(count)" }.joined(separator: ", "))") }
            return "the parts do not make a whole corpus: " + problems.joined(separator: "; ")
        case .noExamples: return "no examples left: no part holds an example"
        }
    }
}

/// Merges dataset parts into one dataset.
public enum DatasetPartMerger {
    /// Merges `parts` (each with the file it was read from, for errors), given in any order,
    /// into dataset `name`: the examples of shards 0…N-1 in that order, the ratio split of the
    /// spec drawn over all of them (as one build draws it), counts and provenance added up.
    ///
    /// - Throws: ``DatasetMergeError`` when a part is a whole dataset, the parts differ in
    ///   spec, kind, vocabulary or shard count, a shard is missing or repeated, or none has an
    ///   example; ``DatasetBuildError/invalidName(_:)``.
    public static func merge(_ parts: [(file: String, dataset: EncodedDataset)], name: String, toolVersion: String) throws
        -> EncodedDataset {
        guard DatasetBuilder.isValidName(name) else { throw DatasetBuildError.invalidName(name) }
        guard let first = parts.first else { throw DatasetMergeError.incomplete(count: 0, missing: [0], repeated: []) }
        for part in parts where part.dataset.info.part == nil { throw DatasetMergeError.notAPart(part.file) }
        let reference = first.dataset.info
        for (file, dataset) in parts.dropFirst() {
            let info = dataset.info
            let checks: [(Bool, String)] = [
                (info.part?.count == reference.part?.count, "shard count (\(info.part!.count) vs \(reference.part!.count))"),
                (info.kind == reference.kind, "kind"), (info.spec == reference.spec, "dataset spec"),
                (info.vocabulary == reference.vocabulary && info.vocabularySize == reference.vocabularySize
                 && info.specialTokens == reference.specialTokens, "vocabulary (\(info.vocabulary) vs \(reference.vocabulary))"),
            ]
            if let failed = checks.first(where: { !$0.0 }) {
                throw DatasetMergeError.partsDiffer(file, reference: first.file, what: failed.1)
            }
        }
        let count = reference.part!.count
        let indices = parts.map { $0.dataset.info.part!.index }
        let missing = (0..<count).filter { !indices.contains($0) }
        let repeated = Set(indices.filter { index in indices.filter { $0 == index }.count > 1 }).sorted()
        guard missing.isEmpty, repeated.isEmpty, indices.allSatisfy({ (0..<count).contains($0) }) else {
            throw DatasetMergeError.incomplete(count: count, missing: missing, repeated: repeated)
        }
        let ordered = parts.map(\.dataset).sorted { $0.info.part!.index < $1.info.part!.index }
        let total = ordered.reduce(0) { $0 + $1.count }
        guard total > 0 else { throw DatasetMergeError.noExamples }

        let pairs = reference.kind == .pairs
        var source = TokenSequences(), target = TokenSequences()
        source.reserve(sequences: total, tokens: ordered.reduce(0) { $0 + $1.source.tokenCount })
        var labels: [Int32] = [], splits: [UInt8] = []
        splits.reserveCapacity(total)
        var skipped: [String: Int] = [:]
        var rowsRead = 0
        var seconds = 0.0
        for part in ordered {
            for i in 0..<part.count { source.append(part.source[i]) }
            if pairs, let partTarget = part.target { for i in 0..<partTarget.count { target.append(partTarget[i]) } }
            if let partLabels = part.labels { labels += partLabels }
            splits += part.splits
            for (reason, rows) in part.info.skipped { skipped[reason, default: 0] += rows }
            rowsRead += part.info.rowsRead
            seconds += part.info.buildSeconds
        }
        if let ratios = reference.spec.split { DatasetBuilder.assignSplits(&splits, ratios: ratios, seed: reference.spec.seed) }
        let hasLabels = reference.spec.label != nil
        let (examples, labelCounts) = DatasetInfo.tallies(splits: splits, labels: hasLabels ? labels : nil)
        let info = DatasetInfo(
            name: name, kind: reference.kind, vocabulary: reference.vocabulary, vocabularySize: reference.vocabularySize,
            specialTokens: reference.specialTokens, spec: reference.spec, files: ordered.flatMap(\.info.files),
            examples: examples, sourceTokens: source.tokenCount, targetTokens: pairs ? target.tokenCount : 0,
            rowsRead: rowsRead, skipped: skipped, labelCounts: labelCounts,
            created: ISO8601DateFormatter().string(from: Date()), toolVersion: toolVersion, buildSeconds: seconds)
        return EncodedDataset(info: info, source: source, target: pairs ? target : nil, labels: hasLabels ? labels : nil,
                              splits: splits)
    }
}
