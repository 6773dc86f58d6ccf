// The WordPiece trainer's merge loop: HF's BPE trainer with a continuation prefix, made
// deterministic. The observable rules (spec §3) are restated here in terms of flat arrays.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Trains a WordPiece vocabulary from word counts, exactly as HF's `WordPieceTrainer` does up
/// to the numbering of `##x` tokens, which is fixed by ``ContinuationOrder``.
///
/// Id order: special tokens, then the kept alphabet by ascending scalar, then the `##x`
/// tokens, then merge products in merge order. Each step merges the pair with the highest
/// count; ties go to the smaller `(leftId, rightId)`.
public struct WordPieceTrainer: Sendable {
    /// The training settings.
    public var options: WordPieceTrainerOptions

    /// A trainer with these settings.
    public init(options: WordPieceTrainerOptions = WordPieceTrainerOptions()) {
        self.options = options
    }

    /// Progress of the merge loop: merges done and the most that can still happen.
    public typealias MergeProgress = (_ done: Int, _ target: Int) -> Void

    /// Runs alphabet selection and the merge loop over `words`.
    ///
    /// - Throws: ``WordPieceTrainerError/emptyCorpus(files:)`` when `words` is empty,
    ///   ``WordPieceTrainerError/vocabSizeBelowBaseVocabulary(requested:base:specials:alphabet:continuation:)``
    ///   when the specials and single characters alone exceed `vocabSize`.
    public func train(words: WordCounts, progress: MergeProgress? = nil) throws -> TrainedVocabulary {
        guard words.distinctCount > 0 else { throw WordPieceTrainerError.emptyCorpus(files: []) }
        guard options.vocabSize > 0 else {
            throw WordPieceTrainerError.invalidOption(name: "vocab size", value: "\(options.vocabSize)",
                                                      reason: "must be positive")
        }
        return try train(source: words, files: [], progress: progress).vocabulary
    }

    /// Runs alphabet selection and the merge loop over the words of `source` (read twice).
    ///
    /// - Parameter files: what an empty `source` is reported as.
    /// - Returns: the vocabulary and the bytes of the trainer's word tables (symbols and counts).
    func train(source: some TrainerWordSource, files: [String], progress: MergeProgress?) throws
        -> (vocabulary: TrainedVocabulary, wordTableBytes: Int) {
        guard options.vocabSize > 0 else {
            throw WordPieceTrainerError.invalidOption(name: "vocab size", value: "\(options.vocabSize)",
                                                      reason: "must be positive")
        }
        var engine = MergeEngine(options: options)
        let vocabulary = try engine.run(words: source, files: files, progress: progress)
        return (vocabulary, engine.wordTableBytes)
    }
}

/// A pair of token ids packed as `left << 32 | right`; comparing packed values compares
/// `(left, right)` lexicographically.
typealias PackedPair = UInt64

@inline(__always) private func pack(_ left: Int32, _ right: Int32) -> PackedPair {
    PackedPair(UInt32(bitPattern: left)) << 32 | PackedPair(UInt32(bitPattern: right))
}

/// One queue entry: a pair, the count it had when pushed, and the words it may occur in
/// (24 bytes: the queue holds a million of them on the review corpus).
struct QueueEntry {
    var count: Int64
    var pair: PackedPair
    /// The words: a list id of the engine's ``PositionLists`` when ≥ 0, else the one word
    /// `-1 - positions` (most entries name a single word; they need no list).
    var positions: Int32
    /// Push sequence number: a total, reproducible order for entries of the same pair and count.
    /// 32 bits; when they run out every entry is renumbered in order (``MergeQueue/renumber(with:)``).
    var sequence: UInt32

    /// Whether `self` is popped before `other`.
    @inline(__always) func precedes(_ other: QueueEntry) -> Bool {
        if count != other.count { return count > other.count }
        if pair != other.pair { return pair < other.pair }
        return sequence < other.sequence
    }
}

