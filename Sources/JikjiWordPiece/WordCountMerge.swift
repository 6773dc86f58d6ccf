// Merging count files: a streaming k-way merge of sorted tables (counts add, so the order of
// the shards changes nothing but the order of the provenance list).
import HeapModule
import JikjiIO

/// What a merge wrote.
public struct WordCountMergeResult: Sendable {
    /// The merged file's header (settings, every input's parts in input order).
    public var header: WordCountHeader
    /// How many files were merged.
    public var inputs: Int
    /// Distinct words of the merged table.
    public var distinctWords: Int
    /// The sum of its counts.
    public var totalWords: Int64
}

/// Merges count files into one.
public enum WordCountMerger {
    /// Merges the count files at `paths` into `output` (committed at the end): every word once,
    /// with the sum of its counts, in byte order; the corpus parts of all inputs, in input order.
    /// Memory holds one entry per input, whatever their sizes.
    ///
    /// - Throws: ``WordCountFileError/settingsDiffer(file:reference:differences:)`` naming the
    ///   settings that differ from the first input's, before anything is written; any reading
    ///   error of ``WordCountFileReader``.
    public static func merge(paths: [String], into output: OutputFile) throws -> WordCountMergeResult {
        guard !paths.isEmpty else {
            throw WordPieceTrainerError.invalidOption(name: "shards", value: "", reason: "give at least one count file")
        }
        var readers = try paths.map { try WordCountFileReader(path: $0) }
        let settings = readers[0].header.settings
        for reader in readers.dropFirst() where reader.header.settings != settings {
            throw WordCountFileError.settingsDiffer(file: reader.path, reference: readers[0].path,
                                                    differences: reader.header.settings.differences(from: settings))
        }
        let header = WordCountHeader(settings: settings, parts: readers.flatMap(\.header.parts))
        var sink = try WordCountFileSink(header: header, output: output)
        var heap = Heap<MergeEntry>()
        for index in readers.indices {
            if let entry = try readers[index].next() { heap.insert(MergeEntry(word: entry.word, count: entry.count, input: index)) }
        }
        while let smallest = heap.popMin() {
            var count = smallest.count
            if let entry = try readers[smallest.input].next() {
                heap.insert(MergeEntry(word: entry.word, count: entry.count, input: smallest.input))
            }
            while let same = heap.min, same.word == smallest.word {
                _ = heap.popMin()
                let (sum, overflow) = count.addingReportingOverflow(same.count)
                guard !overflow else { throw WordCountFileError.countOverflow(file: readers[same.input].path, line: 0) }
                count = sum
                if let entry = try readers[same.input].next() {
                    heap.insert(MergeEntry(word: entry.word, count: entry.count, input: same.input))
                }
            }
            try smallest.word.withUnsafeBufferPointer { try sink.append($0, count: count) }
        }
        try sink.finish()
        return WordCountMergeResult(header: header, inputs: paths.count, distinctWords: sink.distinctWords,
                                    totalWords: sink.totalWords)
    }
}
/// One input's current entry in the merge heap: ordered by word bytes, then by input.
private struct MergeEntry: Comparable {
    var word: [UInt8]
    var count: Int64
    var input: Int

    static func < (a: MergeEntry, b: MergeEntry) -> Bool {
        a.word == b.word ? a.input < b.input : a.word.lexicographicallyPrecedes(b.word)
    }

    static func == (a: MergeEntry, b: MergeEntry) -> Bool { a.word == b.word && a.input == b.input }
}
