import JikjiIO
import Foundation
import JikjiData
import JikjiVocabStore
import JikjiWordPiece

/// The vocabulary and the encoded datasets a job trains on.
///
/// Datasets are built once and kept in the dataset catalog next to the vocabulary database,
/// under a name derived from the job's data settings and the vocabulary version, so a second
/// run of the same job (or a resumed run) loads them instead of encoding the corpus again.
public struct JobData: Sendable {
    /// The vocabulary and its special ids.
    public let vocabulary: JobVocabulary
    /// Train (and valid, when held out) examples.
    public let main: EncodedDataset
    /// Test examples (all in its train split), when the job names test files.
    public let test: EncodedDataset?

    /// Makes the vocabulary available (loading it, or training it with `trainVocabulary` when the
    /// store lacks it and the job allows it), then loads or builds the datasets.
    public static func prepare(job: JobConfig, trainVocabulary: ((JobConfig) throws -> StoredVocabulary)?,
                               log: (String) -> Void) throws -> JobData {
        if job.model.task == .languageModel {
            try TestSideCorpusCheck.refuseTestSide(job.data.train, key: "data.train")
        }
        let store = try VocabularyStore(path: job.vocab.database)
        let vocabulary: StoredVocabulary
        do {
            vocabulary = try store.load(job.vocab.name)
            log("vocabulary \(vocabulary.reference): \(vocabulary.tokens.count) tokens")
        } catch let error as VocabularyStoreError {
            guard case .unknownName = error, job.vocab.trainIfMissing, let trainVocabulary else { throw error }
            log("vocabulary \(job.vocab.name) is not in \(job.vocab.database): training it from \(job.data.train.joined(separator: ", "))")
            vocabulary = try trainVocabulary(job)
            log("vocabulary \(vocabulary.reference): \(vocabulary.tokens.count) tokens")
        }
        // One encoder (its trie is built once) serves both dataset builds and the models.
        let jobVocabulary = try JobVocabulary(vocabulary)
        let encoder = jobVocabulary.encoder
        let catalog = try DatasetCatalog(path: job.vocab.database)
        let kind: DatasetKind
        switch job.model.task {
        case .classifier: kind = .classification
        case .languageModel: kind = .lm
        case .seq2seq: kind = .pairs
        }
        let text = job.data.textColumn.map { [$0] } ?? []
        let labelMap = try job.data.labelMap.isEmpty ? nil
            : LabelMapping(parsing: job.data.labelMap.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
        let format = job.data.format.recordFormat
        let policy = job.data.onBadRow
        let split: SplitRatios? = job.data.valid.isEmpty && job.data.validRatio > 0
            ? SplitRatios(train: 1 - job.data.validRatio, valid: job.data.validRatio) : nil
        let mainSpec = DatasetSpec(kind: kind, train: job.data.train, valid: split == nil ? job.data.valid : [],
                                   format: format, text: text, label: job.data.labelColumn, labelMap: labelMap,
                                   source: job.data.sourceColumn, target: job.data.targetColumn, split: split,
                                   seed: job.seed, onBadRow: policy)
        // The catalog keeps the whole dataset under a name without the limit: every point of a
        // learning curve loads the one encoding and takes its first N training examples.
        var main = try dataset(named: "main", spec: mainSpec, job: job, vocabulary: vocabulary, encoder: encoder,
                               catalog: catalog, log: log)
        if let limit = job.data.trainLimit {
            let available = main.info.examples[Split.train.description] ?? 0
            main = main.keepingFirstTrainExamples(limit)
            let used = main.info.examples[Split.train.description] ?? 0
            log("data.train_limit \(limit): training on the first \(used) of \(available) training examples"
                + (limit > available ? " (all of them: the limit is larger)" : "")
                + "; \(main.info.examples[Split.valid.description] ?? 0) valid examples unchanged")
        }
        var test: EncodedDataset? = nil
        if !job.data.test.isEmpty {
            var testSpec = mainSpec
            testSpec.train = job.data.test
            testSpec.valid = []
            testSpec.split = nil
            test = try dataset(named: "test", spec: testSpec, job: job, vocabulary: vocabulary, encoder: encoder,
                               catalog: catalog, log: log)
        }
        if job.model.direction == .backward {
            // Pins and the catalog keep the dataset as built; the model reads it reversed (a
            // backward language model, or a classifier that starts from one).
            return JobData(vocabulary: jobVocabulary, main: main.reversingDocuments(), test: test?.reversingDocuments())
        }
        return JobData(vocabulary: jobVocabulary, main: main, test: test)
    }

    /// What a run pins of this data: the vocabulary as `name@version` in `database`, and each
    /// dataset's catalog name with a digest of its corpus files and counts.
    public func pins(database: String) -> RunPins {
        var datasets = [RunPins.Dataset(role: "main", name: main.info.name, digest: Self.contentDigest(main))]
        if let test { datasets.append(RunPins.Dataset(role: "test", name: test.info.name, digest: Self.contentDigest(test))) }
        return RunPins(vocabulary: vocabulary.reference, vocabularyDatabase: database, datasets: datasets)
    }

    /// A digest of what a dataset was built from and holds (not when it was built): equal for a
    /// rebuild of the same files with the same settings.
    static func contentDigest(_ dataset: EncodedDataset) -> String {
        let files = dataset.info.files.map { "\($0.role):\($0.fingerprint.sha256)" }.joined(separator: ",")
        return stableDigest("\(files)|\(dataset.count)|\(dataset.info.sourceTokens)|\(dataset.info.targetTokens)|\(dataset.info.vocabulary)")
    }

    static func dataset(named role: String, spec: DatasetSpec, job: JobConfig, vocabulary: StoredVocabulary,
                        encoder: WordPieceDatasetEncoder, catalog: DatasetCatalog,
                        log: (String) -> Void) throws -> EncodedDataset {
        let specJSON = (try? String(decoding: JSONEncoder.sorted.encode(spec), as: UTF8.self)) ?? "\(spec)"
        let name = "job-\(job.name)-\(role)-" + stableDigest(specJSON + "|" + vocabulary.reference)
        if try catalog.exists(name) {
            let dataset: EncodedDataset
            do {
                dataset = try catalog.load(name)
            } catch DatasetCatalogError.missingShard {
                // The catalog outlived its shard (deleted, or a fresh checkout sharing the database): build it again.
                log("dataset \(name): its shard file is missing; building it again")
                return try build(name: name, spec: spec, encoder: encoder, catalog: catalog, log: log)
            }
            // A corpus file edited since the build (another size) makes the cached dataset stale.
            let unchanged = dataset.info.files.allSatisfy { file in
                let attributes = try? FileManager.default.attributesOfItem(atPath: file.fingerprint.path)
                return (attributes?[.size] as? NSNumber)?.int64Value == file.fingerprint.bytes
            }
            if unchanged {
                log("dataset \(name): \(dataset.count) examples (cached)")
                return dataset
            }
            log("dataset \(name): a corpus file changed since it was built; building it again")
        }
        return try build(name: name, spec: spec, encoder: encoder, catalog: catalog, log: log)
    }

    /// Encodes the corpus into a new dataset and stores it in the catalog, replacing any entry of that name.
    static func build(name: String, spec: DatasetSpec, encoder: WordPieceDatasetEncoder, catalog: DatasetCatalog,
                      log: (String) -> Void) throws -> EncodedDataset {
        log("building dataset \(name) from \(spec.train.joined(separator: ", "))")
        let result = try DatasetBuilder(name: name, spec: spec, encoder: encoder, toolVersion: JikjiJobsVersion.string).build()
        if !result.skippedRows.isEmpty {
            var reasons: [String: Int] = [:]
            for row in result.skippedRows { reasons[row.reason.rawValue, default: 0] += 1 }
            log("  left out \(result.skippedRows.count) rows: " + reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        try catalog.save(result.dataset, replace: true)
        log("  \(result.dataset.count) examples, \(result.dataset.info.sourceTokens) tokens")
        return result.dataset
    }

    /// A short hex digest (FNV-1a 64) that names derived artefacts; stable across runs and platforms.
    static func stableDigest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so equal values encode to equal bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A job's vocabulary with the encoder that applies its cleaning and the special ids models use.
public struct JobVocabulary: Sendable {
    public let stored: StoredVocabulary
    /// Cleans (the vocabulary's stored pipeline) and encodes text for datasets, on all cores:
    /// a ``WordPieceDatasetEncoder`` over ``textEncoder``.
    public let encoder: WordPieceDatasetEncoder
    public let specials: SpecialTokenIDs

    /// The encoder and special ids of `stored`.
    public init(_ stored: StoredVocabulary) throws {
        self.stored = stored
        encoder = try WordPieceDatasetEncoder(stored)
        specials = try SpecialTokenIDs(resolvingWith: encoder)
    }

    /// The vocabulary's complete encoder and decoder (``StoredVocabulary/textEncoder()``), the
    /// one ``encoder`` runs: inference encodes and decodes with it.
    public var textEncoder: TextEncoder { encoder.textEncoder }

    public var size: Int { stored.tokens.count }
    public var padID: Int { Int(specials.pad) }
    public var reference: String { stored.reference }
}

/// The version recorded with artefacts that jobs make.
public enum JikjiJobsVersion {
    public static let string = "0.1.0"
}