/// A binary max-heap of queue entries ordered by ``QueueEntry/precedes(_:)``.
///
/// One `malloc` block grown with `realloc`: for a block this large glibc moves the pages
/// (`mremap`) rather than copying them, so growing never holds an old and a new buffer at once
/// (a Swift array's growth does: a quarter of the trainer's peak). A class: it owns the block.
final class MergeQueue {
    private var storage: UnsafeMutablePointer<QueueEntry>?
    private var capacity = 0
    /// Entries queued.
    private(set) var count = 0

    init() {}

    deinit { free(storage) }

    var isEmpty: Bool { count == 0 }

    /// Bytes of the block.
    var memoryBytes: Int { capacity * MemoryLayout<QueueEntry>.stride }

    /// The entry ``pop()`` would return.
    var top: QueueEntry? { count > 0 ? storage?[0] : nil }

    private func grow() {
        let newCapacity = max(1024, capacity * 2)
        // Out of memory traps, as a Swift array's growth would.
        guard let grown = realloc(storage, newCapacity * MemoryLayout<QueueEntry>.stride) else {
            preconditionFailure("out of memory: the merge queue needs \(newCapacity) entries")
        }
        storage = grown.assumingMemoryBound(to: QueueEntry.self)
        capacity = newCapacity
    }

    func push(_ entry: QueueEntry) {
        if count == capacity { grow() }
        guard let e = storage else { return }
        var child = count
        count += 1
        // Sift up, moving parents down instead of swapping.
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.precedes(e[parent]) else { break }
            e[child] = e[parent]
            child = parent
        }
        e[child] = entry
    }

    func pop() -> QueueEntry? {
        guard count > 0, let e = storage else { return nil }
        count -= 1
        let top = e[0]
        guard count > 0 else { return top }
        let last = e[count]
        var parent = 0
        let n = count
        while true {
            let left = 2 * parent + 1
            guard left < n else { break }
            var best = left
            if left + 1 < n && e[left + 1].precedes(e[left]) { best = left + 1 }
            guard e[best].precedes(last) else { break }
            e[parent] = e[best]
            parent = best
        }
        e[parent] = last
        return top
    }

    /// Gives the queued entries and `others` (sequence numbers of entries kept elsewhere) the
    /// numbers `0..<count + others.count` in the order of their old ones; returns the new
    /// numbers of `others` and the next free number. No two entries change places in the order,
    /// so the heap stays valid and the pops to come are the same.
    func renumber(with others: [UInt32]) -> (others: [UInt32], next: UInt32) {
        let queued = count, e = storage
        func old(_ i: Int) -> UInt32 { i < queued ? (e?[i].sequence ?? 0) : others[i - queued] }
        var order = Array(0..<(queued + others.count))
        order.sort { old($0) < old($1) }
        var renumbered = others
        for (rank, i) in order.enumerated() {
            let number = UInt32(truncatingIfNeeded: rank)
            if i < queued { e?[i].sequence = number } else { renumbered[i - queued] = number }
        }
        return (renumbered, UInt32(truncatingIfNeeded: order.count))
    }
}

/// The state of one training run.
private struct MergeEngine {
    let options: WordPieceTrainerOptions
    let prefixBytes: [UInt8]

    /// Token bytes by id, and ids by token bytes (bytes, not `String`: Swift compares strings up
    /// to canonical equivalence, HF compares bytes).
    var tokenBytes: [[UInt8]] = []
    var tokenIds: [[UInt8]: Int32] = [:]
    var tokens: [TrainedToken] = []

    /// Every word's symbols back to back; word `w` holds `symbols[starts[w] ..< starts[w] + lengths[w]]`.
    var symbols: [Int32] = []
    var starts: [Int] = []
    var lengths: [Int32] = []
    var wordCounts: [Int64] = []

    var pairCounts = PairCountTable()
    /// Word-index lists referenced by queue entries; released when their entry is consumed.
    var positionLists = PositionLists()
    let queue = MergeQueue()
    /// The count a pair needs to be merged: `min_frequency`, and at least 1. An entry below it
    /// cannot come up before the loop's last phase, so it waits in ``dropped`` until then.
    let threshold: Int64

