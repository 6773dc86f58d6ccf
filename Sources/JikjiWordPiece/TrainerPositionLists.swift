// The word lists of the merge queue's entries ("where may this pair occur"), in one arena.
// A Swift array per list costs a heap block with a 32-byte header; most lists hold a handful of
// words, so the headers and the allocator's rounding outweighed the words. Here every list is a
// range of one flat Int32 buffer, addressed by a small id, and freed ranges are reclaimed by
// sliding the live ones down when more than half of the buffer is dead.

/// Lists of word indices, each a range of one shared buffer; ids are reused once released.
struct PositionLists {
    private var storage: [Int32] = []
    /// Start of list `id` in `storage`.
    private var starts: [Int] = []
    /// Length of list `id`; 0 marks a released id (live lists are never empty).
    private var lengths: [Int32] = []
    private var freeIds: [Int32] = []
    /// Entries of `storage` that belong to released lists.
    private var dead = 0

    /// Entries held by live lists.
    var liveEntries: Int { storage.count - dead }

    /// Bytes held (buffer capacity and per-list tables).
    var memoryBytes: Int { storage.capacity * 4 + starts.capacity * 8 + lengths.capacity * 4 + freeIds.capacity * 4 }

    /// Makes room for `entries` more words without growing (growth briefly holds two buffers).
    mutating func reserveCapacity(_ entries: Int) {
        storage.reserveCapacity(storage.count + entries)
    }

    /// Makes a list of `length` (≥ 1) zeros, to be filled with ``set(_:at:to:)``; returns its id.
    mutating func allocate(length: Int) -> Int32 {
        compactIfMostlyDead()
        let id: Int32
        if let free = freeIds.popLast() {
            id = free
            starts[Int(id)] = storage.count
            lengths[Int(id)] = Int32(length)
        } else {
            id = Int32(starts.count)
            starts.append(storage.count)
            lengths.append(Int32(length))
        }
        storage.append(contentsOf: repeatElement(0, count: length))
        return id
    }

    /// A new list holding `words`, in order.
    mutating func append(_ words: [Int32]) -> Int32 {
        let id = allocate(length: words.count)
        let start = starts[Int(id)]
        for (k, word) in words.enumerated() { storage[start + k] = word }
        return id
    }

    /// The number of words in list `id`.
    @inline(__always) func count(of id: Int32) -> Int { Int(lengths[Int(id)]) }

    /// Word `k` of list `id`.
    @inline(__always) subscript(id: Int32, k: Int) -> Int32 { storage[starts[Int(id)] + k] }

    /// Sets word `k` of list `id`.
    @inline(__always) mutating func set(_ id: Int32, at k: Int, to word: Int32) { storage[starts[Int(id)] + k] = word }

    /// Frees list `id` (its id may be handed out again).
    mutating func release(_ id: Int32) {
        dead += Int(lengths[Int(id)])
        lengths[Int(id)] = 0
        freeIds.append(id)
    }

    /// Compacts the lists and lets the buffer go down to their size (a copy: briefly both).
    mutating func shrinkToFit() {
        if dead > 0 { compact() }
        var copy: [Int32] = []
        copy.reserveCapacity(storage.count)
        copy.append(contentsOf: storage)
        storage = copy
    }

    /// Compacts when most of the buffer is dead; the capacity is kept (later lists reuse it).
    private mutating func compactIfMostlyDead() {
        guard dead >= 1 << 16, dead * 2 > storage.count else { return }
        compact()
    }

    /// Slides the live lists down over the dead ones, in buffer order.
    private mutating func compact() {
        var live: [Int32] = []
        live.reserveCapacity(starts.count - freeIds.count)
        for id in 0..<lengths.count where lengths[id] > 0 { live.append(Int32(id)) }
        live.sort { starts[Int($0)] < starts[Int($1)] }
        var write = 0
        storage.withUnsafeMutableBufferPointer { buffer in
            for id in live {
                let start = starts[Int(id)], length = Int(lengths[Int(id)])
                if start != write {
                    for k in 0..<length { buffer[write + k] = buffer[start + k] }
                    starts[Int(id)] = write
                }
                write += length
            }
        }
        storage.removeLast(storage.count - write)
        dead = 0
    }
}
