// Settings of the WordPiece trainer (HF's `WordPieceTrainer`, which is frequency BPE with a
// continuation prefix).

import Foundation
import JikjiIO

/// How the single-character continuation tokens (`##x`) are numbered.
///
/// Their ids only matter for ties: two candidate merges with the same count are ordered by
/// `(leftId, rightId)`, so the numbering of `##x` decides which of them wins. HF numbers them
/// in the iteration order of a randomly seeded hash map, which is why its training is not
/// reproducible; Jikji is deterministic in both modes.
public enum ContinuationOrder: Sendable, Equatable {
    /// Ascending Unicode scalar value (the default; mirrors the alphabet's order).
    case ascendingScalar
    /// The order of these scalars first (as read from an HF `vocab.txt`, see
    /// ``WordPieceTrainerOptions/continuationOrder(fromVocabularyText:prefix:)``); scalars
    /// that the corpus needs but the list lacks follow in ascending scalar order, and listed
    /// scalars the corpus does not need are skipped.
    case explicit([Unicode.Scalar])
}

/// Everything that decides the vocabulary a training run produces.
///
/// Defaults are those of HF's `BertWordPieceTokenizer.train` except `limitAlphabet`, which
/// HF's Python wrapper sets to 1000 (too small for Korean; pass it explicitly for parity).
public struct WordPieceTrainerOptions: Sendable, Equatable {
    /// Target vocabulary size. Training stops when it is reached; it never truncates the base
    /// vocabulary (specials, alphabet and `##x`), which may by itself be larger.
    public var vocabSize: Int = 30000
    /// A pair is merged only when it occurs at least this many times (weighted by word
    /// counts); the first pair below it stops training.
    public var minFrequency: Int64 = 2
    /// Keep at most this many distinct characters (the most frequent ones); `nil` keeps all.
    public var limitAlphabet: Int? = nil
    /// Characters always in the alphabet (they count as infinitely frequent), whether or not
    /// the corpus contains them. Not normalized, as in HF.
    public var initialAlphabet: [Unicode.Scalar] = []
    /// Special tokens, given ids 0… in this order (duplicates skipped).
    public var specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    /// The continuation prefix of non-initial pieces.
    public var prefix: String = "##"
    /// Numbering of the `##x` tokens; see ``ContinuationOrder``.
    public var continuationOrder: ContinuationOrder = .ascendingScalar

    /// Options with HF `BertWordPieceTokenizer.train` defaults (see the type's note on
    /// `limitAlphabet`).
    public init() {}

    /// Options with every field given.
    public init(vocabSize: Int = 30000, minFrequency: Int64 = 2, limitAlphabet: Int? = nil,
                initialAlphabet: [Unicode.Scalar] = [],
                specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                prefix: String = "##", continuationOrder: ContinuationOrder = .ascendingScalar) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.limitAlphabet = limitAlphabet
        self.initialAlphabet = initialAlphabet
        self.specialTokens = specialTokens
        self.prefix = prefix
        self.continuationOrder = continuationOrder
    }

    /// The continuation order of the HF `vocab.txt` at `path` (`--continuation-order-from`),
    /// the file read and checked as every vocab.txt is (``WordPieceVocabulary/parseVocabTxt(_:path:)``).
    /// - Throws: ``WordPieceError`` (unreadable, empty, not UTF-8 with line and byte), or
    ///   ``WordPieceTrainerError/noContinuationTokens(file:prefix:)`` when the file has none.
    public static func continuationOrder(fromVocabTxtAt path: String, prefix: String = "##") throws -> ContinuationOrder {
        let data: Data
        do {
            data = try WholeFile.read(path)
        } catch {
            throw WordPieceError.unreadableVocabulary(path: path, reason: SystemErrorText.plainReason(error))
        }
        let tokens = try WordPieceVocabulary.parseVocabTxt(data, path: path)
        let order = continuationOrder(fromVocabularyText: tokens.joined(separator: "\n"), prefix: prefix)
        guard !order.isEmpty else { throw WordPieceTrainerError.noContinuationTokens(file: path, prefix: prefix) }
        return .explicit(order)
    }

    /// The order of the single-character continuation tokens (`<prefix>x`) in the text of a
    /// `vocab.txt` (one token per line), for ``ContinuationOrder/explicit(_:)``: training on the
    /// corpus that produced that file then reproduces it exactly.
    public static func continuationOrder(fromVocabularyText text: String, prefix: String = "##")
        -> [Unicode.Scalar] {
        var order: [Unicode.Scalar] = []
        var seen = Set<Unicode.Scalar>()
        // Scalars throughout, never `Character`s: `#` + a combining mark, a skin-tone modifier or
        // a variation selector is one grapheme cluster, so `hasPrefix("##")` and `dropLast()`
        // would miss or mangle `##ा`, `##🏽` and `##\u{FE0F}`.
        let prefixScalars = Array(prefix.unicodeScalars)
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            // HF trims trailing whitespace when it reads vocab.txt (and \r of CRLF files).
            var token = line
            while let last = token.last, last.properties.isWhitespace {
                token = token.dropLast()
            }
            guard !prefixScalars.isEmpty, token.starts(with: prefixScalars) else { continue }
            let rest = token.dropFirst(prefixScalars.count)
            guard rest.count == 1, let scalar = rest.first, seen.insert(scalar).inserted else { continue }
            order.append(scalar)
        }
        return order
    }
}
