/// A double-array trie over the UTF-8 bytes of a vocabulary's tokens.
///
/// A transition from state `s` on byte `b` goes to `t = base[s] + b + 1` when `check[t] == s`, so a
/// step costs two loads and a compare. WordPiece's greedy longest-match-first is then a single walk
/// from the word's current position that remembers the last state holding a token (the longest
/// vocabulary entry that is a prefix of the rest of the word) instead of HF's shrink-and-look-up
/// loop, which hashes every candidate substring.
///
/// `@unchecked Sendable` (for the raw arrays): every property is a `let`, and the arrays behind
/// the pointers are written only in `init`, before the trie is shared between encoding threads.
final class WordPieceTrie: @unchecked Sendable {
    /// One slot: `base` (offset of its children), `check` (its parent, or -1 when free),
    /// `value` and `failure`, side by side so that a step of a walk touches one cache line
    /// instead of several.
    ///
    /// `value` is the id of the token spelled by the path to the slot when it is one (≥ 0);
    /// otherwise -1, or `-2 - k` when the failure pops of the state start at `pops[k]` (see
    /// ``FailureLinks``). `failure` is the state a linear walk moves to when the next byte has no
    /// edge (-1: the word is unknown).
    struct Slot {
        var base: Int32
        var check: Int32
        var value: Int32
        var failure: Int32 = -1
    }

    /// The slots.
    let slots: UnsafeMutablePointer<Slot>
    /// Number of slots.
    let capacity: Int
    /// The state reached from the root by the continuation prefix (`##`), or -1 when no token
    /// starts with it.
    let continuationRoot: Int32
    /// Failure pops of the states that are not tokens, each list ended by -1.
    let pops: UnsafeMutablePointer<Int32>
    /// The state of an empty remainder inside a word for ``matchWord(_:into:)``: the
    /// continuation root, or a state of its own without edges when no token has the prefix.
    let linearContinuationRoot: Int32
    /// The continuation prefix's bytes when a word starting with them would reach states whose
    /// failure links mean "inside a word" from the root (``matchWord(_:into:)`` then takes the
    /// plain walk); empty otherwise.
    let conflictingPrefix: [UInt8]
    /// ``conflictingPrefix``'s first byte, or -1 when it is empty.
    let conflictingPrefixFirstByte: Int

    /// The root state.
    static let root: Int32 = 0

    /// Builds the trie of `tokens` (token `i` has id `i`); tokens for which `include(i)` is false
    /// (holes) are left out.
    init(tokens: [String], prefix: String, include: (Int) -> Bool) {
        // 1. A plain trie with sorted child lists, built by inserting every token.
        var children: [[(byte: UInt8, node: Int32)]] = [[]]
        var values: [Int32] = [-1]
        for (id, token) in tokens.enumerated() where include(id) {
            var node = 0
            for byte in token.utf8 {
                // Searched in place: a copy of the list held across the insert below would make
                // the insert copy the whole list.
                let (lo, child) = children[node].withUnsafeBufferPointer { list -> (Int, Int32) in
                    var lo = 0, hi = list.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if list[mid].byte < byte { lo = mid + 1 } else { hi = mid }
                    }
                    return (lo, lo < list.count && list[lo].byte == byte ? list[lo].node : -1)
                }
                if child >= 0 {
                    node = Int(child)
                } else {
                    let fresh = Int32(children.count)
                    children.append([])
                    values.append(-1)
                    children[node].insert((byte, fresh), at: lo)
                    node = Int(fresh)
                }
            }
            values[node] = Int32(id)
        }

