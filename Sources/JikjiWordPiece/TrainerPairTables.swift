// Hash tables keyed by packed token pairs for the merge loop. Swift's Dictionary hashes with
// SipHash and boxes array values; these use one multiply per lookup and flat storage.

/// The empty-slot marker: packed pairs of non-negative Int32 ids never have the top bit set.
private let emptyKey = UInt64.max

@inline(__always) private func slotHash(_ key: UInt64, _ shift: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
}

/// Pair → 64-bit count, open addressing with linear probing. Pairs are never removed (HF keeps
/// every pair it has seen, with count 0 once gone). The load factor goes up to 3/4: the table is
/// the trainer's largest, and the multiplicative hash of packed pairs keeps probes short there.
struct PairCountTable {
    private var keys: [UInt64]
    private var values: [Int64]
    private var shift: UInt64
    /// Distinct pairs stored.
    private(set) var count = 0

    init(minimumCapacity: Int = 1024) {
        var size = 1024
        while size / 4 * 3 < minimumCapacity { size *= 2 }
        keys = [UInt64](repeating: emptyKey, count: size)
        values = [Int64](repeating: 0, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Bytes held by the table.
    var memoryBytes: Int { keys.count * 16 }

    @inline(__always) private func slot(of key: UInt64) -> Int {
        let mask = keys.count - 1
        var slot = slotHash(key, shift)
        while true {
            let found = keys[slot]
            if found == key || found == emptyKey { return slot }
            slot = (slot + 1) & mask
        }
    }

    /// The count of `key` (0 when never seen).
    @inline(__always) subscript(key: UInt64) -> Int64 {
        let slot = slot(of: key)
        return keys[slot] == key ? values[slot] : 0
    }

    /// Adds `delta` to the count of `key`, inserting it when new.
    @inline(__always) mutating func add(_ key: UInt64, _ delta: Int64) {
        let slot = slot(of: key)
        if keys[slot] == key {
            values[slot] += delta
            return
        }
        keys[slot] = key
        values[slot] = delta
        count += 1
        if count > keys.count / 4 * 3 { grow() }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: emptyKey, count: oldKeys.count * 2)
        values = [Int64](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (index, key) in oldKeys.enumerated() where key != emptyKey {
            var slot = slotHash(key, shift)
            while keys[slot] != emptyKey { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = oldValues[index]
        }
    }
}

/// The pair-count changes of one merge step, and the words where each pair newly appeared.
///
/// Pairs get dense indices in order of first change; `reset()` clears only what was used.
struct MergeChanges {
    private var slots: [Int32]  // table slot → index + 1 (0: empty)
    private var shift: UInt64
    /// Changed pairs, by index.
    private(set) var pairs: [UInt64] = []
    /// Net change of each pair's count (already weighted by word counts).
    private(set) var deltas: [Int64] = []
    /// The table slot of each index (for reset).
    private var slotOf: [Int32] = []
    /// The last word recorded for each index (words arrive in ascending order, so this dedupes).
    private var lastWord: [Int32] = []
    /// Distinct words in which each pair was tallied (``tally(_:_:word:)``).
    private(set) var tallies: [Int32] = []
    /// (index, word) of each positive change, in arrival order.
    private(set) var freshIndex: [Int32] = []
    private(set) var freshWord: [Int32] = []

    init() {
        slots = [Int32](repeating: 0, count: 1024)
        shift = UInt64(64 - 10)
    }

    /// The dense index of `pair`, which is added when new.
    @inline(__always) mutating func index(of pair: UInt64) -> Int {
        let mask = slots.count - 1
        var slot = slotHash(pair, shift)
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if pairs[entry - 1] == pair { return entry - 1 }
            slot = (slot + 1) & mask
        }
        let index = pairs.count
        pairs.append(pair)
        deltas.append(0)
        lastWord.append(-1)
        tallies.append(0)
        slotOf.append(Int32(slot))
        slots[slot] = Int32(index + 1)
        if pairs.count * 2 > slots.count { grow() }
        return index
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        shift -= 1
        let mask = slots.count - 1
        for (index, pair) in pairs.enumerated() {
            var slot = slotHash(pair, shift)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
            slotOf[index] = Int32(slot)
        }
    }

    /// Records that `pair` lost `amount` occurrences.
    @inline(__always) mutating func remove(_ pair: UInt64, _ amount: Int64) {
        deltas[index(of: pair)] -= amount
    }

    /// Records that `pair` gained `amount` occurrences in word `word`.
    @inline(__always) mutating func add(_ pair: UInt64, _ amount: Int64, word: Int32) {
        let i = index(of: pair)
        deltas[i] += amount
        if lastWord[i] != word {
            lastWord[i] = word
            freshIndex.append(Int32(i))
            freshWord.append(word)
        }
    }

    /// Records that `pair` gained `amount` occurrences in word `word` and counts the distinct
    /// words it did so in, without listing them (the initial count lists them in a second pass).
    @inline(__always) mutating func tally(_ pair: UInt64, _ amount: Int64, word: Int32) {
        let i = index(of: pair)
        deltas[i] += amount
        if lastWord[i] != word {
            lastWord[i] = word
            tallies[i] += 1
        }
    }

    /// The last word recorded for pair index `index` (with a tally of 1, its only word).
    func lastWord(of index: Int) -> Int32 { lastWord[index] }

    /// Sets the last word recorded for pair index `index`.
    mutating func markLastWord(of index: Int, _ word: Int32) { lastWord[index] = word }

    /// Forgets which word each pair was last recorded in (to list them again from the start).
    mutating func forgetLastWords() {
        for i in lastWord.indices { lastWord[i] = -1 }
    }

    /// Forgets every change, keeping capacity.
    mutating func reset() {
        for slot in slotOf { slots[Int(slot)] = 0 }
        pairs.removeAll(keepingCapacity: true)
        deltas.removeAll(keepingCapacity: true)
        slotOf.removeAll(keepingCapacity: true)
        lastWord.removeAll(keepingCapacity: true)
        tallies.removeAll(keepingCapacity: true)
        freshIndex.removeAll(keepingCapacity: true)
        freshWord.removeAll(keepingCapacity: true)
    }
}
