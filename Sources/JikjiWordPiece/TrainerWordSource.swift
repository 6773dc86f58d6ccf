// Where the merge engine reads words from: a table in memory, or a count file read as a stream.
// The engine reads its words twice (once for the alphabet, once to split them into symbols) and
// keeps only the symbols, so training from a count file never holds the words' bytes, nor a hash
// table of them, next to the merge tables.

/// Words with their counts, readable more than once in the same order.
protocol TrainerWordSource {
    /// Calls `body` with every word's UTF-8 bytes and its count, in the same order at every call.
    func forEachWord(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) throws
}

extension WordCounts: TrainerWordSource {
    func forEachWord(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) throws {
        for index in 0..<distinctCount {
            let count = count(at: index)
            try withWordBytes(at: index) { try body($0, count) }
        }
    }
}

/// A count file (``WordCountFileReader``'s format), read from its start at every pass.
struct CountFileWords: TrainerWordSource {
    /// The count file.
    let path: String

    func forEachWord(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) throws {
        var reader = try WordCountFileReader(path: path)
        while let entry = try reader.next() {
            try entry.word.withUnsafeBufferPointer { try body($0, entry.count) }
        }
    }
}