        // 2. Place the nodes breadth first: each node's children get the lowest base at which
        //    all their slots are free. Free slots form a linked list, so the search skips the
        //    occupied ones instead of testing every offset.
        var size = max(1024, children.count * 2 + 512)
        var baseArray = [Int32](repeating: 0, count: size)
        var checkArray = [Int32](repeating: -1, count: size)
        var valueArray = [Int32](repeating: -1, count: size)
        // nextFree[i] / previousFree[i]: neighbours of free slot i; slot `size` ends the list.
        var nextFree = [Int32](unsafeUninitializedCapacity: size + 1) { b, n in
            for i in 0...size { b[i] = Int32(i + 1) }
            n = size + 1
        }
        var previousFree = [Int32](unsafeUninitializedCapacity: size + 1) { b, n in
            for i in 0...size { b[i] = Int32(i - 1) }
            n = size + 1
        }
        var freeHead: Int32 = 1  // slot 0 is the root's
        previousFree[1] = -1
        func occupy(_ t: Int) {
            let before = Int(previousFree[t]), after = Int(nextFree[t])
            if before >= 0 { nextFree[before] = Int32(after) } else { freeHead = Int32(after) }
            previousFree[after] = Int32(before)
        }
        func grow(to needed: Int) {
            let grown = max(size * 2, needed + 1)
            baseArray += [Int32](repeating: 0, count: grown - size)
            checkArray += [Int32](repeating: -1, count: grown - size)
            valueArray += [Int32](repeating: -1, count: grown - size)
            // The end marker `size` becomes an ordinary free slot chained to the new ones.
            let lastFree = previousFree[size]
            nextFree += [Int32](repeating: 0, count: grown - size)
            previousFree += [Int32](repeating: 0, count: grown - size)
            for i in size...grown {
                nextFree[i] = Int32(i + 1)
                previousFree[i] = Int32(i - 1)
            }
            previousFree[size] = lastFree
            if lastFree < 0 { freeHead = Int32(size) }
            size = grown
        }
        var slotOfNode = [Int32](repeating: -1, count: children.count)
        slotOfNode[0] = 0
        checkArray[0] = Int32.max  // the root's slot is taken (and has no parent)
        valueArray[0] = values[0]
        var queue: [Int] = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            let list = children[node]
            guard !list.isEmpty else { continue }
            let slot = Int(slotOfNode[node])
            let firstCode = Int(list[0].byte) + 1
            let lastCode = Int(list[list.count - 1].byte) + 1
            var candidate = Int(freeHead)
            var b: Int
            search: while true {
                if candidate + 257 >= size { grow(to: candidate + 258) }
                b = candidate - firstCode
                if b >= 0, b + lastCode < size {
                    var fits = true
                    for child in list.dropFirst() where checkArray[b + Int(child.byte) + 1] != -1 {
                        fits = false
                        break
                    }
                    if fits { break search }
                }
                candidate = Int(nextFree[candidate])
            }
            baseArray[slot] = Int32(b)
            for child in list {
                let t = b + Int(child.byte) + 1
                checkArray[t] = Int32(slot)
                valueArray[t] = values[Int(child.node)]
                slotOfNode[Int(child.node)] = Int32(t)
                occupy(t)
                queue.append(Int(child.node))
            }
        }

        // 3. Failure links (LinMaxMatch) over the plain trie, then moved to the slots.
        var prefixNode = 0
        for byte in prefix.utf8 where prefixNode >= 0 {
            prefixNode = Self.child(of: prefixNode, byte, in: children)
        }
        // No token has the prefix: a state of its own, in a free slot, stands for "inside a word".
        var linearRoot = Int32(-1)
        if prefixNode < 0 {
            var free = 1
            while checkArray[free] != -1 { free += 1 }
            checkArray[free] = Int32.min  // taken, and no state is its parent
            baseArray[free] = 0
            valueArray[free] = -1
            linearRoot = Int32(free)
        }
        let links = FailureLinks(children: children, values: values, continuationNode: prefixNode)
        var failureArray = [Int32](repeating: -1, count: size)
        for node in 0..<children.count where slotOfNode[node] >= 0 {
            let slot = Int(slotOfNode[node])
            let f = links.failure[node]
            failureArray[slot] = f == FailureLinks.continuation
                ? (linearRoot >= 0 ? linearRoot : slotOfNode[prefixNode]) : f >= 0 ? slotOfNode[Int(f)] : -1
            if values[node] < 0, links.popsStart[node] >= 0 { valueArray[slot] = -2 - links.popsStart[node] }
        }
        pops = .allocate(capacity: links.pops.count)
        pops.initialize(from: links.pops, count: links.pops.count)

        capacity = size
        slots = .allocate(capacity: size)
        for i in 0..<size {
            (slots + i).initialize(to: Slot(base: baseArray[i], check: checkArray[i], value: valueArray[i],
                                            failure: failureArray[i]))
        }

        continuationRoot = prefix.isEmpty ? Self.root : prefixNode >= 0 ? slotOfNode[prefixNode] : -1
        linearContinuationRoot = linearRoot >= 0 ? linearRoot : continuationRoot
        conflictingPrefix = prefix.isEmpty || prefixNode < 0 ? [] : Array(prefix.utf8)
        conflictingPrefixFirstByte = conflictingPrefix.first.map(Int.init) ?? -1
    }

    /// The child of plain-trie `node` on `byte`, or -1.
    static func child(of node: Int, _ byte: UInt8, in children: [[(byte: UInt8, node: Int32)]]) -> Int {
        children[node].withUnsafeBufferPointer { list in
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].byte < byte { lo = mid + 1 } else { hi = mid }
            }
            return lo < list.count && list[lo].byte == byte ? Int(list[lo].node) : -1
        }
    }

    deinit {
        pops.deallocate()
        slots.deallocate()
    }

    /// The longest token that is a prefix of `bytes[from...]`, walking from `state` (the root, or
    /// ``continuationRoot`` for a piece inside a word). Returns its id and end, or id -1.
    @inline(__always)
    func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, state start: Int32) -> (id: Int32, end: Int) {
        let slots = self.slots, capacity = self.capacity
        var state = Int(start)
        var bestId: Int32 = -1
        var bestEnd = from
        var p = from
        let n = bytes.count
        while p < n {
            let t = Int(slots[state].base) + Int(bytes[p]) + 1
            guard t < capacity else { break }
            let slot = slots[t]
            guard slot.check == Int32(truncatingIfNeeded: state) else { break }
            state = t
            p += 1
            if slot.value >= 0 {
                bestId = slot.value
                bestEnd = p
            }
        }
        return (bestId, bestEnd)
    }
}
