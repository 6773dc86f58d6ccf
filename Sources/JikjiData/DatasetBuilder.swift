import Foundation
import JikjiIO
import JikjiWordPiece

/// Errors that stop a dataset build (bad rows under `--on-bad-row fail` are thrown as ``BadRow``).
public enum DatasetBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingSpecialToken(String, String)
    case noExamples(String)
    case invalidName(String)

    public var description: String {
        switch self {
        case let .missingSpecialToken(token, vocabulary): return "vocabulary \(vocabulary) has no \(token) token"
        case let .noExamples(detail): return "no examples left: \(detail)"
        case let .invalidName(name):
            return "dataset name '\(name)' is not allowed: use letters, digits, '.', '_' or '-', not starting with '.'"
        }
    }
}

/// What a build produced: the dataset, and every row it left out (file, line, reason).
public struct DatasetBuildResult: Sendable {
    /// The built dataset.
    public var dataset: EncodedDataset
    /// Every skipped or dropped row, in corpus order.
    public var skippedRows: [BadRow]
}

/// Reads a spec's corpus files, encodes them in chunks and assembles an ``EncodedDataset``.
///
/// Streaming: rows are read, checked and encoded `chunkSize` at a time, so memory holds one
/// chunk of text plus the ids, never a whole corpus of strings.
public struct DatasetBuilder {
    /// What to read, how to encode it, the dataset's name, and rows per encoding chunk.
    public let spec: DatasetSpec
    public let encoder: DatasetEncoder
    public let name: String
    public var chunkSize: Int
    /// Written into the provenance.
    public var toolVersion: String
    /// When set, only this shard's share of the corpus files is read (the records starting in
    /// its byte range of the train, valid and test files laid end to end, ``InputShard``) and the
    /// result is a part for ``DatasetPartMerger`` (no ratio split yet, and it may be empty).
    public var shard: InputShard?

    /// A builder of dataset `name` from `spec`'s files through `encoder`.
    public init(name: String, spec: DatasetSpec, encoder: DatasetEncoder, chunkSize: Int = 32_768, toolVersion: String = "") {
        self.name = name
        self.spec = spec
        self.encoder = encoder
        self.chunkSize = chunkSize
        self.toolVersion = toolVersion
    }

    /// Whether `name` is usable as a dataset (and file) name.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// Builds the dataset. `progress` is called after every chunk with (rows read, examples kept).
    /// - Throws: ``BadRow`` (policy `fail`), `TextInputError` (unreadable input), ``DatasetSpecError``, ``DatasetBuildError``,
    ///   or whatever the encoder throws.
    public func build(progress: ((Int, Int) -> Void)? = nil) throws -> DatasetBuildResult {
        guard Self.isValidName(name) else { throw DatasetBuildError.invalidName(name) }
        let spec = try self.spec.validated()
        let start = Date()
        let specials = try SpecialTokenIDs(resolvingWith: encoder)
        var state = State(kind: spec.kind, chunkSize: chunkSize)
        var files: [DatasetInfo.SourceFile] = []
        let roles: [(String, [String], Split)] = [
            (spec.split == nil ? "train" : "all", spec.train, .train), ("valid", spec.valid, .valid), ("test", spec.test, .test),
        ]
        let inputs = roles.flatMap { role, paths, split in paths.map { (role: role, path: $0, split: split) } }
        let ranges: [Range<Int64>?] = try shard.map { try $0.byteRanges(sizes: InputShard.sizes(of: inputs.map(\.path))) }
            ?? inputs.map { _ in nil }
        for (input, range) in zip(inputs, ranges) {
            // A shard with no byte of this file reads none of it.
            if shard != nil && range == nil { continue }
            let (fingerprint, start) = try read(path: input.path, range: range, split: input.split, spec: spec, state: &state,
                                                progress: progress)
            files.append(DatasetInfo.SourceFile(role: input.role, fingerprint: fingerprint, start: shard == nil ? nil : start))
        }
        try flush(&state, spec: spec)
        progress?(state.rowsRead, state.source.count)
        // A shard may hold no example: the merge of all parts says whether the corpus has any.
        guard state.source.count > 0 || shard != nil else {
            let reasons = Dictionary(grouping: state.skipped, by: \.reason).map { "\($0.value.count) \($0.key.rawValue)" }
            throw DatasetBuildError.noExamples(reasons.isEmpty ? "the corpus has no rows" : "every row was left out (\(reasons.sorted().joined(separator: ", ")))")
        }
        if let ratios = spec.split, shard == nil { assignSplits(&state.splits, ratios: ratios, seed: spec.seed) }

        let (examples, labelCounts) = DatasetInfo.tallies(splits: state.splits, labels: state.labels)
        var skipped: [String: Int] = [:]
        for row in state.skipped { skipped[row.reason.rawValue, default: 0] += 1 }
        let formatter = ISO8601DateFormatter()
        let info = DatasetInfo(
            name: name, kind: spec.kind, vocabulary: encoder.vocabularyReference, vocabularySize: encoder.vocabularySize,
            specialTokens: specials, spec: spec, files: files, examples: examples,
            sourceTokens: state.source.tokenCount, targetTokens: state.target.tokenCount,
            rowsRead: state.rowsRead, skipped: skipped, labelCounts: labelCounts,
            created: formatter.string(from: start), toolVersion: toolVersion,
            buildSeconds: Date().timeIntervalSince(start),
            part: shard.map { InputShardNumber(index: $0.index, count: $0.count) })
        let dataset = EncodedDataset(
            info: info, source: state.source, target: spec.kind == .pairs ? state.target : nil,
            labels: spec.label == nil ? nil : state.labels, splits: state.splits)
        return DatasetBuildResult(dataset: dataset, skippedRows: state.skipped)
    }

