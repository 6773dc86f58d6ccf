import Foundation
import JikjiText
import JikjiWordPiece

extension StoredVocabulary {
    /// A freshly trained vocabulary, ready to ``VocabularyStore/save(_:)``, with its trainer
    /// settings and run statistics recorded as JSON objects.
    ///
    /// - Parameters:
    ///   - normalizer: the BERT normalizer flags the corpus was normalized with.
    ///   - pipeline: the cleaning pipeline's JSON (`CleaningPipeline.jsonString`), if one ran.
    ///   - corpus: what was read (files, sizes, line counts, SHA-256).
    ///   - toolVersion: the Jikji version doing the training.
    public init(trained: TrainedVocabulary, name: String, normalizer: BertNormalizerOptions,
                pipeline: String? = nil, corpus: CorpusFingerprint? = nil, toolVersion: String,
                createdAt: Date = Date()) {
        let tokens = trained.tokens.map { token in
            StoredToken(text: token.text, kind: TokenKind(token.kind), count: token.count, mergeRank: token.mergeRank)
        }
        self.init(name: name, tokens: tokens, normalizer: normalizer,
                  // HF's trained model keeps the unk_token it was built with, whatever the specials.
                  unknownToken: "[UNK]",
                  continuingSubwordPrefix: trained.options.prefix,
                  trainerSettings: Self.settingsJSON(trained.options),
                  pipeline: pipeline, corpus: corpus, statistics: Self.statisticsJSON(trained.statistics),
                  origin: "trained", toolVersion: toolVersion, createdAt: createdAt)
    }

    /// The trainer options with HF's parameter names, so they read like the Python call.
    static func settingsJSON(_ options: WordPieceTrainerOptions) -> String {
        var object: [String: Any] = [
            "vocab_size": options.vocabSize,
            "min_frequency": options.minFrequency,
            "initial_alphabet": options.initialAlphabet.map { String($0) },
            "special_tokens": options.specialTokens,
            "wordpieces_prefix": options.prefix,
        ]
        object["limit_alphabet"] = options.limitAlphabet ?? NSNull()
        switch options.continuationOrder {
        case .ascendingScalar:
            object["continuation_order"] = "ascending-scalar"
        case let .explicit(scalars):
            object["continuation_order"] = ["explicit": scalars.map { String($0) }]
        }
        return jsonText(object)
    }

    static func statisticsJSON(_ s: TrainingStatistics) -> String {
        jsonText([
            "distinct_words": s.distinctWords, "total_words": s.totalWords,
            "distinct_characters": s.distinctCharacters, "initial_pairs": s.initialPairs,
            "peak_pairs": s.peakPairs, "merges": s.merges, "stop_reason": s.stopReason.rawValue,
            "peak_memory_bytes": s.peakMemoryBytes,
        ])
    }

    private static func jsonText(_ object: [String: Any]) -> String {
        // Only strings, numbers, arrays and NSNull go in, which JSONSerialization always accepts.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension TokenKind {
    /// The store's kind for a trainer's kind.
    public init(_ kind: TrainedTokenKind) {
        switch kind {
        case .special: self = .special
        case .alphabet: self = .alphabet
        case .continuation: self = .continuation
        case .merged: self = .merged
        }
    }
}

extension StoredVocabulary {
    /// The vocabulary of a whole training run (`WordPieceTrainer.train(files:reading:)`), with
    /// the corpus fingerprint of the files it read and the run's statistics.
    ///
    /// - Parameters:
    ///   - column: the column documents were read from (nil: whole lines).
    ///   - pipeline: the cleaning pipeline that ran before the normalizer, if any.
    public init(run: WordPieceTrainingRun, name: String, normalizer: BertNormalizerOptions, column: String?,
                pipeline: CleaningPipeline?, toolVersion: String) {
        self.init(trained: run.vocabulary, name: name, normalizer: normalizer, pipeline: pipeline?.jsonString,
                  corpus: CorpusFingerprint(
                      files: run.files,
                      column: column),
                  toolVersion: toolVersion)
        // The run's statistics also cover reading (documents, word-count memory, timings).
        statistics = run.statisticsJSON
    }
}

extension StoredVocabulary {
    /// The vocabulary of a training run on a count file (`WordPieceTrainer.train(countsAt:)`),
    /// stored with the normalizer and pipeline the counts were made with, the fingerprints of
    /// the corpus parts counted, and the run's statistics.
    public init(run: WordPieceTrainingRun, name: String, counts header: WordCountHeader, toolVersion: String) {
        let columns = Set(header.parts.map(\.column))
        self.init(trained: run.vocabulary, name: name, normalizer: header.settings.normalizer, pipeline: header.settings.pipeline,
                  corpus: CorpusFingerprint(files: run.files, column: columns.count == 1 ? columns.first! : nil),
                  toolVersion: toolVersion)
        statistics = run.statisticsJSON
    }
}