    /// Whether entries below the threshold go into the queue itself (in the last phase, or
    /// when no temporary file could be made).
    var keepsAllEntries: Bool { lastPhase || !dropped.isAvailable }
    var sequence: UInt32 = 0
    /// Entries below the threshold, until the loop's last phase (``DroppedEntryFile``).
    let dropped = DroppedEntryFile()
    /// Whether the last phase has begun: every entry left is below the threshold.
    var lastPhase = false
    var statistics = TrainingStatistics()

    init(options: WordPieceTrainerOptions) {
        self.options = options
        self.prefixBytes = Array(options.prefix.utf8)
        self.threshold = Int64(max(1, options.minFrequency))
    }

    /// Bytes of the split words (symbols, word starts, lengths, counts).
    var wordTableBytes: Int {
        symbols.capacity * 4 + starts.capacity * 8 + lengths.capacity * 4 + wordCounts.capacity * 8
    }

    @discardableResult
    mutating func addToken(_ bytes: [UInt8], kind: TrainedTokenKind, count: Int64, rank: Int? = nil) -> Int32 {
        if let id = tokenIds[bytes] { return id }
        let id = Int32(tokenBytes.count)
        tokenBytes.append(bytes)
        tokenIds[bytes] = id
        tokens.append(TrainedToken(text: String(decoding: bytes, as: UTF8.self), kind: kind, count: count, mergeRank: rank))
        return id
    }

    mutating func run(words: some TrainerWordSource, files: [String],
                      progress: WordPieceTrainer.MergeProgress?) throws -> TrainedVocabulary {
        let survey = try Self.survey(words)
        guard survey.distinctWords > 0 else { throw WordPieceTrainerError.emptyCorpus(files: files) }
        statistics.distinctWords = survey.distinctWords
        statistics.totalWords = survey.totalWords

        // Ids 0…: the special tokens in order, duplicates skipped.
        for special in options.specialTokens { addToken(Array(special.utf8), kind: .special, count: 0) }
        let specialCount = tokens.count

        let frequencies = survey.frequencies
        statistics.distinctCharacters = frequencies.count
        let kept = keptAlphabet(frequencies)
        for scalar in kept { addToken(Self.utf8(scalar), kind: .alphabet, count: frequencies[scalar] ?? 0) }
        let alphabetCount = tokens.count - specialCount

        // A character takes part when its one-character string is a token (alphabet or special).
        var initialIds: [UInt32: Int32] = [:]
        for (scalar, _) in frequencies {
            if let id = tokenIds[Self.utf8(scalar)] { initialIds[scalar] = id }
        }
        // Occurrences of each usable character at a non-initial position.
        let continuationCounts = survey.continuations.filter { initialIds[$0.key] != nil }
        var continuationIds: [UInt32: Int32] = [:]
        for scalar in continuationOrder(continuationCounts) {
            continuationIds[scalar] = addToken(prefixBytes + Self.utf8(scalar), kind: .continuation,
                                               count: continuationCounts[scalar] ?? 0)
        }
        let base = tokens.count
        if options.vocabSize < base {
            throw WordPieceTrainerError.vocabSizeBelowBaseVocabulary(
                requested: options.vocabSize, base: base, specials: specialCount, alphabet: alphabetCount,
                continuation: base - specialCount - alphabetCount)
        }

        try splitWords(words, survey: survey, initialIds: initialIds, continuationIds: continuationIds)
        try countInitialPairs()
        try mergeLoop(progress: progress)

        return TrainedVocabulary(tokens: tokens, options: options, statistics: statistics)
    }

    // MARK: Alphabet

    static func utf8(_ scalar: UInt32) -> [UInt8] {
        Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
    }