    /// Everything accumulated while reading.
    private struct State {
        var source = TokenSequences()
        var target = TokenSequences()
        var labels: [Int32] = []
        var splits: [UInt8] = []
        var skipped: [BadRow] = []
        var rowsRead = 0
        // The chunk waiting to be encoded.
        var pendingSource: [String] = []
        var pendingTarget: [String] = []
        var pendingLabels: [Int32] = []
        var pendingOrigin: [(file: String, line: Int, split: UInt8)] = []
        // Scratch buffers reused across chunks.
        var ids: [TokenID] = []
        var ends: [Int] = []
        var targetIDs: [TokenID] = []
        var targetEnds: [Int] = []

        init(kind: DatasetKind, chunkSize: Int) {
            pendingSource.reserveCapacity(chunkSize)
            if kind == .pairs { pendingTarget.reserveCapacity(chunkSize) }
        }
    }

    private func read(path: String, range: Range<Int64>?, split: Split, spec: DatasetSpec, state: inout State,
                      progress: ((Int, Int) -> Void)?) throws -> (fingerprint: FileFingerprint, start: Int64) {
        let format = spec.format(of: path)
        let textColumns = spec.kind == .pairs ? [spec.source!, spec.target!] : spec.text
        let columns = textColumns + (spec.label.map { [$0] } ?? [])
        var reader = try CorpusReader(path: path, format: format, columns: columns, byteRange: range)
        // Rows are reported under the reader's name (for a shard read from mid-file, where its lines start).
        let path = reader.name
        let labelIndex = spec.label == nil ? nil : textColumns.count
        while let result = try reader.next() {
            state.rowsRead += 1
            let row: RecordReader.Record
            switch result {
            case let .failure(bad):
                try reject(bad, state: &state, spec: spec)
                continue
            case let .success(good): row = good
            }
            var label: Int32 = 0
            if let labelIndex {
                let raw = row.values[labelIndex]
                if let mapping = spec.labelMap {
                    if let mapped = mapping.map(raw) {
                        label = mapped
                    } else {
                        let numericMiss = mapping.isNumeric && Int(raw.trimmingCharacters(in: .whitespaces)) == nil
                        try reject(BadRow(file: path, line: row.line, reason: numericMiss ? .unparseableLabel : .unmappedLabel,
                                          detail: "label '\(raw)'" + (numericMiss ? " is not an integer" : " matches no rule of \(mapping.text)")),
                                   state: &state, spec: spec)
                        continue
                    }
                } else if let value = Int32(raw.trimmingCharacters(in: .whitespaces)) {
                    label = value
                } else {
                    try reject(BadRow(file: path, line: row.line, reason: .unparseableLabel,
                                      detail: "label '\(raw)' is not an integer (give a label mapping for text labels)"),
                               state: &state, spec: spec)
                    continue
                }
            }
            let text: String
            if spec.kind == .pairs || textColumns.count == 1 {
                text = row.values[0]
            } else {
                text = row.values[0..<textColumns.count].joined(separator: " ")
            }
            if let emptyColumn = (spec.kind == .pairs ? [0, 1] : [0]).first(where: { isBlank(spec.kind == .pairs ? row.values[$0] : text) }) {
                try reject(BadRow(file: path, line: row.line, reason: .emptyText,
                                  detail: "column '\(spec.kind == .pairs ? textColumns[emptyColumn] : textColumns.joined(separator: "+"))' is empty"),
                           state: &state, spec: spec)
                continue
            }
            state.pendingSource.append(text)
            if spec.kind == .pairs { state.pendingTarget.append(row.values[1]) }
            state.pendingLabels.append(label)
            state.pendingOrigin.append((path, row.line, split.rawValue))
            if state.pendingSource.count >= chunkSize {
                try flush(&state, spec: spec)
                progress?(state.rowsRead, state.source.count)
            }
        }
        let fingerprint = try reader.finish()
        return (fingerprint, reader.partStart ?? range?.lowerBound ?? 0)
    }

