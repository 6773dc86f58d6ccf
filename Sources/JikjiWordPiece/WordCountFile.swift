// The count shard: a word-count table on disk, the unit that `vocab count` writes,
// `vocab merge-counts` merges and `vocab train --from-counts` trains on.
//
// Text, one entry a line, so that it can be inspected, split and reduced by any tool (Spark,
// sort, awk): a fixed three-line header, then `word<TAB>count` lines sorted by the words' UTF-8
// bytes, each word once, then a trailer with the totals (a line starting with a tab, which no
// entry does: words are never empty), so that a truncated file is told from a whole one and
// a merge writes as it reads. A word's tab, newline, carriage return and backslash are written
// `\t`, `\n`, `\r`, `\\` (BERT pre-tokenization leaves none of them in words with the default
// normalizer, but a corpus read with clean_text off may). Sorted entries make merging a
// streaming k-way merge: memory for one line per shard, whatever the sizes.
//
//     jikji-word-counts<TAB>1
//     counting<TAB><fingerprint><TAB><CountingSettings as JSON>
//     corpus<TAB><[CorpusPart] as JSON>
//     <word><TAB><count>                     … one per distinct word, ascending bytes
//     <TAB>totals<TAB><distinct words><TAB><word occurrences>
import Foundation
import JikjiIO

/// The header of a count file: how it was counted, and from which parts of which files.
public struct WordCountHeader: Equatable, Sendable {
    /// The settings counting ran with.
    public var settings: CountingSettings
    /// The parts of the corpus counted, in the order they were read (or merged).
    public var parts: [CorpusPart]

    /// A header with every field given.
    public init(settings: CountingSettings, parts: [CorpusPart]) {
        self.settings = settings
        self.parts = parts
    }

    /// Documents counted, over all parts.
    public var documents: Int { parts.reduce(0) { $0 + $1.documents } }

    static let magic = "jikji-word-counts"
    static let version = 1

    /// The three header lines, each ending in a newline.
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let parts = (try? encoder.encode(self.parts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return "\(Self.magic)\t\(Self.version)\n"
            + "counting\t\(settings.fingerprint)\t\(settings.jsonLine)\n"
            + "corpus\t\(parts)\n"
    }

    /// The trailer line after the entries.
    static func trailer(distinctWords: Int, totalWords: Int64) -> String {
        "\ttotals\t\(distinctWords)\t\(totalWords)\n"
    }
}

/// Writes the entries of a count file one at a time, in ascending byte order, then the trailer.
public struct WordCountFileSink {
    private let output: OutputFile
    private var line: [UInt8] = []
    /// Entries written.
    public private(set) var distinctWords = 0
    /// The sum of the counts written.
    public private(set) var totalWords: Int64 = 0

    /// Writes `header` to `output` (which the sink commits in ``finish()``).
    public init(header: WordCountHeader, output: OutputFile) throws {
        self.output = output
        try output.write(Array(header.text.utf8))
    }

    /// Appends one entry; the caller keeps the byte order. Throws when the total overflows.
    public mutating func append(_ word: UnsafeBufferPointer<UInt8>, count: Int64) throws {
        let (sum, overflow) = totalWords.addingReportingOverflow(count)
        guard !overflow else { throw WordCountFileError.countOverflow(file: output.path, line: distinctWords + 4) }
        totalWords = sum
        distinctWords += 1
        line.removeAll(keepingCapacity: true)
        WordCountFileWriter.appendEscaped(word, to: &line)
        line.append(0x09)
        line.append(contentsOf: String(count).utf8)
        line.append(0x0A)
        try output.write(line)
    }

    /// Writes the trailer and commits the file.
    public func finish() throws {
        try output.write(Array(WordCountHeader.trailer(distinctWords: distinctWords, totalWords: totalWords).utf8))
        try output.commit()
    }
}

/// A count file that cannot be used: where (file, line) and what is wrong.
public enum WordCountFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The header is missing or malformed.
    case badHeader(file: String, line: Int, problem: String)
    /// An entry line is malformed (no tab, a bad count, a bad escape).
    case badEntry(file: String, line: Int, problem: String)
    /// An entry is not after the one before it in byte order (or repeats it).
    case notSorted(file: String, line: Int)
    /// The entries do not add up to the header's totals (a truncated or edited file).
    case totalsMismatch(file: String, expected: String, found: String)
    /// The file ends without its totals line (cut short), or has lines after it.
    case truncated(file: String, line: Int)
    /// Shards counted with different settings: merging them would mix two different word splits.
    case settingsDiffer(file: String, reference: String, differences: [String])
    /// A count too large to add up.
    case countOverflow(file: String, line: Int)

