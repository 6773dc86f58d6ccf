// Reads a corpus once, in chunks, and counts its words on all cores: the first half of training.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import JikjiText


/// How documents are read from the input files.
public struct CorpusReadingOptions: Sendable {
    /// The normalizer applied before pre-tokenization (HF's `BertNormalizer` switches).
    public var normalizer: BertNormalizerOptions
    /// When set, the first line of every file is a header and each document is this column's
    /// field: tab-separated, or comma-separated (RFC 4180 quotes, one record per line) for
    /// files ending in `.csv`. When `nil`, every line is a document, as in HF's file training.
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
}

/// Counts the words of a corpus in one streaming pass, on several threads.
public enum CorpusWordCounter {
    /// Progress of reading: bytes read so far and the total size of all files.
    public typealias ReadProgress = (_ bytesRead: Int64, _ totalBytes: Int64) -> Void

    /// Reads every file once, in chunks of whole lines, and counts the words of each document.
    ///
    /// - Throws: ``WordPieceTrainerError`` naming the file (and line) for unreadable files, a
    ///   missing column, a short line, a line that is not valid UTF-8 or a failing clean step.
    public static func count(files: [String], options: CorpusReadingOptions = CorpusReadingOptions(),
                             progress: ReadProgress? = nil) throws -> CorpusWordCount {
        var sizes: [Int64] = []
        for path in files {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attributes[.size] as? NSNumber else {
                throw WordPieceTrainerError.unreadableFile(path: path, reason: "no such file")
            }
            sizes.append(size.int64Value)
        }
        let total = sizes.reduce(0, +)
        let workers = try WorkerStates(count: options.threads, normalizer: options.normalizer, pipeline: options.pipeline)
        var fingerprints: [FileFingerprint] = []
        var documents = 0
        var doneBefore: Int64 = 0
        for path in files {
            let result = try readFile(path, options: options, workers: workers) { read in
                progress?(doneBefore + read, total)
            }
            fingerprints.append(result.fingerprint)
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
        return CorpusWordCount(words: words, files: fingerprints, documents: documents)
    }

    // MARK: Reading one file

    private static func readFile(_ path: String, options: CorpusReadingOptions, workers: WorkerStates,
                                 progress: (Int64) -> Void) throws
        -> (fingerprint: FileFingerprint, documents: Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw WordPieceTrainerError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let separator: UInt8 = path.lowercased().hasSuffix(".csv") ? UInt8(ascii: ",") : UInt8(ascii: "\t")
        var columnIndex: Int? = nil
        var needHeader = options.column != nil
        var sha = SHA256()
        var bytesRead: Int64 = 0
        var linesBefore = 0
        var documents = 0
        let batchSize = options.chunkSize * workers.count
        var buffer = [UInt8](repeating: 0, count: batchSize + options.chunkSize)
        var carry = 0  // bytes of an incomplete last line kept at the front of `buffer`
        var atEnd = false
        while !atEnd {
            // Fill the buffer after the carried partial line.
            if buffer.count - carry < options.chunkSize { buffer += [UInt8](repeating: 0, count: buffer.count) }
            var filled = carry
            while filled < buffer.count {
                let n = buffer.withUnsafeMutableBytes { raw in
                    read(fd, raw.baseAddress! + filled, raw.count - filled)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WordPieceTrainerError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
                }
                if n == 0 { atEnd = true; break }
                filled += n
            }
            let fresh = carry..<filled
            bytesRead += Int64(fresh.count)
            // Complete lines end at the last newline; at end of file everything is complete.
            var usable = filled
            if !atEnd {
                usable = buffer.withUnsafeBufferPointer { lastNewline(in: $0, before: filled) } ?? -1
                usable = usable < 0 ? 0 : usable + 1
            }
            var start = 0
            if needHeader && (usable > 0 || atEnd) {
                let end = buffer.withUnsafeBufferPointer { firstNewline(in: $0, from: 0, to: usable) } ?? usable
                let header = buffer.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[0..<end]) }
                let fields = splitFields(header, separator: separator).map { String(decoding: $0, as: UTF8.self) }
                guard let index = fields.firstIndex(of: options.column!) else {
                    throw WordPieceTrainerError.missingColumn(file: path, column: options.column!, header: fields)
                }
                columnIndex = index
                needHeader = false
                start = min(end + 1, usable)
                linesBefore += 1
            }
            let counted = try processBatch(buffer: buffer, range: start..<usable, freshRange: fresh, sha: &sha,
                                           workers: workers, options: options, column: columnIndex,
                                           separator: separator, path: path, linesBefore: linesBefore)
            linesBefore += counted
            documents += counted
            // Move the partial line to the front.
            if usable < filled {
                buffer.withUnsafeMutableBytes { raw in
                    let base = raw.baseAddress!
                    memmove(base, base + usable, filled - usable)
                }
            }
            carry = filled - usable
            progress(bytesRead)
        }
        return (FileFingerprint(path: path, bytes: bytesRead, lines: linesBefore, sha256: sha.finalizeHex()),
                documents)
    }

    /// Splits `range` of `buffer` into one piece of whole lines per worker, counts the words of
    /// every piece concurrently while another task hashes the fresh bytes; returns lines counted.
    private static func processBatch(buffer: [UInt8], range: Range<Int>, freshRange: Range<Int>,
                                     sha: inout SHA256, workers: WorkerStates,
                                     options: CorpusReadingOptions, column: Int?, separator: UInt8,
                                     path: String, linesBefore: Int) throws -> Int {
        try buffer.withUnsafeBufferPointer { all in
            // Cut the range into pieces ending at newlines.
            var pieces: [Range<Int>] = []
            let count = workers.count
            var cursor = range.lowerBound
            for index in 0..<count where cursor < range.upperBound {
                if index == count - 1 {
                    pieces.append(cursor..<range.upperBound)
                    cursor = range.upperBound
                    break
                }
                let target = cursor + max(1, (range.upperBound - cursor) / (count - index))
                let end = target >= range.upperBound
                    ? range.upperBound
                    : (firstNewline(in: all, from: target - 1, to: range.upperBound).map { $0 + 1 } ?? range.upperBound)
                pieces.append(cursor..<end)
                cursor = end
            }
            let hashBox = HashBox(sha)
            let tasks = pieces.count + 1
            // The tasks only read the batch's bytes (and a fixed copy of the pieces).
            let input = UncheckedBox(all), taskPieces = pieces
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let all = input.value
                if task == taskPieces.count {
                    hashBox.sha.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[freshRange])))
                    return
                }
                workers.process(index: task, bytes: UnsafeBufferPointer(rebasing: all[taskPieces[task]]),
                                column: column, separator: separator)
            }
            sha = hashBox.sha
            // Report the earliest failure with its absolute line number.
            var lines = 0
            for (task, _) in pieces.enumerated() {
                if let failure = workers.failures[task] {
                    workers.failures[task] = nil
                    let line = linesBefore + lines + failure.line
                    switch failure.kind {
                    case .invalidUTF8(let offset):
                        throw WordPieceTrainerError.invalidUTF8(file: path, line: line, byteOffset: offset)
                    case .shortLine(let fields):
                        throw WordPieceTrainerError.shortLine(file: path, line: line, column: options.column ?? "", fields: fields)
                    case .clean(let reason):
                        throw WordPieceTrainerError.cleaningFailed(file: path, line: line, reason: reason)
                    }
                }
                lines += workers.lines[task]
                workers.lines[task] = 0
            }
            return lines
        }
    }

    // MARK: Bytes

    static func firstNewline(in buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = buffer.baseAddress else { return nil }
        guard let hit = memchr(base + from, 0x0A, to - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    static func lastNewline(in buffer: UnsafeBufferPointer<UInt8>, before end: Int) -> Int? {
        var i = end - 1
        while i >= 0 {
            if buffer[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    /// The fields of one record (tab: plain split; comma: RFC 4180 quotes on one line).
    static func splitFields(_ line: UnsafeBufferPointer<UInt8>, separator: UInt8) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        var quoted = false
        let quote = UInt8(ascii: "\"")
        let lineEnd = line.count > 0 && line[line.count - 1] == 0x0D ? line.count - 1 : line.count
        while i < lineEnd {
            let byte = line[i]
            if separator == UInt8(ascii: ","), byte == quote {
                if quoted && i + 1 < lineEnd && line[i + 1] == quote { current.append(quote); i += 2; continue }
                quoted.toggle()
            } else if byte == separator && !quoted {
                fields.append(current)
                current.removeAll()
            } else {
                current.append(byte)
            }
            i += 1
        }
        fields.append(current)
        return fields
    }
}

/// Holds the digest while a concurrent task updates it.
///
/// `@unchecked Sendable`: while the tasks run only the hashing task touches `sha`; the caller
/// reads it after `concurrentPerform` has returned.
private final class HashBox: @unchecked Sendable {
    var sha: SHA256
    init(_ sha: SHA256) { self.sha = sha }
}

/// Per-thread state: a pre-tokenizer with its buffers, an optional cleaner, the thread's word
/// counts, and the first failure of the current batch. Each task touches only its own index,
/// through stable pointers (no shared array is mutated concurrently): hence `@unchecked Sendable`;
/// the caller reads the results after `concurrentPerform` has returned.
private final class WorkerStates: @unchecked Sendable {
    struct Failure {
        enum Kind { case invalidUTF8(Int), shortLine(Int), clean(String) }
        var line: Int  // 1-based within the piece
        var kind: Kind
    }

    let count: Int
    let tokenizers: UnsafeMutablePointer<BertPreTokenizer>
    let words: UnsafeMutablePointer<WordCounts>
    let lines: UnsafeMutablePointer<Int>
    let failures: UnsafeMutablePointer<Failure?>
    /// One cleaner per thread (a `TextCleaner` is not thread-safe); empty without a pipeline.
    let cleaners: [TextCleaner]

    init(count: Int, normalizer: BertNormalizerOptions, pipeline: CleaningPipeline?) throws {
        self.count = count
        cleaners = try pipeline.map { pipeline in try (0..<count).map { _ in try TextCleaner(pipeline: pipeline) } } ?? []
        tokenizers = .allocate(capacity: count)
        tokenizers.initialize(repeating: BertPreTokenizer(normalizer: normalizer), count: count)
        words = .allocate(capacity: count)
        words.initialize(repeating: WordCounts(), count: count)
        lines = .allocate(capacity: count)
        lines.initialize(repeating: 0, count: count)
        failures = .allocate(capacity: count)
        failures.initialize(repeating: nil, count: count)
    }

    deinit {
        tokenizers.deinitialize(count: count); tokenizers.deallocate()
        words.deinitialize(count: count); words.deallocate()
        lines.deinitialize(count: count); lines.deallocate()
        failures.deinitialize(count: count); failures.deallocate()
    }

    /// Counts the words of the whole lines in `bytes` into slot `index`; stops at the first failure.
    func process(index: Int, bytes: UnsafeBufferPointer<UInt8>, column: Int?, separator: UInt8) {
        // With a pipeline, documents are gathered NUL-separated and cleaned in one call.
        var segments: [UInt8] = []
        let cleaning = !cleaners.isEmpty
        var lineStart = 0
        var line = 0
        let n = bytes.count
        while lineStart < n {
            var lineEnd = CorpusWordCounter.firstNewline(in: bytes, from: lineStart, to: n) ?? n
            let next = lineEnd + 1
            line += 1
            if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            var field = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            var csvCopy: [UInt8]? = nil
            if let column {
                if separator == UInt8(ascii: ",") {
                    let fields = CorpusWordCounter.splitFields(field, separator: separator)
                    guard column < fields.count else {
                        failures[index] = Failure(line: line, kind: .shortLine(fields.count))
                        return
                    }
                    csvCopy = fields[column]
                } else {
                    guard let range = Self.tabField(field, index: column) else {
                        failures[index] = Failure(line: line, kind: .shortLine(Self.tabFieldCount(field)))
                        return
                    }
                    field = UnsafeBufferPointer(rebasing: field[range])
                }
            }
            do {
                try (csvCopy ?? []).withUnsafeBufferPointer { copy in
                    let text = csvCopy == nil ? field : copy
                    if cleaning {
                        if let bad = UTF8Validation.firstInvalidOffset(in: text) { throw WordPieceError.invalidUTF8(byteOffset: bad) }
                        segments.append(contentsOf: text)
                        segments.append(0)
                    } else {
                        try countWords(in: text, index: index)
                    }
                }
            } catch let error as WordPieceError {
                if case .invalidUTF8(let offset) = error {
                    failures[index] = Failure(line: line, kind: .invalidUTF8(offset))
                } else {
                    failures[index] = Failure(line: line, kind: .clean("\(error)"))
                }
                return
            } catch {
                failures[index] = Failure(line: line, kind: .clean("\(error)"))
                return
            }
            lineStart = next
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
                // The lines were valid UTF-8, so this is a failure of the pipeline itself.
                failures[index] = Failure(line: 1, kind: .clean("\(error)"))
                return
            }
        }
        lines[index] += line
    }

    private func countWords(in text: UnsafeBufferPointer<UInt8>, index: Int) throws {
        let words = self.words + index
        try tokenizers[index].forEachWord(inUTF8: text) { word in
            words.pointee.add(UnsafeRawBufferPointer(word.utf8))
        }
    }

    private static func tabField(_ line: UnsafeBufferPointer<UInt8>, index: Int) -> Range<Int>? {
        var start = 0
        var field = 0
        let n = line.count
        while field < index {
            guard let tab = line[start..<n].firstIndex(of: 0x09) else { return nil }
            start = tab + 1
            field += 1
        }
        let end = line[start..<n].firstIndex(of: 0x09) ?? n
        return start..<end
    }

    private static func tabFieldCount(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        line.reduce(1) { $0 + ($1 == 0x09 ? 1 : 0) }
    }
}