    /// Decodes the scalars of valid UTF-8 `bytes`, calling `body(position, scalar)`.
    @inline(__always)
    static func forEachScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, UInt32) -> Void) {
        var i = 0, position = 0
        let n = bytes.count
        while i < n {
            let b0 = UInt32(bytes[i])
            let scalar: UInt32
            if b0 < 0x80 {
                scalar = b0; i += 1
            } else if b0 < 0xE0 {
                scalar = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F); i += 2
            } else if b0 < 0xF0 {
                scalar = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F); i += 3
            } else {
                scalar = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                    | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F); i += 4
            }
            body(position, scalar)
            position += 1
        }
    }

    /// What one pass over the words tells before any token exists.
    struct WordSurvey {
        /// Corpus frequency of every character, weighted by word counts.
        var frequencies: [UInt32: Int64]
        /// Occurrences of every character at a non-initial position, weighted by word counts
        /// (the trainer keeps those of usable characters).
        var continuations: [UInt32: Int64]
        var distinctWords = 0
        var totalWords: Int64 = 0
        /// Characters over all distinct words (an upper bound of the symbols).
        var characters = 0
    }

    /// Reads the words once: character frequencies, continuation counts, sizes.
    static func survey(_ words: some TrainerWordSource) throws -> WordSurvey {
        // The BMP is counted in flat arrays (no hashing in the common case).
        var bmp = [Int64](repeating: 0, count: 0x10000)
        var bmpContinuing = [Int64](repeating: 0, count: 0x10000)
        var astral: [UInt32: Int64] = [:]
        var astralContinuing: [UInt32: Int64] = [:]
        var distinct = 0, characters = 0
        var total: Int64 = 0
        try words.forEachWord { bytes, count in
            distinct += 1
            total += count
            forEachScalar(bytes) { position, scalar in
                characters += 1
                if scalar < 0x10000 {
                    bmp[Int(scalar)] += count
                    if position > 0 { bmpContinuing[Int(scalar)] += count }
                } else {
                    astral[scalar, default: 0] += count
                    if position > 0 { astralContinuing[scalar, default: 0] += count }
                }
            }
        }
        var all = astral, continuing = astralContinuing
        for (scalar, count) in bmp.enumerated() where count > 0 { all[UInt32(scalar)] = count }
        for (scalar, count) in bmpContinuing.enumerated() where count > 0 { continuing[UInt32(scalar)] = count }
        return WordSurvey(frequencies: all, continuations: continuing, distinctWords: distinct, totalWords: total,
                          characters: characters)
    }

    /// The kept characters in ascending scalar order. With `limitAlphabet`, the least frequent
    /// characters are dropped; among equally frequent ones the higher scalar goes first.
    func keptAlphabet(_ frequencies: [UInt32: Int64]) -> [UInt32] {
        var weighted = frequencies
        for scalar in options.initialAlphabet { weighted[scalar.value] = Int64.max }
        var entries = weighted.map { (scalar: $0.key, count: $0.value) }
        if let limit = options.limitAlphabet, entries.count > limit {
            entries.sort { $0.count != $1.count ? $0.count > $1.count : $0.scalar < $1.scalar }
            entries.removeLast(entries.count - max(0, limit))
        }
        return entries.map(\.scalar).sorted()
    }

    /// The `##x` numbering: the explicit list first (when given), then ascending scalars.
    func continuationOrder(_ needed: [UInt32: Int64]) -> [UInt32] {
        var order: [UInt32] = []
        var placed = Set<UInt32>()
        if case .explicit(let list) = options.continuationOrder {
            for scalar in list where needed[scalar.value] != nil && placed.insert(scalar.value).inserted {
                order.append(scalar.value)
            }
        }
        order += needed.keys.filter { !placed.contains($0) }.sorted()
        return order
    }

    // MARK: Words and pairs

    /// Turns every word into token ids: `x` at original position 0, `##x` elsewhere; characters
    /// outside the alphabet are dropped (their neighbours become adjacent).
    ///
    /// - Throws: what reading `words` throws; ``WordCountFileError/totalsMismatch(file:expected:found:)``
    ///   when the words differ from those ``survey(_:)`` read (a count file changed in between).
    mutating func splitWords(_ words: some TrainerWordSource, survey: WordSurvey, initialIds: [UInt32: Int32],
                             continuationIds: [UInt32: Int32]) throws {
        let n = survey.distinctWords
        // Sized once: the words are all there is, and growth would briefly hold two copies.
        symbols.reserveCapacity(survey.characters)
        starts.reserveCapacity(n)
        lengths.reserveCapacity(n)
        wordCounts.reserveCapacity(n)
        // BMP ids in flat tables (-1: not a token), the rest through the dictionaries.
        var initialBMP = [Int32](repeating: -1, count: 0x10000)
        var continuationBMP = [Int32](repeating: -1, count: 0x10000)
        for (scalar, id) in initialIds where scalar < 0x10000 { initialBMP[Int(scalar)] = id }
        for (scalar, id) in continuationIds where scalar < 0x10000 { continuationBMP[Int(scalar)] = id }
        try words.forEachWord { bytes, count in
            let start = symbols.count
            Self.forEachScalar(bytes) { position, scalar in
                let id: Int32?
                if scalar < 0x10000 {
                    let flat = position == 0 ? initialBMP[Int(scalar)] : continuationBMP[Int(scalar)]
                    id = flat < 0 ? nil : flat
                } else {
                    id = position == 0 ? initialIds[scalar] : continuationIds[scalar]
                }
                if let id { symbols.append(id) }
            }
            starts.append(start)
            lengths.append(Int32(symbols.count - start))
            wordCounts.append(count)
        }
        let total = wordCounts.reduce(Int64(0), +)
        if wordCounts.count != n || total != survey.totalWords {
            throw WordCountFileError.totalsMismatch(file: "the words given to the trainer",
                                                    expected: "\(n) words, \(survey.totalWords) occurrences",
                                                    found: "\(wordCounts.count) words, \(total) occurrences at the second reading")
        }
    }

    /// The queue's reference to the words of `words` (one word inline, more in a list).
    mutating func positionsReference(_ words: [Int32]) -> Int32 {
        words.count == 1 ? -1 - words[0] : positionLists.append(words)
    }

    mutating func push(count: Int64, pair: PackedPair, positions: Int32) throws {
        queue.push(QueueEntry(count: count, pair: pair, positions: positions, sequence: try nextSequence()))
    }

    /// The next push sequence number; when 32 bits run out, every entry (queued or dropped)
    /// is renumbered first, keeping their order.
    mutating func nextSequence() throws -> UInt32 {
        if sequence == UInt32.max {
            var kept: [(count: Int64, pair: UInt64, sequence: UInt32, words: [Int32])] = []
            try dropped.drain { kept.append(($0, $1, UInt32(truncatingIfNeeded: $2), $3)) }
            let renumbered = queue.renumber(with: kept.map(\.sequence))
            for (entry, number) in zip(kept, renumbered.others) {
                try entry.words.withUnsafeBufferPointer {
                    try dropped.append(count: entry.count, pair: entry.pair, sequence: UInt64(number), words: $0)
                }
            }
            sequence = renumbered.next
        }
        defer { sequence += 1 }
        return sequence
    }

    /// Counts every adjacent pair (weighted by word counts) and queues one entry per pair that
    /// can be merged, with the words it occurs in.
    ///
    /// Two passes over the words: the first counts pairs and the distinct words of each, the
    /// second writes each pair's words straight into a list of that size (one pass that
    /// recorded every (pair, word) first would hold them twice).
    mutating func countInitialPairs() throws {
        var changes = MergeChanges()
        for w in 0..<starts.count {
            let start = starts[w], length = Int(lengths[w])
            guard length > 1 else { continue }
            let count = wordCounts[w]
            for i in start..<(start + length - 1) {
                changes.tally(pack(symbols[i], symbols[i + 1]), count, word: Int32(w))
            }
        }
        statistics.initialPairs = changes.pairs.count
        pairCounts = PairCountTable(minimumCapacity: changes.pairs.count)
        for (index, pair) in changes.pairs.enumerated() where changes.deltas[index] != 0 {
            pairCounts.add(pair, changes.deltas[index])
        }
        // Every pair with a count, in pair order (sequence numbers never depend on hashing); a
        // pair in one word refers to it inline, the others get a list filled below. Those below
        // the threshold go to the temporary file once their lists are filled.
        var lists = [Int32](repeating: -1, count: changes.pairs.count)
        let queued = (0..<changes.pairs.count).filter { changes.deltas[$0] > 0 }
            .sorted { changes.pairs[$0] < changes.pairs[$1] }
        positionLists.reserveCapacity(queued.reduce(0) { $0 + (changes.tallies[$1] > 1 ? Int(changes.tallies[$1]) : 0) })
        var later: [(index: Int, sequence: UInt32, positions: Int32)] = []
        for index in queued {
            let positions: Int32
            if changes.tallies[index] == 1 {
                positions = -1 - changes.lastWord(of: index)
            } else {
                positions = positionLists.allocate(length: Int(changes.tallies[index]))
                lists[index] = positions
            }
            // (Fewer pairs than 2³² here: no renumbering can come between these numbers.)
            if changes.deltas[index] >= threshold || keepsAllEntries {
                try push(count: changes.deltas[index], pair: changes.pairs[index], positions: positions)
            } else {
                later.append((index, try nextSequence(), positions))
            }
        }
        var filled = [Int32](repeating: 0, count: changes.pairs.count)
        changes.forgetLastWords()
        for w in 0..<starts.count {
            let start = starts[w], length = Int(lengths[w])
            guard length > 1 else { continue }
            for i in start..<(start + length - 1) {
                let index = changes.index(of: pack(symbols[i], symbols[i + 1]))
                let list = lists[index]
                guard list >= 0, changes.lastWord(of: index) != Int32(w) else { continue }
                changes.markLastWord(of: index, Int32(w))
                positionLists.set(list, at: Int(filled[index]), to: Int32(w))
                filled[index] += 1
            }
        }
        for entry in later {
            try drop(count: changes.deltas[entry.index], pair: changes.pairs[entry.index], sequence: entry.sequence,
                     positions: entry.positions)
        }
        // The dropped lists were most of the buffer: give their room back.
        positionLists.shrinkToFit()
        statistics.peakPairs = pairCounts.count
        updatePeakMemory()
    }

    /// Adds the recorded changes to the pair counts and queues every pair that gained
    /// occurrences (and can still be merged) with the words where it gained them.
    mutating func apply(_ changes: inout MergeChanges) throws {
        for (index, pair) in changes.pairs.enumerated() where changes.deltas[index] != 0 {
            pairCounts.add(pair, changes.deltas[index])
        }
        if !changes.freshIndex.isEmpty {
            // Group the new positions by pair (words stay in ascending order within a pair)
            // and queue the pairs in pair order, so sequence numbers never depend on hashing.
            var lists = [[Int32]](repeating: [], count: changes.pairs.count)
            for (i, index) in changes.freshIndex.enumerated() { lists[Int(index)].append(changes.freshWord[i]) }
            let order = (0..<changes.pairs.count).filter { !lists[$0].isEmpty }
                .sorted { changes.pairs[$0] < changes.pairs[$1] }
            for index in order {
                let pair = changes.pairs[index]
                let count = pairCounts[pair]
                guard count > 0 else { continue }
                if count >= threshold || keepsAllEntries {
                    try push(count: count, pair: pair, positions: positionsReference(lists[index]))
                } else {
                    let number = try nextSequence()
                    try lists[index].withUnsafeBufferPointer {
                        try dropped.append(count: count, pair: pair, sequence: UInt64(number), words: $0)
                    }
                }
            }
        }
        changes.reset()
    }

    func estimatedMemory() -> Int {
        wordTableBytes + pairCounts.memoryBytes + queue.memoryBytes
            + positionLists.memoryBytes + tokenBytes.reduce(0) { $0 + $1.count + 48 } * 2
    }

    mutating func updatePeakMemory() {
        statistics.peakMemoryBytes = max(statistics.peakMemoryBytes, estimatedMemory())
    }

    // MARK: Merge loop

    mutating func mergeLoop(progress: WordPieceTrainer.MergeProgress?) throws {
        let target = options.vocabSize - tokens.count
        var changes = MergeChanges()
        var merges = 0
        while true {
            if tokens.count >= options.vocabSize { statistics.stopReason = .vocabSizeReached; break }
            if !lastPhase && (queue.top.map { $0.count < threshold } ?? true) {
                // Every entry left, queued or dropped, is below the threshold: from here on the
                // queue holds them all, as HF's does (a merged pair keeps its count, so an old
                // entry of it can be refreshed to that count and merged again).
                lastPhase = true
                try dropped.drain { count, pair, sequence, words in
                    queue.push(QueueEntry(count: count, pair: pair, positions: positionsReference(words),
                                          sequence: UInt32(truncatingIfNeeded: sequence)))
                }
            }
            guard var top = queue.pop() else { statistics.stopReason = .noPairsLeft; break }
            let current = pairCounts[top.pair]
            if top.count != current {
                if current < threshold && !keepsAllEntries {
                    // It cannot come up before the last phase (the queue's top holds at least
                    // the threshold until then): into the file with its refreshed count.
                    try drop(count: current, pair: top.pair, sequence: top.sequence, positions: top.positions)
                    continue
                }
                // Stale: refresh the count and requeue with the same (old) positions.
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || top.count < options.minFrequency {
                statistics.stopReason = top.count < 1 ? .noPairsLeft : .belowMinFrequency
                break
            }
            let left = Int32(truncatingIfNeeded: top.pair >> 32)
            let right = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            var rightBytes = tokenBytes[Int(right)]
            if rightBytes.starts(with: prefixBytes) { rightBytes.removeFirst(prefixBytes.count) }
            let merged = addToken(tokenBytes[Int(left)] + rightBytes, kind: .merged, count: top.count, rank: merges)
            merges += 1

            if top.positions < 0 {
                mergeWord(Int(-1 - top.positions), left: left, right: right, merged: merged, changes: &changes)
            } else {
                for k in 0..<positionLists.count(of: top.positions) {
                    mergeWord(Int(positionLists[top.positions, k]), left: left, right: right, merged: merged,
                              changes: &changes)
                }
            }
            release(top.positions)
            try apply(&changes)
            statistics.peakPairs = max(statistics.peakPairs, pairCounts.count)
            if merges & 1023 == 0 {
                updatePeakMemory()
                progress?(merges, target)
            }
        }
        statistics.merges = merges
        updatePeakMemory()
        progress?(merges, merges)
    }

    /// Writes an entry below the threshold to the temporary file and frees its list.
    mutating func drop(count: Int64, pair: PackedPair, sequence: UInt32, positions: Int32) throws {
        if positions < 0 {
            var word = -1 - positions
            try withUnsafePointer(to: &word) {
                try dropped.append(count: count, pair: pair, sequence: UInt64(sequence), words: UnsafeBufferPointer(start: $0, count: 1))
            }
        } else {
            var words: [Int32] = []
            words.reserveCapacity(positionLists.count(of: positions))
            for k in 0..<positionLists.count(of: positions) { words.append(positionLists[positions, k]) }
            try words.withUnsafeBufferPointer { try dropped.append(count: count, pair: pair, sequence: UInt64(sequence), words: $0) }
            positionLists.release(positions)
        }
    }

    /// Frees the list a queue entry referred to (an inline word has none).
    mutating func release(_ positions: Int32) {
        if positions >= 0 { positionLists.release(positions) }
    }

    /// Replaces every non-overlapping occurrence of `(left, right)` in word `w`, left to right,
    /// recording the pair-count changes of its neighbours.
    @inline(__always)
    mutating func mergeWord(_ w: Int, left: Int32, right: Int32, merged: Int32, changes: inout MergeChanges) {
        let start = starts[w]
        let end = start + Int(lengths[w])
        let count = wordCounts[w]
        let word = Int32(w)
        var read = start, write = start
        var changed = false
        while read < end {
            if symbols[read] == left && read + 1 < end && symbols[read + 1] == right {
                changed = true
                if write > start {
                    // The preceding symbol may itself be a product of this scan.
                    let previous = symbols[write - 1]
                    changes.remove(pack(previous, left), count)
                    changes.add(pack(previous, merged), count, word: word)
                }
                if read + 2 < end {
                    let next = symbols[read + 2]
                    changes.remove(pack(right, next), count)
                    changes.add(pack(merged, next), count, word: word)
                }
                symbols[write] = merged
                write += 1
                read += 2
            } else {
                if changed { symbols[write] = symbols[read] }
                write += 1
                read += 1
            }
        }
        lengths[w] = Int32(write - start)
    }
}
