// Reads a corpus once, in chunks, and counts its words on all cores: the first half of training.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import JikjiIO
import JikjiText


/// How documents are read from the input files.
public struct CorpusReadingOptions: Sendable {
    /// The normalizer applied before pre-tokenization (HF's `BertNormalizer` switches).
    public var normalizer: BertNormalizerOptions
    /// When set, each document is this column's field, the files read in the format their name
    /// gives (``RecordFormat/inferred(fromPath:readsColumns:)``: CSV with RFC 4180 quoting for
    /// `.csv`, JSONL for `.jsonl`, else TSV with a header line). When `nil`, every line is a
    /// document, as in HF's file training.
    public var column: String?
    /// An optional Jikji cleaning pipeline run on each document before the normalizer (each
    /// thread compiles its own ``TextCleaner`` and cleans a whole chunk of documents per call).
    public var pipeline: CleaningPipeline?
    /// Bytes per chunk handed to one worker.
    public var chunkSize: Int
    /// Worker threads (default: all active cores).
    public var threads: Int

    /// Reading options; see each property.
    public init(normalizer: BertNormalizerOptions = BertNormalizerOptions(), column: String? = nil,
                pipeline: CleaningPipeline? = nil, chunkSize: Int = 1 << 22,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.normalizer = normalizer
        self.column = column
        self.pipeline = pipeline
        self.chunkSize = max(1 << 12, chunkSize)
        self.threads = max(1, threads)
    }
}

/// What reading a corpus produced.
public struct CorpusWordCount: Sendable {
    /// Every distinct word (normalized, pre-tokenized) with its count.
    public var words: WordCounts
    /// One fingerprint per input file, in input order.
    public var files: [FileFingerprint]
    /// Documents read (lines, minus headers).
    public var documents: Int
    /// What was read of each file (for a shard: only the files it has bytes of, and those
    /// bytes), with the fingerprint of exactly those bytes.
    public var parts: [CorpusPart]
}

/// Counts the words of a corpus in one streaming pass, on several threads.
public enum CorpusWordCounter {
    /// Progress of reading: bytes read so far and the total size of all files.
    public typealias ReadProgress = (_ bytesRead: Int64, _ totalBytes: Int64) -> Void

