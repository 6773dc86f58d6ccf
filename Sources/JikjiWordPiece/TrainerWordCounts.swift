// Distinct words and their counts: the only thing of the corpus the trainer keeps.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A multiset of words (UTF-8 byte strings) with 64-bit counts.
///
/// Words live back to back in one byte arena and are found through an open-addressing table
/// of word indices, so counting a word costs one hash and no allocation once it is known.
/// Memory is about `distinct bytes + 20 bytes × distinct words` (plus the table's 8 to 16).
public struct WordCounts: Sendable {
    /// All words' bytes, back to back; word `i` is `bytes[offsets[i]..<offsets[i + 1]]`.
    private var bytes: [UInt8] = []
    private var offsets: [Int] = [0]
    private var counts: [Int64] = []
    /// The low 32 bits of each word's hash: enough to place it (the table has fewer than 2³²
    /// slots) and to skip most byte comparisons, at half the memory of the full hash.
    private var hashes: [UInt32] = []
    /// Word index + 1 per slot; 0 marks an empty slot. Power-of-two size.
    private var table: [Int32] = Array(repeating: 0, count: 1024)

    /// An empty multiset.
    public init() {}

    /// The number of distinct words.
    public var distinctCount: Int { counts.count }

    /// The sum of all counts (the number of word occurrences).
    public private(set) var totalCount: Int64 = 0

    /// Approximate bytes held (arena, offsets, counts, hashes, table), for the training summary.
    public var memoryBytes: Int {
        bytes.capacity + offsets.capacity * 8 + counts.capacity * 8 + hashes.capacity * 4 + table.capacity * 4
    }

    /// The bytes of word `index` (`0..<distinctCount`), valid while `body` runs.
    public func withWordBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]]))
        }
    }

    /// Word `index` as a string.
    public func word(at index: Int) -> String {
        withWordBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The count of word `index`.
    public func count(at index: Int) -> Int64 { counts[index] }

    /// The count of `word` (0 when absent).
    public subscript(word: String) -> Int64 {
        var copy = word
        return copy.withUTF8 { utf8 in
            let hash = UInt32(truncatingIfNeeded: Self.hash(UnsafeRawBufferPointer(utf8)))
            guard let index = find(UnsafeRawBufferPointer(utf8), hash: hash).index else { return 0 }
            return counts[index]
        }
    }

    /// Adds `count` occurrences of `word`.
    public mutating func add(_ word: String, count: Int64 = 1) {
        var copy = word
        copy.withUTF8 { add(UnsafeRawBufferPointer($0), count: count) }
    }

    /// Adds `count` occurrences of the word whose UTF-8 bytes are `word` (must be valid UTF-8).
    public mutating func add(_ word: UnsafeRawBufferPointer, count: Int64 = 1) {
        add(word, hash: UInt32(truncatingIfNeeded: Self.hash(word)), count: count)
    }

    /// The word indices in ascending order of the words' bytes (how count files are sorted).
    public func indicesSortedByBytes() -> [Int] {
        var order = Array(0..<counts.count)
        bytes.withUnsafeBytes { arena in
            offsets.withUnsafeBufferPointer { offsets in
                order.sort { a, b in
                    let aStart = offsets[a], aLength = offsets[a + 1] - aStart
                    let bStart = offsets[b], bLength = offsets[b + 1] - bStart
                    let common = min(aLength, bLength)
                    let order = common == 0 ? 0 : memcmp(arena.baseAddress! + aStart, arena.baseAddress! + bStart, common)
                    return order != 0 ? order < 0 : aLength < bLength
                }
            }
        }
        return order
    }

    /// Adds every word of `other` with its count.
    public mutating func formUnion(_ other: WordCounts) {
        other.bytes.withUnsafeBytes { raw in
            for index in 0..<other.counts.count {
                let word = UnsafeRawBufferPointer(rebasing: raw[other.offsets[index]..<other.offsets[index + 1]])
                add(word, hash: other.hashes[index], count: other.counts[index])
            }
        }
    }

    private mutating func add(_ word: UnsafeRawBufferPointer, hash: UInt32, count: Int64) {
        totalCount += count
        let found = find(word, hash: hash)
        if let index = found.index {
            counts[index] += count
            return
        }
        let index = counts.count
        bytes.append(contentsOf: word)
        offsets.append(bytes.count)
        counts.append(count)
        hashes.append(hash)
        table[found.slot] = Int32(index + 1)
        // Keep the load factor at or below 1/2 so probe chains stay short.
        if counts.count * 2 > table.count { grow() }
    }

    /// The word's index if present, else the empty slot where it belongs.
    private func find(_ word: UnsafeRawBufferPointer, hash: UInt32) -> (index: Int?, slot: Int) {
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return bytes.withUnsafeBytes { arena in
            while true {
                let entry = Int(table[slot])
                if entry == 0 { return (nil, slot) }
                let index = entry - 1
                if hashes[index] == hash {
                    let start = offsets[index], end = offsets[index + 1]
                    if end - start == word.count
                        && (word.isEmpty || memcmpEqual(arena.baseAddress! + start, word.baseAddress!, word.count)) {
                        return (index, slot)
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        var newTable = [Int32](repeating: 0, count: table.count * 2)
        let mask = newTable.count - 1
        for index in 0..<counts.count {
            var slot = Int(truncatingIfNeeded: hashes[index]) & mask
            while newTable[slot] != 0 { slot = (slot + 1) & mask }
            newTable[slot] = Int32(index + 1)
        }
        table = newTable
    }

    /// A fast 64-bit hash of a byte string (8 bytes per multiply, final avalanche).
    static func hash(_ word: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(word.count)
        var i = 0
        let n = word.count
        while i + 8 <= n {
            let chunk = word.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ chunk) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(word[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