    public var description: String {
        switch self {
        case let .badHeader(file, line, problem): return "\(file):\(line): not a Jikji count file: \(problem)"
        case let .badEntry(file, line, problem): return "\(file):\(line): bad count entry: \(problem)"
        case let .notSorted(file, line):
            return "\(file):\(line): entries are not in ascending byte order of their words (or a word repeats)"
        case let .totalsMismatch(file, expected, found):
            return "\(file): the header says \(expected) but the entries hold \(found) (truncated or edited?)"
        case let .truncated(file, line):
            return "\(file):\(line): the file ends without its totals line or goes on after it (cut short or edited?)"
        case let .settingsDiffer(file, reference, differences):
            return "\(file) was counted with other settings than \(reference): " + differences.joined(separator: "; ")
                + " (count every shard with the same options and Jikji version)"
        case let .countOverflow(file, line): return "\(file):\(line): the counts add up past 2^63"
        }
    }
}

/// Writes a word-count table as a count file.
public enum WordCountFileWriter {
    /// Writes `words` sorted by bytes under `header` to `output`, then commits it (the file
    /// appears whole or not at all).
    public static func write(_ words: WordCounts, header: WordCountHeader, to output: OutputFile) throws {
        var sink = try WordCountFileSink(header: header, output: output)
        for index in words.indicesSortedByBytes() {
            try words.withWordBytes(at: index) { try sink.append($0, count: words.count(at: index)) }
        }
        try sink.finish()
    }

    /// Appends `word` with its tab, newline, carriage return and backslash escaped.
    static func appendEscaped(_ word: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        for byte in word {
            switch byte {
            case 0x09: line.append(0x5C); line.append(UInt8(ascii: "t"))
            case 0x0A: line.append(0x5C); line.append(UInt8(ascii: "n"))
            case 0x0D: line.append(0x5C); line.append(UInt8(ascii: "r"))
            case 0x5C: line.append(0x5C); line.append(0x5C)
            default: line.append(byte)
            }
        }
    }
}

/// Streams the entries of a count file in order, checking the order and, at the end, the
/// header's totals.
public struct WordCountFileReader {
    /// The path as given.
    public let path: String
    /// The file's header.
    public let header: WordCountHeader

    private var blocks: RecordBlockReader
    private var block: RecordBlock?
    private var index = 0
    private var line = 3
    private var previous: [UInt8]? = nil
    private var distinct = 0
    private var total: Int64 = 0
    private var ended = false

    /// Opens `path` and reads its header.
    /// - Throws: ``TextInputError`` (cannot open), ``WordCountFileError/badHeader(file:line:problem:)``.
    public init(path: String) throws {
        self.path = path
        blocks = try RecordBlockReader(path: path, format: .lines, blockSize: 1 << 20)
        var lines: [String] = []
        var pendingBlock: RecordBlock? = nil
        var pendingIndex = 0
        while lines.count < 3 {
            if pendingBlock == nil || pendingIndex == pendingBlock!.count {
                guard let next = try blocks.next() else {
                    throw WordCountFileError.badHeader(file: path, line: lines.count + 1, problem: "the file ends inside the three header lines")
                }
                pendingBlock = next
                pendingIndex = 0
                continue
            }
            let current = pendingBlock!
            try current.check(current.records[pendingIndex], inRecord: pendingIndex)
            lines.append(String(decoding: current.bytes[current.records[pendingIndex]], as: UTF8.self))
            pendingIndex += 1
        }
        block = pendingBlock
        index = pendingIndex
        header = try Self.parseHeader(lines, file: path)
    }

