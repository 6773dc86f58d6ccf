/// Finds special tokens verbatim in raw UTF-8 text, leftmost-longest, as HF's added vocabulary
/// does for tokens with `normalized=false` (they match anywhere, even inside a word).
struct SpecialTokenMatcher: Sendable {
    /// A special token: its bytes, id and length in characters.
    private struct Entry: Sendable {
        var bytes: [UInt8]
        var id: Int32
        var characters: Int
    }

    /// Tokens by first byte, longest first.
    private let byFirstByte: [[Entry]]
    /// Whether a byte starts some special token.
    private let starts: [Bool]

    init(vocabulary: WordPieceVocabulary) {
        var table = [[Entry]](repeating: [], count: 256)
        for token in vocabulary.specialTokens {
            guard let id = vocabulary.id(for: token), let first = token.utf8.first else { continue }
            table[Int(first)].append(Entry(bytes: Array(token.utf8), id: Int32(id), characters: token.unicodeScalars.count))
        }
        for i in table.indices { table[i].sort { $0.bytes.count > $1.bytes.count } }
        byFirstByte = table
        starts = table.map { !$0.isEmpty }
    }

    /// Whether there is no special token at all.
    var isEmpty: Bool { !starts.contains(true) }

    /// The longest special token starting at byte `i`: its id, length in bytes and in characters.
    @inline(__always)
    func match(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int32, Int, Int)? {
        guard starts[Int(bytes[i])] else { return nil }
        for entry in byFirstByte[Int(bytes[i])] where i + entry.bytes.count <= bytes.count {
            var equal = true
            for k in 1..<entry.bytes.count where bytes[i + k] != entry.bytes[k] {
                equal = false
                break
            }
            if equal { return (entry.id, entry.bytes.count, entry.characters) }
        }
        return nil
    }
}
