// Training end to end: read the corpus once, then merge. What `jikji vocab train` calls.
import JikjiIO
import Foundation
import JikjiText

/// The result of training on files: the vocabulary and what was read.
public struct WordPieceTrainingRun: Sendable {
    /// The trained vocabulary.
    public var vocabulary: TrainedVocabulary
    /// One fingerprint per input file.
    public var files: [FileFingerprint]
    /// Documents read.
    public var documents: Int
    /// Approximate bytes held by the word counts (the corpus's only in-memory form).
    public var wordCountBytes: Int
    /// Seconds spent reading and counting, then merging.
    public var countingSeconds: Double
    /// Seconds spent in alphabet selection and the merge loop.
    public var mergingSeconds: Double

    /// The statistics of the run as a JSON object (for the vocabulary store).
    public var statisticsJSON: String {
        let s = vocabulary.statistics
        let object: [String: Any] = [
            "documents": documents, "distinct_words": s.distinctWords, "total_words": s.totalWords,
            "distinct_characters": s.distinctCharacters, "initial_pairs": s.initialPairs, "peak_pairs": s.peakPairs,
            "merges": s.merges, "stop_reason": s.stopReason.rawValue, "word_count_bytes": wordCountBytes,
            "merge_peak_bytes": s.peakMemoryBytes, "counting_seconds": (countingSeconds * 1000).rounded() / 1000,
            "merging_seconds": (mergingSeconds * 1000).rounded() / 1000,
        ]
        return jsonText(object)
    }
}

extension WordPieceTrainer {
    /// Reads `files` once (in chunks, counting on all cores) and trains on their words.
    ///
    /// - Throws: ``WordPieceTrainerError`` for unreadable input, a missing column, invalid UTF-8
    ///   (file and line), an empty corpus or a vocab size below the base vocabulary.
    public func train(files: [String], reading: CorpusReadingOptions,
                      readProgress: CorpusWordCounter.ReadProgress? = nil,
                      mergeProgress: MergeProgress? = nil) throws -> WordPieceTrainingRun {
        guard !files.isEmpty else {
            throw WordPieceTrainerError.invalidOption(name: "input", value: "", reason: "give at least one file")
        }
        let start = Date()
        let corpus = try CorpusWordCounter.count(files: files, options: reading, progress: readProgress)
        guard corpus.words.distinctCount > 0 else { throw WordPieceTrainerError.emptyCorpus(files: files) }
        let counted = Date()
        let vocabulary = try train(words: corpus.words, progress: mergeProgress)
        return WordPieceTrainingRun(vocabulary: vocabulary, files: corpus.files, documents: corpus.documents,
                                    wordCountBytes: corpus.words.memoryBytes,
                                    countingSeconds: counted.timeIntervalSince(start),
                                    mergingSeconds: Date().timeIntervalSince(counted))
    }
}

extension WordPieceTrainerOptions {
    /// The settings as a JSON object in HF's vocabulary (`vocab_size`, `min_frequency`, …), plus
    /// how `##x` tokens were numbered.
    public var settingsJSON: String {
        var object: [String: Any] = [
            "vocab_size": vocabSize, "min_frequency": minFrequency,
            "limit_alphabet": limitAlphabet.map { $0 as Any } ?? NSNull(),
            "initial_alphabet": initialAlphabet.map { String($0) },
            "special_tokens": specialTokens, "continuing_subword_prefix": prefix,
        ]
        switch continuationOrder {
        case .ascendingScalar: object["continuation_order"] = "ascending code point"
        case .explicit(let list): object["continuation_order"] = "explicit (\(list.count) characters), then ascending code point"
        }
        return jsonText(object)
    }
}

private func jsonText(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}
