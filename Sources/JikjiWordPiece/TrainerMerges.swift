// The WordPiece trainer's merge loop: HF's BPE trainer with a continuation prefix, made
// deterministic. The observable rules (spec §3) are restated here in terms of flat arrays.

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
        var engine = MergeEngine(options: options)
        return try engine.run(words: words, progress: progress)
    }
}

/// A pair of token ids packed as `left << 32 | right`; comparing packed values compares
/// `(left, right)` lexicographically.
private typealias PackedPair = UInt64

@inline(__always) private func pack(_ left: Int32, _ right: Int32) -> PackedPair {
    PackedPair(UInt32(bitPattern: left)) << 32 | PackedPair(UInt32(bitPattern: right))
}

/// One queue entry: a pair, the count it had when pushed, and the words it may occur in.
private struct QueueEntry {
    var count: Int64
    var pair: PackedPair
    /// Index into the engine's position lists.
    var positions: Int32
    /// Push sequence number: a total, reproducible order for entries of the same pair and count.
    var sequence: UInt64

    /// Whether `self` is popped before `other`.
    @inline(__always) func precedes(_ other: QueueEntry) -> Bool {
        if count != other.count { return count > other.count }
        if pair != other.pair { return pair < other.pair }
        return sequence < other.sequence
    }
}

