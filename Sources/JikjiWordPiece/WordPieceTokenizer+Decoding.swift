extension WordPieceTokenizer {
    /// HF's WordPiece decoder with cleanup: `##` pieces joined to the previous token, other tokens
    /// separated by a space, no space before `. ? ! ,`. Ids the vocabulary lacks are dropped.
    ///
    /// - Parameter skipSpecialTokens: drop the special tokens (which include `[UNK]`).
    public func decode(_ ids: [TokenID], skipSpecialTokens: Bool = true) -> String {
        var bytes: [UInt8] = []
        ids.withUnsafeBufferPointer { decoderTable.decode($0, skipSpecialTokens: skipSpecialTokens, into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes many id sequences on all cores.
    public func decodeBatch(_ sequences: [[TokenID]], skipSpecialTokens: Bool = true) -> [String] {
        var results = [String](repeating: "", count: sequences.count)
        // Decoding cannot fail, so the error path of parallelChunks is never taken.
        let table = decoderTable
        try? parallelChunks(count: sequences.count) { range, _ in
            var bytes: [UInt8] = []
            return range.map { i in
                bytes.removeAll(keepingCapacity: true)
                sequences[i].withUnsafeBufferPointer {
                    table.decode($0, skipSpecialTokens: skipSpecialTokens, into: &bytes)
                }
                return String(decoding: bytes, as: UTF8.self)
            }
        } store: { range, chunk in
            results.replaceSubrange(range, with: chunk)
        }
        return results
    }

    /// Appends the decoded UTF-8 of `ids` to `output` (no `String` made; for streaming tools).
    public func decode(_ ids: UnsafeBufferPointer<TokenID>, skipSpecialTokens: Bool = true, appendingTo output: inout [UInt8]) {
        decoderTable.decode(ids, skipSpecialTokens: skipSpecialTokens, into: &output)
    }
}