    /// Reads every file once, in blocks of whole records, and counts the words of each document.
    ///
    /// - Throws: ``TextInputError`` naming the file (and line) for unreadable files, a missing
    ///   column, a record with the wrong number of fields, bad CSV quoting, bytes that are not
    ///   UTF-8 or a NUL byte; ``WordPieceTrainerError/cleaningFailed(file:line:reason:)``.
    ///
    /// With `shard`, only that shard's share of the files is read (``InputShard``: the records
    /// starting in its byte range), so the counts of shards `0/N … N-1/N` add up to the counts
    /// of the whole corpus; a shard may read nothing and count no word.
    public static func count(files: [String], options: CorpusReadingOptions = CorpusReadingOptions(),
                             shard: InputShard? = nil, progress: ReadProgress? = nil) throws -> CorpusWordCount {
        // Sizes for the progress total; a file that cannot be opened is reported by its reader.
        let sizes: [Int64] = try shard.map { _ in try InputShard.sizes(of: files) } ?? files.map { path in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        let ranges: [Range<Int64>?] = shard?.byteRanges(sizes: sizes) ?? files.map { _ in nil }
        let total = shard == nil ? sizes.reduce(0, +)
            : ranges.reduce(Int64(0)) { $0 + ($1.map { $0.upperBound - $0.lowerBound } ?? 0) }
        let workers = try WorkerStates(count: options.threads, normalizer: options.normalizer, pipeline: options.pipeline)
        var fingerprints: [FileFingerprint] = []
        var parts: [CorpusPart] = []
        var documents = 0
        var doneBefore: Int64 = 0
        for (path, range) in zip(files, ranges) {
            // A shard with no byte of this file reads none of it.
            if shard != nil && range == nil { continue }
            let result = try readFile(path, range: range, options: options, workers: workers) { read in
                progress?(doneBefore + read, total)
            }
            fingerprints.append(result.fingerprint)
            parts.append(CorpusPart(file: result.fingerprint, start: result.start, column: options.column,
                                    documents: result.documents))
            documents += result.documents
            doneBefore += result.fingerprint.bytes
        }
        // Merge the per-thread counts into the largest one.
        let order = (0..<workers.count).sorted { workers.words[$0].distinctCount > workers.words[$1].distinctCount }
        var words = WordCounts()
        swap(&words, &workers.words[order[0]])
        for index in order.dropFirst() {
            words.formUnion(workers.words[index])
            workers.words[index] = WordCounts()
        }
        return CorpusWordCount(words: words, files: fingerprints, documents: documents, parts: parts)
    }

    // MARK: Reading one file

    /// Without a column every line is a document; with one, the file is read in the format its
    /// name gives (``RecordFormat/inferred(fromPath:readsColumns:)``) and documents are that column.
    private static func readFile(_ path: String, range: Range<Int64>?, options: CorpusReadingOptions, workers: WorkerStates,
                                 progress: (Int64) -> Void) throws
        -> (fingerprint: FileFingerprint, documents: Int, start: Int64) {
        let format: RecordFormat = options.column == nil ? .lines : .inferred(fromPath: path, readsColumns: true)
        let blockSize = options.chunkSize * workers.count
        var reader = try range.map { try RecordBlockReader(path: path, format: format, blockSize: blockSize, byteRange: $0) }
            ?? RecordBlockReader(path: path, format: format, blockSize: blockSize)
        let selection = try reader.columns([options.column ?? RecordFormat.linesColumn])
        let fingerprint = FingerprintBox()
        var documents = 0
        while let block = try reader.next() {
            let parts = block.parts(workers.count)
            // The workers count words while one more task hashes the block.
            DispatchQueue.concurrentPerform(iterations: parts.count + 1) { task in
                if task == parts.count {
                    fingerprint.value.add(block)
                    return
                }
                workers.process(index: task, block: block, records: parts[task], columns: selection)
            }
            // Report the earliest failure, as a sequential read would.
            var failure: Error? = nil
            for task in 0..<parts.count {
                if failure == nil { failure = workers.failures[task] }
                workers.failures[task] = nil
            }
            if let failure { throw failure }
            documents += block.count
            progress(Int64(range == nil ? reader.bytesRead : reader.rangeBytes))
        }
        return (fingerprint.value.fingerprint(path: path), documents, reader.partStart ?? range?.lowerBound ?? 0)
    }
}

/// Holds the fingerprint while a concurrent task feeds it.
///
/// `@unchecked Sendable`: while the tasks run only the hashing task touches `value`; the caller
/// reads it after `concurrentPerform` has returned.
private final class FingerprintBox: @unchecked Sendable {
    var value = FingerprintAccumulator()
}

/// Per-thread state: a pre-tokenizer with its buffers, a record cursor, an optional cleaner,
/// the thread's word counts, and the first failure of the current block. Each task touches only
/// its own index, through stable pointers (no shared array is mutated concurrently): hence
/// `@unchecked Sendable`; the caller reads the results after `concurrentPerform` has returned.
private final class WorkerStates: @unchecked Sendable {
    let count: Int
    let tokenizers: UnsafeMutablePointer<BertPreTokenizer>
    let words: UnsafeMutablePointer<WordCounts>
    let cursors: UnsafeMutablePointer<RecordCursor?>
    let failures: UnsafeMutablePointer<Error?>
    /// One cleaner per thread (a `TextCleaner` is not thread-safe); empty without a pipeline.
    let cleaners: [TextCleaner]

