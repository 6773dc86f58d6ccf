import Foundation

/// LinMaxMatch's failure links and failure pops (Song et al., "Fast WordPiece Tokenization",
/// 2021) over a plain trie, so that WordPiece's greedy longest-match-first reads each byte of a
/// word once instead of walking past the longest match and walking the rest again.
///
/// For a state `v` spelling `s` (after the continuation prefix when `v` lies below the
/// continuation root) the greedy matcher, when the next byte has no edge from `v`, emits the
/// longest token that is a prefix of `s`, then of what remains, and so on until the remainder
/// (inside a word, so with the prefix) is a state again: those tokens are `v`'s failure pops,
/// that state its failure link. A token state pops itself and links to the continuation root;
/// a state whose remainder can never be matched links to nothing (the word is unknown).
///
/// States below the continuation root are computed as "inside a word" and the others as "at a
/// word's start"; the two meet only for words that start with the prefix itself, which
/// ``WordPieceTrie/matchWord(_:into:)`` leaves to the plain walk.
struct FailureLinks {
    /// `failure[node]`: a node, ``continuation`` or -1.
    var failure: [Int32]
    /// `popsStart[node]`: where a non-token node's pops start in ``pops``, or -1 for none.
    var popsStart: [Int32]
    /// The pops of every non-token node with a failure link, each list ended by -1.
    var pops: [Int32]

    /// The failure link to the continuation root (which may have no node of its own).
    static let continuation: Int32 = -2

    /// - Parameters:
    ///   - children: each node's children, sorted by byte (node 0 is the root).
    ///   - values: each node's token id, or -1.
    ///   - continuationNode: the node the continuation prefix spells (the root for an empty
    ///     prefix), or -1 when no token has the prefix.
    init(children: [[(byte: UInt8, node: Int32)]], values: [Int32], continuationNode: Int) {
        failure = [Int32](repeating: -1, count: children.count)
        popsStart = [Int32](repeating: -1, count: children.count)
        pops = []
        var scratch: [Int32] = []
        // Inside-a-word states first: the links of the others lead only there.
        if continuationNode >= 0 { visit(from: continuationNode, skipping: -1, children, values, continuationNode, &scratch) }
        if continuationNode != 0 { visit(from: 0, skipping: continuationNode, children, values, continuationNode, &scratch) }
    }

    /// Breadth first from `start` (whose own link stays -1), not entering `skipped`.
    private mutating func visit(from start: Int, skipping skipped: Int, _ children: [[(byte: UInt8, node: Int32)]],
                                _ values: [Int32], _ continuationNode: Int, _ list: inout [Int32]) {
        var queue = [start]
        var head = 0
        while head < queue.count {
            let u = queue[head]
            head += 1
            for (byte, child) in children[u] {
                let v = Int(child)
                if v == skipped { continue }
                queue.append(v)
                if values[v] >= 0 {
                    failure[v] = Self.continuation
                    continue
                }
                // The parent's pops, then those of each link tried until one has an edge on `byte`.
                list.removeAll(keepingCapacity: true)
                appendPops(of: u, to: &list, values, continuationNode)
                var z = failure[u]
                while z != -1 {
                    let node = z == Self.continuation ? continuationNode : Int(z)
                    if node >= 0 {
                        let next = WordPieceTrie.child(of: node, byte, in: children)
                        if next >= 0 {
                            failure[v] = Int32(next)
                            popsStart[v] = Int32(pops.count)
                            pops += list
                            pops.append(-1)
                            break
                        }
                        appendPops(of: node, to: &list, values, continuationNode)
                        z = failure[node]
                    } else {
                        z = -1  // the continuation root without a node: no edges, no link
                    }
                }
            }
        }
    }

    /// Appends what node `x` pops: its token, or its stored list (nothing for the continuation
    /// root, an empty remainder).
    private func appendPops(of x: Int, to list: inout [Int32], _ values: [Int32], _ continuationNode: Int) {
        if x == continuationNode { return }
        if values[x] >= 0 {
            list.append(values[x])
        } else if popsStart[x] >= 0 {
            var k = Int(popsStart[x])
            while pops[k] >= 0 {
                list.append(pops[k])
                k += 1
            }
        }
    }
}

extension WordPieceTrie {
    /// WordPiece of one word (its UTF-8 bytes): the ids of greedy longest-match-first with the
    /// continuation prefix after the first piece, written at `ids` (room for `word.count` ids).
    /// Returns how many, or nil when some position matches no token (HF's `[UNK]` for the whole
    /// word). Each byte is read once: when a byte has no edge the state's failure pops are
    /// emitted and the walk goes on from its failure link.
    @inline(__always)
    func matchWord(_ word: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutablePointer<Int32>) -> Int? {
        let n = word.count
        guard n > 0, let p = word.baseAddress else { return 0 }
        // Only a word starting with the prefix's first byte can start with the prefix.
        if Int(p[0]) == conflictingPrefixFirstByte, n >= conflictingPrefix.count,
           conflictingPrefix.withUnsafeBufferPointer({ memcmp(p, $0.baseAddress!, $0.count) == 0 }) {
            return matchWordByWalks(word, into: ids)
        }
        let slots = self.slots, capacity = self.capacity, inside = Int(linearContinuationRoot), pops = self.pops
        var state = Int(Self.root)
        var i = 0
        var k = 0
        while true {
            if i < n {
                let t = Int(slots[state].base) &+ Int(p[i]) &+ 1
                if t < capacity, slots[t].check == Int32(truncatingIfNeeded: state) {
                    state = t
                    i += 1
                    continue
                }
            } else if state == inside {
                return k
            }
            // No edge (or the word's end): pop, then follow the link.
            let slot = slots[state]
            guard slot.failure >= 0 else { return nil }
            if slot.value >= 0 {
                ids[k] = slot.value
                k += 1
            } else {
                var q = Int(-2 - slot.value)
                while pops[q] >= 0 {
                    ids[k] = pops[q]
                    k += 1
                    q += 1
                }
            }
            state = Int(slot.failure)
        }
    }

    /// The same pieces by repeated ``longestMatch(_:from:state:)`` walks (each goes past the
    /// longest match until the trie has no edge, and the next starts again at the match's end).
    func matchWordByWalks(_ word: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutablePointer<Int32>) -> Int? {
        var k = 0
        var position = 0
        var state = Self.root
        while position < word.count {
            let (id, end) = state >= 0 ? longestMatch(word, from: position, state: state) : (-1, 0)
            guard id >= 0 else { return nil }
            ids[k] = id
            k += 1
            position = end
            state = continuationRoot
        }
        return k
    }
}