    private func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }

    private func reject(_ bad: BadRow, state: inout State, spec: DatasetSpec) throws {
        // Rows a label mapping drops are expected (NSMC's neutral ratings): counted, never fatal.
        if spec.onBadRow == .fail, bad.reason != .unmappedLabel { throw bad }
        state.skipped.append(bad)
    }

    /// Encodes the pending chunk and moves it into the dataset.
    private func flush(_ state: inout State, spec: DatasetSpec) throws {
        guard !state.pendingSource.isEmpty else { return }
        state.ids.removeAll(keepingCapacity: true)
        state.ends.removeAll(keepingCapacity: true)
        try encoder.encode(state.pendingSource, appendingTo: &state.ids, ends: &state.ends)
        precondition(state.ends.count == state.pendingSource.count, "the encoder must report one end offset per text")
        if spec.kind == .pairs {
            state.targetIDs.removeAll(keepingCapacity: true)
            state.targetEnds.removeAll(keepingCapacity: true)
            try encoder.encode(state.pendingTarget, appendingTo: &state.targetIDs, ends: &state.targetEnds)
            precondition(state.targetEnds.count == state.pendingTarget.count, "the encoder must report one end offset per text")
        }
        state.source.reserve(sequences: state.ends.count, tokens: state.ids.count)
        var start = 0, targetStart = 0
        for i in 0..<state.ends.count {
            let end = state.ends[i]
            let targetEnd = spec.kind == .pairs ? state.targetEnds[i] : 0
            defer { start = end; targetStart = targetEnd }
            let origin = state.pendingOrigin[i]
            if end == start || (spec.kind == .pairs && targetEnd == targetStart) {
                try reject(BadRow(file: origin.file, line: origin.line, reason: .emptyText, detail: "no tokens left after cleaning"),
                           state: &state, spec: spec)
                continue
            }
            state.source.append(state.ids[start..<end])
            if spec.kind == .pairs { state.target.append(state.targetIDs[targetStart..<targetEnd]) }
            state.labels.append(state.pendingLabels[i])
            state.splits.append(origin.split)
        }
        state.pendingSource.removeAll(keepingCapacity: true)
        state.pendingTarget.removeAll(keepingCapacity: true)
        state.pendingLabels.removeAll(keepingCapacity: true)
        state.pendingOrigin.removeAll(keepingCapacity: true)
    }

    /// Splits by ratio: a seeded shuffle of example indices, cut at the ratios. The same seed and
    /// the same examples always give the same split.
    func assignSplits(_ splits: inout [UInt8], ratios: SplitRatios, seed: UInt64) {
        Self.assignSplits(&splits, ratios: ratios, seed: seed)
    }

    /// See ``assignSplits(_:ratios:seed:)``; public so tools can reproduce a dataset's split.
    public static func assignSplits(_ splits: inout [UInt8], ratios: SplitRatios, seed: UInt64) {
        let n = splits.count
        var order = Array(0..<n)
        var generator = SplitMix64(seed: seed)
        generator.shuffle(&order)
        let trainCount = Int((ratios.train * Double(n)).rounded())
        let validCount = min(n - trainCount, Int((ratios.valid * Double(n)).rounded()))
        for (position, index) in order.enumerated() {
            splits[index] = position < trainCount ? Split.train.rawValue
                : position < trainCount + validCount ? Split.valid.rawValue : Split.test.rawValue
        }
    }
}