    private static func parseHeader(_ lines: [String], file: String) throws -> WordCountHeader {
        let fields = lines.map { $0.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init) }
        guard fields[0] == [WordCountHeader.magic, String(WordCountHeader.version)] else {
            throw WordCountFileError.badHeader(file: file, line: 1,
                                               problem: "expected '\(WordCountHeader.magic)<TAB>\(WordCountHeader.version)'")
        }
        let decoder = JSONDecoder()
        guard fields[1].count == 3, fields[1][0] == "counting",
              let settings = try? decoder.decode(CountingSettings.self, from: Data(fields[1][2].utf8)) else {
            throw WordCountFileError.badHeader(file: file, line: 2, problem: "expected 'counting<TAB>fingerprint<TAB>settings JSON'")
        }
        guard settings.fingerprint == fields[1][1] else {
            throw WordCountFileError.badHeader(file: file, line: 2, problem: "the fingerprint does not match the settings (edited?)")
        }
        let corpus = lines[2].split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        guard corpus.count == 2, corpus[0] == "corpus",
              let parts = try? decoder.decode([CorpusPart].self, from: Data(corpus[1].utf8)) else {
            throw WordCountFileError.badHeader(file: file, line: 3, problem: "expected 'corpus<TAB>parts JSON'")
        }
        return WordCountHeader(settings: settings, parts: parts)
    }

    /// The next entry (its word's bytes, unescaped, and its count), or nil after the last one.
    /// - Throws: ``WordCountFileError`` for a malformed or out-of-order entry, a missing trailer
    ///   or totals that do not match it; ``TextInputError`` for bytes that are not UTF-8.
    public mutating func next() throws -> (word: [UInt8], count: Int64)? {
        while block == nil || index == block!.count {
            guard let next = try blocks.next() else {
                guard ended else { throw WordCountFileError.truncated(file: path, line: line + 1) }
                return nil
            }
            block = next
            index = 0
        }
        let current = block!
        let record = current.records[index]
        line += 1
        guard !ended else { throw WordCountFileError.truncated(file: path, line: line) }
        try current.check(record, inRecord: index)
        index += 1
        if current.bytes[record].first == 0x09 {
            try checkTrailer(String(decoding: current.bytes[record], as: UTF8.self))
            ended = true
            return try self.next()
        }
        let entry = try current.bytes.withUnsafeBufferPointer { all in
            try Self.parseEntry(UnsafeBufferPointer(rebasing: all[record]), file: path, line: line)
        }
        if let previous, !Self.precedes(previous, entry.word) {
            throw WordCountFileError.notSorted(file: path, line: line)
        }
        previous = entry.word
        distinct += 1
        let (sum, overflow) = total.addingReportingOverflow(entry.count)
        guard !overflow else { throw WordCountFileError.countOverflow(file: path, line: line) }
        total = sum
        return entry
    }

    /// Checks the trailer's totals against the entries read.
    private func checkTrailer(_ text: String) throws {
        let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0].isEmpty, fields[1] == "totals", let words = Int(fields[2]),
              let occurrences = Int64(fields[3]) else {
            throw WordCountFileError.badEntry(file: path, line: line, problem: "expected '<TAB>totals<TAB>words<TAB>occurrences'")
        }
        guard words == distinct, occurrences == total else {
            throw WordCountFileError.totalsMismatch(file: path, expected: "\(words) words, \(occurrences) occurrences",
                                                    found: "\(distinct) words, \(total) occurrences")
        }
    }

    /// Whether `a` sorts strictly before `b` by bytes.
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    private static func parseEntry(_ text: UnsafeBufferPointer<UInt8>, file: String, line: Int) throws
        -> (word: [UInt8], count: Int64) {
        guard let tab = text.lastIndex(of: 0x09), tab > 0 else {
            throw WordCountFileError.badEntry(file: file, line: line, problem: "expected 'word<TAB>count'")
        }
        var count: Int64 = 0
        guard tab + 1 < text.count else { throw WordCountFileError.badEntry(file: file, line: line, problem: "no count") }
        for byte in text[(tab + 1)...] {
            guard byte >= 0x30, byte <= 0x39 else {
                throw WordCountFileError.badEntry(file: file, line: line, problem: "the count is not a whole number")
            }
            let (times, o1) = count.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(byte - 0x30))
            guard !o1, !o2 else { throw WordCountFileError.countOverflow(file: file, line: line) }
            count = plus
        }
        guard count > 0 else { throw WordCountFileError.badEntry(file: file, line: line, problem: "a count must be positive") }
        var word: [UInt8] = []
        word.reserveCapacity(tab)
        var i = 0
        while i < tab {
            let byte = text[i]
            if byte == 0x09 {
                throw WordCountFileError.badEntry(file: file, line: line, problem: "a tab inside the word (write it \\t)")
            }
            if byte != 0x5C {
                word.append(byte)
                i += 1
                continue
            }
            guard i + 1 < tab else { throw WordCountFileError.badEntry(file: file, line: line, problem: "a lone backslash ends the word") }
            switch text[i + 1] {
            case UInt8(ascii: "t"): word.append(0x09)
            case UInt8(ascii: "n"): word.append(0x0A)
            case UInt8(ascii: "r"): word.append(0x0D)
            case 0x5C: word.append(0x5C)
            default: throw WordCountFileError.badEntry(file: file, line: line, problem: "unknown escape '\\\(Character(Unicode.Scalar(text[i + 1])))'")
            }
            i += 2
        }
        return (word, count)
    }
}