    init(count: Int, normalizer: BertNormalizerOptions, pipeline: CleaningPipeline?) throws {
        self.count = count
        cleaners = try pipeline.map { pipeline in try (0..<count).map { _ in try TextCleaner(pipeline: pipeline) } } ?? []
        tokenizers = .allocate(capacity: count)
        tokenizers.initialize(repeating: BertPreTokenizer(normalizer: normalizer), count: count)
        words = .allocate(capacity: count)
        words.initialize(repeating: WordCounts(), count: count)
        cursors = .allocate(capacity: count)
        cursors.initialize(repeating: nil, count: count)
        failures = .allocate(capacity: count)
        failures.initialize(repeating: nil, count: count)
    }

    deinit {
        tokenizers.deinitialize(count: count); tokenizers.deallocate()
        words.deinitialize(count: count); words.deallocate()
        cursors.deinitialize(count: count); cursors.deallocate()
        failures.deinitialize(count: count); failures.deallocate()
    }

    /// Counts the words of `records` of `block` into slot `index`; stops at the first failure.
    func process(index: Int, block: RecordBlock, records: Range<Int>, columns: ColumnSelection) {
        let cleaning = !cleaners.isEmpty
        // A local cursor, stored back at the end: mutating it in place through the optional
        // behind the pointer would copy its buffers at every record.
        var cursor = cursors[index] ?? RecordCursor(columns: columns, format: block.format)
        cursors[index] = nil  // the local copy is then the only owner of its buffers
        if cursor.columns != columns || cursor.format != block.format {
            cursor = RecordCursor(columns: columns, format: block.format)
        }
        // Without a pipeline the pre-tokenizer decodes every byte and rejects ill-formed UTF-8
        // itself: the cursor then only looks for NULs, and locates what it rejects.
        cursor.checksUTF8 = cleaning
        defer { cursors[index] = cursor }
        // With a pipeline, documents are gathered NUL-separated and cleaned in one call.
        var segments: [UInt8] = []
        do {
            for record in records {
                try cursor.select(record, in: block)
                do {
                    try cursor.withColumn(0, in: block) { text in
                        if cleaning {
                            segments.append(contentsOf: text)
                            segments.append(0)
                        } else {
                            try countWords(in: text, index: index)
                        }
                    }
                } catch WordPieceError.invalidUTF8 {
                    // Where and what: the reader's own check of the value says.
                    try cursor.locateProblem(0, in: block)
                    throw WordPieceError.invalidUTF8(byteOffset: 0)
                }
            }
        } catch let error as TextInputError {
            failures[index] = error
            return
        } catch {
            // The bytes were checked, so this is a failure of the pre-tokenizer itself.
            failures[index] = WordPieceTrainerError.cleaningFailed(file: block.file, line: block.line(of: records.lowerBound),
                                                                   reason: "\(error)")
            return
        }
        if cleaning && !segments.isEmpty {
            do {
                var cleaned: [UInt8] = []
                cleaned.reserveCapacity(segments.count + segments.count / 4)
                try segments.withUnsafeBufferPointer { _ = try cleaners[index].cleanSegments($0, into: &cleaned) }
                try cleaned.withUnsafeBufferPointer { all in
                    var start = 0
                    while start < all.count {
                        let end = all[start...].firstIndex(of: 0) ?? all.count
                        try countWords(in: UnsafeBufferPointer(rebasing: all[start..<end]), index: index)
                        start = end + 1
                    }
                }
            } catch {
                // The documents were valid UTF-8, so this is a failure of the pipeline itself.
                failures[index] = WordPieceTrainerError.cleaningFailed(
                    file: block.file, line: block.line(of: records.lowerBound), reason: "\(error)")
                return
            }
        }
    }

    private func countWords(in text: UnsafeBufferPointer<UInt8>, index: Int) throws {
        let words = self.words + index
        try tokenizers[index].forEachWord(inUTF8: text) { word in
            words.pointee.add(UnsafeRawBufferPointer(word.utf8))
        }
    }
}
