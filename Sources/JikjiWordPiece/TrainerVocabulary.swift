// What a training run returns: the tokens in id order, each with where it came from.

import JikjiIO

/// Where a trained token came from.
public enum TrainedTokenKind: String, Sendable, Equatable, CaseIterable {
    /// One of the configured special tokens (ids 0…).
    case special
    /// A single character of the kept alphabet (word-initial form, no prefix).
    case alphabet
    /// A single character with the continuation prefix (`##x`).
    case continuation
    /// The product of a merge.
    case merged
}

/// One token of a trained vocabulary; its id is its index in ``TrainedVocabulary/tokens``.
public struct TrainedToken: Sendable, Equatable {
    /// The token text (with the prefix for continuation pieces).
    public var text: String
    /// Where the token came from.
    public var kind: TrainedTokenKind
    /// Occurrences behind the token: the character's corpus frequency (alphabet), its count at
    /// non-initial positions (continuation), the pair count when merged (merged), 0 for specials.
    /// Characters of the initial alphabet report their corpus frequency (possibly 0).
    public var count: Int64
    /// The 0-based merge step that created the token (merged tokens only).
    public var mergeRank: Int?

    /// A token with every field given.
    public init(text: String, kind: TrainedTokenKind, count: Int64, mergeRank: Int? = nil) {
        self.text = text
        self.kind = kind
        self.count = count
        self.mergeRank = mergeRank
    }
}

/// Why the merge loop ended.
public enum TrainingStopReason: String, Sendable, Equatable {
    /// The vocabulary reached the requested size.
    case vocabSizeReached = "vocab size reached"
    /// The best remaining pair occurs fewer than `minFrequency` times.
    case belowMinFrequency = "no pair reaches min frequency"
    /// No pair is left (every word is a single token).
    case noPairsLeft = "no pairs left"
}

/// Figures of a training run, for the summary the CLI prints and the store records.
public struct TrainingStatistics: Sendable, Equatable {
    /// Distinct words counted.
    public var distinctWords: Int = 0
    /// Word occurrences counted.
    public var totalWords: Int64 = 0
    /// Distinct characters seen, before `limitAlphabet`.
    public var distinctCharacters: Int = 0
    /// Distinct adjacent pairs before the first merge.
    public var initialPairs: Int = 0
    /// The largest number of distinct pairs tracked at once.
    public var peakPairs: Int = 0
    /// Merge steps performed (including ones whose product already existed).
    public var merges: Int = 0
    /// Why the merge loop ended.
    public var stopReason: TrainingStopReason = .noPairsLeft
    /// Approximate peak bytes of the trainer's own tables (words, symbols, pairs, positions,
    /// queue), excluding the word counts it was given.
    public var peakMemoryBytes: Int = 0

    /// Empty statistics.
    public init() {}
}

/// A trained WordPiece vocabulary: tokens in id order with their kinds and counts.
public struct TrainedVocabulary: Sendable {
    /// Every token; the id of a token is its index.
    public var tokens: [TrainedToken]
    /// The options it was trained with.
    public var options: WordPieceTrainerOptions
    /// Figures of the run.
    public var statistics: TrainingStatistics

    /// A vocabulary from its parts.
    public init(tokens: [TrainedToken], options: WordPieceTrainerOptions, statistics: TrainingStatistics) {
        self.tokens = tokens
        self.options = options
        self.statistics = statistics
    }

    /// The token texts in id order.
    public var tokenTexts: [String] { tokens.map(\.text) }

    /// The vocabulary as HF writes `vocab.txt`: one token per line in id order, each ending in `\n`.
    public var vocabularyText: String {
        var text = ""
        text.reserveCapacity(tokens.count * 8)
        for token in tokens {
            text += token.text
            text += "\n"
        }
        return text
    }

    /// Writes ``vocabularyText`` to `output` and commits it: the file appears whole, or not at
    /// all when a write fails.
    public func writeVocabTxt(to output: OutputFile) throws {
        try output.write(vocabularyText.utf8)
        try output.commit()
    }

    /// How many tokens of each kind.
    public var kindCounts: [TrainedTokenKind: Int] {
        var counts: [TrainedTokenKind: Int] = [:]
        for token in tokens { counts[token.kind, default: 0] += 1 }
        return counts
    }
}
