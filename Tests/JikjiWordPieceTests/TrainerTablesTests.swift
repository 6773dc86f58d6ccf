@testable import JikjiWordPiece
import XCTest

/// The merge engine's compact tables: the position-list arena (ids reused, dead ranges
/// reclaimed without moving any live list's words) and the pair-count table (open addressing up
/// to 3/4 full, never losing a pair).
final class TrainerTablesTests: XCTestCase {
    /// A reproducible generator (xorshift*), so a failure can be replayed.
    private struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    private func contents(_ lists: PositionLists, _ id: Int32) -> [Int32] {
        (0..<lists.count(of: id)).map { lists[id, $0] }
    }

    func testListsKeepTheirWordsAndReuseReleasedIds() {
        var lists = PositionLists()
        let a = lists.append([3, 1, 4])
        let b = lists.allocate(length: 2)
        lists.set(b, at: 0, to: 9)
        lists.set(b, at: 1, to: 7)
        XCTAssertEqual(contents(lists, a), [3, 1, 4])
        XCTAssertEqual(contents(lists, b), [9, 7])
        XCTAssertEqual(lists.liveEntries, 5)
        lists.release(a)
        XCTAssertEqual(lists.liveEntries, 2)
        let c = lists.append([5, 5, 5, 5])
        XCTAssertEqual(c, a, "a released id is handed out again")
        XCTAssertEqual(contents(lists, c), [5, 5, 5, 5])
        XCTAssertEqual(contents(lists, b), [9, 7])
    }

    /// Many lists made and released at random (enough dead entries to trigger compaction
    /// several times): every live list always reads back what was written into it.
    func testCompactionNeverChangesALiveList() {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var lists = PositionLists()
        var model: [Int32: [Int32]] = [:]
        var peakEntries = 0
        for step in 0..<40_000 {
            if !model.isEmpty && (model.count > 3_000 || Bool.random(using: &generator)) {
                let id = model.keys.randomElement(using: &generator)!
                lists.release(id)
                model[id] = nil
            } else {
                let words = (0..<Int.random(in: 1...60, using: &generator)).map { _ in Int32.random(in: 0..<1_000_000, using: &generator) }
                let id = lists.append(words)
                XCTAssertNil(model[id], "id \(id) handed out while in use")
                model[id] = words
            }
            peakEntries = max(peakEntries, model.values.reduce(0) { $0 + $1.count })
            if step % 5_000 == 0 {
                for (id, words) in model { XCTAssertEqual(contents(lists, id), words, "list \(id) at step \(step)") }
            }
        }
        for (id, words) in model { XCTAssertEqual(contents(lists, id), words, "list \(id) at the end") }
        XCTAssertEqual(lists.liveEntries, model.values.reduce(0) { $0 + $1.count })
        // Compaction reclaims the dead ranges: the buffer stays near the live peak, far below
        // the ~1.2 million entries ever written.
        XCTAssertLessThan(lists.memoryBytes, 4 * (2 * peakEntries + (1 << 16)) * 2 + 16 * 8_000)
    }

    /// Random adds (including to existing pairs and with zero-crossing deltas) agree with a
    /// dictionary across every growth step.
    func testPairCountsAgreeWithADictionaryThroughGrowth() {
        var generator = Generator(state: 42)
        var table = PairCountTable()
        var model: [UInt64: Int64] = [:]
        for _ in 0..<300_000 {
            let key = UInt64.random(in: 0..<200_000, using: &generator) << 32 | UInt64.random(in: 0..<3, using: &generator)
            let delta = Int64.random(in: -2...5, using: &generator)
            table.add(key, delta)
            model[key, default: 0] += delta
        }
        XCTAssertEqual(table.count, model.count, "pairs are never removed, even at count 0")
        for (key, value) in model { XCTAssertEqual(table[key], value) }
        XCTAssertEqual(table[UInt64(7) << 40], 0, "an unseen pair counts 0")
        XCTAssertLessThanOrEqual(model.count, table.memoryBytes / 16 / 4 * 3, "at most 3/4 full")
    }

    /// The first-step tally counts each pair's distinct words (a word counted once however many
    /// times the pair occurs in it) and remembers the last of them.
    func testTallyCountsDistinctWordsPerPair() {
        var changes = MergeChanges()
        changes.tally(10, 2, word: 0)
        changes.tally(10, 2, word: 0)
        changes.tally(11, 1, word: 0)
        changes.tally(10, 5, word: 3)
        let ten = changes.index(of: 10), eleven = changes.index(of: 11)
        XCTAssertEqual(changes.tallies[ten], 2)
        XCTAssertEqual(changes.deltas[ten], 9)
        XCTAssertEqual(changes.tallies[eleven], 1)
        XCTAssertEqual(changes.lastWord(of: eleven), 0)
        XCTAssertEqual(changes.lastWord(of: ten), 3)
        changes.forgetLastWords()
        XCTAssertEqual(changes.lastWord(of: ten), -1)
    }

    /// Shrinking after releases keeps every live list and lets the buffer go down to them.
    func testShrinkKeepsLiveListsAndGivesRoomBack() {
        var lists = PositionLists()
        var kept: [Int32: [Int32]] = [:]
        for index in 0..<2_000 {
            let words = (0..<50).map { Int32(index * 50 + $0) }
            let id = lists.append(words)
            if index % 10 == 0 { kept[id] = words } else { lists.release(id) }
        }
        let before = lists.memoryBytes
        lists.shrinkToFit()
        for (id, words) in kept { XCTAssertEqual(contents(lists, id), words) }
        XCTAssertEqual(lists.liveEntries, 200 * 50)
        XCTAssertLessThan(lists.memoryBytes, before / 2)
    }

    /// Entries written to the temporary file come back in order, with their words, and the
    /// file is empty afterwards.
    func testDroppedEntriesComeBackInOrder() throws {
        let file = DroppedEntryFile()
        try XCTSkipUnless(file.isAvailable, "no temporary file here")
        let written: [(Int64, UInt64, UInt64, [Int32])] = [(1, 7 << 32 | 9, 0, [5]), (0, 3, 1, [1, 2, 3]), (1, 4, 9, Array(0..<5_000))]
        for (count, pair, sequence, words) in written {
            try words.withUnsafeBufferPointer { try file.append(count: count, pair: pair, sequence: sequence, words: $0) }
        }
        XCTAssertEqual(file.count, 3)
        var read: [(Int64, UInt64, UInt64, [Int32])] = []
        try file.drain { read.append(($0, $1, $2, $3)) }
        XCTAssertEqual(read.count, 3)
        for (a, b) in zip(read, written) {
            XCTAssertEqual(a.0, b.0); XCTAssertEqual(a.1, b.1); XCTAssertEqual(a.2, b.2); XCTAssertEqual(a.3, b.3)
        }
        XCTAssertEqual(file.count, 0)
        var again = 0
        try file.drain { _, _, _, _ in again += 1 }
        XCTAssertEqual(again, 0)
        // Written again after a drain: only the new entries come back.
        try [Int32(42)].withUnsafeBufferPointer { try file.append(count: 2, pair: 1, sequence: 10, words: $0) }
        try file.drain { _, _, sequence, words in
            XCTAssertEqual(sequence, 10)
            XCTAssertEqual(words, [42])
            again += 1
        }
        XCTAssertEqual(again, 1)
    }
}