/// A binary max-heap of queue entries ordered by ``QueueEntry/precedes(_:)``.
private struct MergeQueue {
    private(set) var entries: [QueueEntry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func push(_ entry: QueueEntry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> QueueEntry? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else { return last }
        let top = entries[0]
        entries[0] = last
        var parent = 0
        let n = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { break }
            var best = left
            if left + 1 < n && entries[left + 1].precedes(entries[left]) { best = left + 1 }
            guard entries[best].precedes(entries[parent]) else { break }
            entries.swapAt(best, parent)
            parent = best
        }
        return top
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

    var pairCounts: [PackedPair: Int64] = [:]
    /// Word-index lists referenced by queue entries; released when their entry is consumed.
    var positionLists: [[Int32]] = []
    var freeLists: [Int32] = []
    var queue = MergeQueue()
    var sequence: UInt64 = 0
    var statistics = TrainingStatistics()

    init(options: WordPieceTrainerOptions) {
        self.options = options
        self.prefixBytes = Array(options.prefix.utf8)
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

    mutating func run(words: WordCounts, progress: WordPieceTrainer.MergeProgress?) throws -> TrainedVocabulary {
        statistics.distinctWords = words.distinctCount
        statistics.totalWords = words.totalCount

        // Ids 0…: the special tokens in order, duplicates skipped.
        for special in options.specialTokens { addToken(Array(special.utf8), kind: .special, count: 0) }
        let specialCount = tokens.count

        let frequencies = Self.characterFrequencies(words)
        statistics.distinctCharacters = frequencies.count
        let kept = keptAlphabet(frequencies)
        for scalar in kept { addToken(Self.utf8(scalar), kind: .alphabet, count: frequencies[scalar] ?? 0) }
        let alphabetCount = tokens.count - specialCount

        // A character takes part when its one-character string is a token (alphabet or special).
        var initialIds: [UInt32: Int32] = [:]
        for (scalar, _) in frequencies {
            if let id = tokenIds[Self.utf8(scalar)] { initialIds[scalar] = id }
        }
        let continuationCounts = Self.continuationCounts(words, usable: initialIds)
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

        splitWords(words, initialIds: initialIds, continuationIds: continuationIds)
        countInitialPairs()
        mergeLoop(progress: progress)

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

    /// Corpus frequency of every character, weighted by word counts.
    static func characterFrequencies(_ words: WordCounts) -> [UInt32: Int64] {
        // The BMP is counted in a flat array (no hashing in the common case).
        var bmp = [Int64](repeating: 0, count: 0x10000)
        var astral: [UInt32: Int64] = [:]
        for w in 0..<words.distinctCount {
            let count = words.count(at: w)
            words.withWordBytes(at: w) { bytes in
                forEachScalar(bytes) { _, scalar in
                    if scalar < 0x10000 { bmp[Int(scalar)] += count } else { astral[scalar, default: 0] += count }
                }
            }
        }
        var all = astral
        for (scalar, count) in bmp.enumerated() where count > 0 { all[UInt32(scalar)] = count }
        return all
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

    /// Occurrences of each usable character at a non-initial position.
    static func continuationCounts(_ words: WordCounts, usable: [UInt32: Int32]) -> [UInt32: Int64] {
        var counts: [UInt32: Int64] = [:]
        for w in 0..<words.distinctCount {
            let count = words.count(at: w)
            words.withWordBytes(at: w) { bytes in
                forEachScalar(bytes) { position, scalar in
                    if position > 0 && usable[scalar] != nil { counts[scalar, default: 0] += count }
                }
            }
        }
        return counts
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
    mutating func splitWords(_ words: WordCounts, initialIds: [UInt32: Int32], continuationIds: [UInt32: Int32]) {
        let n = words.distinctCount
        starts.reserveCapacity(n)
        lengths.reserveCapacity(n)
        wordCounts.reserveCapacity(n)
        var output: [Int32] = []
        for w in 0..<n {
            let start = output.count
            words.withWordBytes(at: w) { bytes in
                Self.forEachScalar(bytes) { position, scalar in
                    if let id = position == 0 ? initialIds[scalar] : continuationIds[scalar] { output.append(id) }
                }
            }
            starts.append(start)
            lengths.append(Int32(output.count - start))
            wordCounts.append(words.count(at: w))
        }
        symbols = output
    }

    mutating func newPositionList(_ list: [Int32]) -> Int32 {
        if let free = freeLists.popLast() {
            positionLists[Int(free)] = list
            return free
        }
        positionLists.append(list)
        return Int32(positionLists.count - 1)
    }

    mutating func push(count: Int64, pair: PackedPair, positions: Int32) {
        queue.push(QueueEntry(count: count, pair: pair, positions: positions, sequence: sequence))
        sequence += 1
    }

    /// Counts every adjacent pair (weighted by word counts) and queues one entry per pair.
    mutating func countInitialPairs() {
        var where_: [PackedPair: [Int32]] = [:]
        for w in 0..<starts.count {
            let start = starts[w], length = Int(lengths[w])
            guard length > 1 else { continue }
            let count = wordCounts[w]
            for i in start..<(start + length - 1) {
                let pair = pack(symbols[i], symbols[i + 1])
                pairCounts[pair, default: 0] += count
                where_[pair, default: []].append(Int32(w))
            }
        }
        statistics.initialPairs = pairCounts.count
        statistics.peakPairs = pairCounts.count
        // Push in pair order so the queue's sequence numbers do not depend on hash order.
        for pair in where_.keys.sorted() {
            guard let count = pairCounts[pair], count > 0 else { continue }
            var list = where_[pair]!
            Self.dedupeSorted(&list)
            push(count: count, pair: pair, positions: newPositionList(list))
        }
        updatePeakMemory()
    }

    /// Removes adjacent duplicates (a list built in word order holds each word's repeats together).
    static func dedupeSorted(_ list: inout [Int32]) {
        guard list.count > 1 else { return }
        var write = 1
        for read in 1..<list.count where list[read] != list[write - 1] {
            list[write] = list[read]
            write += 1
        }
        list.removeLast(list.count - write)
    }

    func estimatedMemory() -> Int {
        let positions = positionLists.reduce(0) { $0 + $1.capacity * 4 + 32 }
        return symbols.capacity * 4 + starts.capacity * 8 + lengths.capacity * 4 + wordCounts.capacity * 8
            + pairCounts.capacity * 24 + queue.entries.capacity * MemoryLayout<QueueEntry>.stride + positions
            + tokenBytes.reduce(0) { $0 + $1.count + 48 } * 2
    }

    mutating func updatePeakMemory() {
        statistics.peakMemoryBytes = max(statistics.peakMemoryBytes, estimatedMemory())
    }

    // MARK: Merge loop

    mutating func mergeLoop(progress: WordPieceTrainer.MergeProgress?) {
        let target = options.vocabSize - tokens.count
        var deltas: [PackedPair: Int64] = [:]
        var fresh: [PackedPair: [Int32]] = [:]
        var merges = 0
        while true {
            if tokens.count >= options.vocabSize { statistics.stopReason = .vocabSizeReached; break }
            guard var top = queue.pop() else { statistics.stopReason = .noPairsLeft; break }
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
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

            let positions = positionLists[Int(top.positions)]
            positionLists[Int(top.positions)] = []
            freeLists.append(top.positions)
            for w in positions {
                mergeWord(Int(w), left: left, right: right, merged: merged, deltas: &deltas, fresh: &fresh)
            }
            for (pair, delta) in deltas where delta != 0 { pairCounts[pair, default: 0] += delta }
            deltas.removeAll(keepingCapacity: true)
            for pair in fresh.keys.sorted() {
                guard let count = pairCounts[pair], count > 0 else { continue }
                push(count: count, pair: pair, positions: newPositionList(fresh[pair]!))
            }
            fresh.removeAll(keepingCapacity: true)
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

    /// Replaces every non-overlapping occurrence of `(left, right)` in word `w`, left to right,
    /// recording the pair-count changes of its neighbours.
    @inline(__always)
    mutating func mergeWord(_ w: Int, left: Int32, right: Int32, merged: Int32,
                            deltas: inout [PackedPair: Int64], fresh: inout [PackedPair: [Int32]]) {
        let start = starts[w]
        let end = start + Int(lengths[w])
        let count = wordCounts[w]
        var read = start, write = start
        var changed = false
        while read < end {
            if symbols[read] == left && read + 1 < end && symbols[read + 1] == right {
                changed = true
                if write > start {
                    // The preceding symbol may itself be a product of this scan.
                    let previous = symbols[write - 1]
                    deltas[pack(previous, left), default: 0] -= count
                    let added = pack(previous, merged)
                    deltas[added, default: 0] += count
                    Self.appendPosition(w, to: added, &fresh)
                }
                if read + 2 < end {
                    let next = symbols[read + 2]
                    deltas[pack(right, next), default: 0] -= count
                    let added = pack(merged, next)
                    deltas[added, default: 0] += count
                    Self.appendPosition(w, to: added, &fresh)
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

    @inline(__always)
    static func appendPosition(_ w: Int, to pair: PackedPair, _ fresh: inout [PackedPair: [Int32]]) {
        let word = Int32(w)
        if fresh[pair]?.last != word { fresh[pair, default: []].append(word) }
    }
}
