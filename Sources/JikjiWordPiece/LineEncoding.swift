import Dispatch
import Foundation
import JikjiIO
import JikjiText

/// What ``WordPieceTokenizer/encodeLines(from:to:options:progress:)`` writes and how it reads.
public struct LineEncodingOptions: Sendable {
    /// One output line per input line, in one of these forms.
    public enum Format: String, Sendable, CaseIterable {
        /// Ids separated by spaces.
        case ids
        /// Tokens separated by spaces.
        case tokens
        /// `{"ids":[…],"tokens":[…],"offsets":[[s,e],…],"attention_mask":[…],"type_ids":[…]}`;
        /// offsets index the input line (in characters), through any cleaning pipeline.
        case jsonl
    }

    /// The output form.
    public var format: Format
    /// Read this column of the input (TSV, CSV or JSONL, see ``inputFormat``); nil: whole lines.
    public var column: String?
    /// The input's format for ``column``; nil: inferred from the input's name
    /// (``RecordFormat/inferred(fromPath:readsColumns:)``: TSV for `.txt` and standard input).
    public var inputFormat: RecordFormat?
    /// Add `[CLS]`/`[SEP]`.
    public var addSpecialTokens: Bool
    /// Truncate to this many tokens (special tokens included).
    public var maxLength: Int?
    /// Pad every line to ``maxLength`` (which must then be set).
    public var padToMaxLength: Bool
    /// Leave out the tokenizer's own truncation (a tokenizer.json's), used when ``maxLength`` is nil.
    public var ignoreTokenizerTruncation = false
    /// Leave out the tokenizer's own padding (a tokenizer.json's), used unless ``padToMaxLength``.
    public var ignoreTokenizerPadding = false
    /// Read the second text of each pair from this column (which needs ``column``); nil: one
    /// text per record. Pairs are encoded as HF's `encode(text, pair)`: `[CLS] A [SEP] B [SEP]`.
    public var pairColumn: String?
    /// Which text of a pair truncation cuts (HF's `strategy`); nil: the tokenizer's own, else
    /// `longest_first`. Needs a truncation (``maxLength`` or the tokenizer's).
    public var truncationStrategy: TruncationOptions.Strategy?
    /// Tokens shared by consecutive overflow windows (HF's `stride`); nil: the tokenizer's own,
    /// else 0. Needs a truncation.
    public var stride: Int?
    /// Pad each batch of ``paddingBatchSize`` consecutive records to its longest record, as HF's
    /// `encode_batch` does with `padding="longest"` on that batch (exclusive with ``padToMaxLength``).
    public var padToLongest = false
    /// Records per padding batch for ``padToLongest``, counted from the first record of the input
    /// (the last batch may be shorter).
    public var paddingBatchSize = 32
    /// Bytes read per block; each block's lines are encoded in parallel, then written in order.
    public var blockSize: Int = 8 << 20

    /// Options with the CLI's defaults.
    public init(format: Format = .ids, column: String? = nil, addSpecialTokens: Bool = true, maxLength: Int? = nil,
                padToMaxLength: Bool = false) {
        self.format = format
        self.column = column
        self.addSpecialTokens = addSpecialTokens
        self.maxLength = maxLength
        self.padToMaxLength = padToMaxLength
    }
}

/// Counts of a streaming encode or decode.
public struct LineCodingSummary: Equatable, Sendable {
    /// Lines encoded or decoded (a TSV header is not counted).
    public var lines = 0
    /// Tokens produced (encode) or read (decode), special and padding tokens included.
    public var tokens = 0
    /// Bytes of text encoded (the chosen column only) or produced by decoding, without newlines.
    public var textBytes = 0
}

extension WordPieceTokenizer {
    /// Encodes every record of `input` (a path, `-` for standard input) and writes one line per
    /// record to `output`, in order, on all cores, reading in blocks of whole records (memory
    /// stays bounded whatever the input size).
    ///
    /// - Throws: ``TextInputError`` naming the file and line for unreadable input, a missing
    ///   column, a record with the wrong number of fields, bad CSV quoting, bytes that are not
    ///   UTF-8 or a NUL byte; ``WordPieceError/invalidOption(name:reason:)`` for inconsistent
    ///   options; and write errors.
    /// - Parameter progress: called after each block with the input bytes consumed so far.
    public func encodeLines(from input: String, to output: FileHandle, options: LineEncodingOptions,
                            progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        try encodeLines(from: input, to: output, options: options, cleaners: nil, progress: progress)
    }

    /// ``encodeLines(from:to:options:progress:)``, each text first cleaned by a cleaner of
    /// `cleaners` (each worker its own) when given.
    func encodeLines(from input: String, to output: FileHandle, options: LineEncodingOptions,
                     cleaners: CleanerPool?, progress: ((Int) -> Void)?) throws -> LineCodingSummary {
        let settings = try LineEncodingSettings(options, tokenizer: self)
        let truncation = settings.truncation, padding = settings.padding, padLength = settings.fixedPadLength
        let pairs = options.pairColumn != nil
        let fastPath = truncation == nil && padLength == nil && !pairs && !options.padToLongest
            && !(template != nil && postProcessor == nil)
        // With truncation, jsonl lines carry HF's `overflowing` parts.
        let overflow = truncation != nil
        // Padded lines are as long as the user says: refuse a length whose lines cannot fit in
        // memory (one per core at once), and encode a block in passes of lines whose output fits
        // a bounded buffer, whatever the length.
        var linesPerPass = Int.max
        if let padLength {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            try AvailableMemory.check(AvailableMemory.product(padLength, Self.paddedTokenBytes, cores),
                                      for: "padding every line to \(padLength) tokens (\(cores) lines at once)",
                                      advice: "give a smaller --max-length")
            let (lineBytes, overflow) = padLength.multipliedReportingOverflow(by: Self.paddedTokenBytes)
            linesPerPass = overflow ? 1 : Swift.max(1, Self.paddedPassBytes / Swift.max(1, lineBytes))
        }
        let texts = options.format == .ids ? nil : TokenTexts(vocabulary: vocabulary, json: options.format == .jsonl)
        let format: RecordFormat = options.column == nil
            ? .lines : options.inputFormat ?? .inferred(fromPath: input, readsColumns: true)
        // Only JSON lines show offsets: only they trace them back through the cleaning pipeline
        // to the input line (ids and tokens clean without recording any alignment).
        let aligning = options.format == .jsonl
        // Outputs without offsets take the one-pass encoder (which falls back per text).
        let direct = directIds != nil && options.format != .jsonl
        let decimals = IdDecimals(count: direct && options.format == .ids ? vocabulary.count : 0)
        let reader = try RecordBlockReader(path: input, format: format, blockSize: max(1, options.blockSize))
        let columns = try reader.columns([options.column ?? RecordFormat.linesColumn] + (options.pairColumn.map { [$0] } ?? []))
        // Padding to the longest of a batch: encodings are collected per chunk, then padded and
        // written a batch at a time, in order (a batch may span blocks).
        var batches = options.padToLongest ? LongestPaddingBatches(size: options.paddingBatchSize) : nil
        let collecting = options.padToLongest
        let collected = UncheckedBox([Int: [Encoding]]())
        let collectedLock = NSLock()
        var summary = LineCodingSummary()
        // One pass per block: its output is written while the next block encodes. Padded passes
        // (bounded output) are written as they come.
        let io = OverlappedBlockIO(reader: reader, output: output)
        defer { io.wait() }
        var unwritten: [Data] = []
        var current = try io.first()
        while let block = current {
            let readSoFar = io.bytesRead
            io.start(writing: unwritten)
            unwritten = []
            var failure: Error?
            do {
            for passStart in stride(from: 0, to: block.count, by: linesPerPass) {
                let pass = passStart..<(passStart + Swift.min(linesPerPass, block.count - passStart))
                let outputs = try processBlock(lines: pass) { range, scratch, out, stats in
                    // Each chunk (one worker at a time) cleans with a cleaner of its own.
                    let cleaner = try cleaners?.take()
                    defer { if let cleaner { cleaners?.giveBack(cleaner) } }
                    var cursor = RecordCursor(columns: columns, format: format)
                    // Encoding decodes every byte and rejects ill-formed UTF-8 itself: the cursor then
                    // only looks for NULs, and locates what the encoder rejects. A cleaning pipeline
                    // runs first, so its input is checked first; so is a pair's second text.
                    cursor.checksUTF8 = cleaner != nil || pairs
                    var kept: [Encoding] = []
                    if collecting { kept.reserveCapacity(range.count) }
                    defer {
                        if collecting {
                            collectedLock.lock()
                            collected.value[range.lowerBound] = kept
                            collectedLock.unlock()
                        }
                    }
                    for k in range {
                        try cursor.select(k, in: block)
                        let pairText: [UInt8]? = try pairs ? cursor.withColumn(1, in: block) { Array($0) } : nil
                        do {
                            try cursor.withColumn(0, in: block) { raw in
                                // Encodes one text and appends its output line; `alignment`, when
                                // given, maps the offsets from the cleaned text to the input line.
                                func encodeLine(_ text: UnsafeBufferPointer<UInt8>, alignment: CleaningAlignment?) throws {
                                    if fastPath, direct, alignment == nil,
                                       Self.appendDirectLine(text, encoder: directIds!, processor: options.addSpecialTokens ? postProcessor : nil,
                                                             format: options.format, texts: texts, decimals: decimals,
                                                             into: &out, tokens: &stats.tokens) {
                                        // Ids or tokens without offsets: one pass, no encoding built.
                                    } else if fastPath {
                                        // No truncation: build [CLS] text [SEP] in place in a reused
                                        // encoding, so a line allocates nothing.
                                        var e = scratch.encoding
                                        scratch.encoding = Encoding()
                                        e.removeAll()
                                        let processor = options.addSpecialTokens ? postProcessor : nil
                                        if let processor {
                                            e.append(id: processor.clsId, typeId: 0, offsets: TokenOffsets(0, 0), special: true, word: -1)
                                        }
                                        let mark = e.count
                                        try encodeSequence(text, into: &e, scratch: &scratch)
                                        if let alignment { e.mapOffsets(from: mark, through: alignment) }
                                        if let processor {
                                            e.append(id: processor.sepId, typeId: 0, offsets: TokenOffsets(0, 0), special: true, word: -1)
                                        }
                                        Self.format(e, options.format, texts, into: &out)
                                        stats.tokens += e.count
                                        scratch.encoding = e
                                    } else {
                                        var e = try encodeRecord(text, alignment: alignment, pair: pairText, cleaner: cleaner,
                                                                 aligning: aligning, addSpecialTokens: options.addSpecialTokens,
                                                                 truncation: truncation, scratch: &scratch,
                                                                 source: input, line: block.line(of: k))
                                        if collecting {
                                            kept.append(e)
                                        } else {
                                            if let padding, let padLength { e.pad(to: padLength, padding) }
                                            Self.format(e, options.format, texts, overflow: overflow, into: &out)
                                            stats.tokens += e.count
                                        }
                                    }
                                    stats.textBytes += text.count
                                }
                                if let cleaner {
                                    // The cursor checked the bytes: they are UTF-8.
                                    var cleaned = scratch.cleaned
                                    scratch.cleaned = []
                                    defer { scratch.cleaned = cleaned }
                                    if aligning {
                                        var alignment = scratch.alignment
                                        scratch.alignment = CleaningAlignment()
                                        defer { scratch.alignment = alignment }
                                        try cleaner.clean(utf8: raw, into: &cleaned, alignment: &alignment)
                                        try cleaned.withUnsafeBufferPointer { try encodeLine($0, alignment: alignment) }
                                    } else {
                                        try cleaner.clean(utf8: raw, into: &cleaned)
                                        try cleaned.withUnsafeBufferPointer { try encodeLine($0, alignment: nil) }
                                    }
                                } else {
                                    try encodeLine(raw, alignment: nil)
                                }
                            }
                        } catch WordPieceError.invalidUTF8 {
                            // Where and what: the reader's own check of the value says.
                            try cursor.locateProblem(0, in: block)
                            throw WordPieceError.invalidUTF8(byteOffset: 0)
                        }
                    }
                }
                if linesPerPass == Int.max {
                    unwritten = outputs.map(\.0)
                } else {
                    try io.writeNow(outputs.map(\.0))
                }
                for (_, stats) in outputs {
                    summary.tokens += stats.tokens
                    summary.textBytes += stats.textBytes
                }
            }
            } catch {
                failure = error
            }
            current = try io.finish(encodingError: failure)
            if batches != nil, let padding {
                let parts = collected.value.sorted { $0.key < $1.key }
                collected.value = [:]
                for (_, encodings) in parts { batches!.pending += encodings }
                summary.tokens += try batches!.write(onlyFull: true, padding: padding, to: output) { e, out in
                    Self.format(e, options.format, texts, overflow: overflow, into: &out)
                }
            }
            summary.lines += block.count
            progress?(readSoFar)
        }
        try io.writeNow(unwritten)
        if batches != nil, let padding {
            summary.tokens += try batches!.write(onlyFull: false, padding: padding, to: output) { e, out in
                Self.format(e, options.format, texts, overflow: overflow, into: &out)
            }
        }
        return summary
    }

    /// Decodes lines of ids (separated by spaces, tabs or commas; `[` and `]` ignored) and writes
    /// one line of text per input line, on all cores.
    ///
    /// - Throws: ``WordPieceError/invalidOption(name:reason:)`` naming the line of anything that
    ///   is not an id.
    /// - Parameter blockSize: bytes read per block.
    public func decodeLines(from input: String, to output: FileHandle,
                            skipSpecialTokens: Bool, blockSize: Int = 8 << 20,
                            progress: ((Int) -> Void)? = nil) throws -> LineCodingSummary {
        let reader = try RecordBlockReader(path: input, format: .lines, blockSize: max(1, blockSize))
        let table = decoderTable
        var summary = LineCodingSummary()
        let io = OverlappedBlockIO(reader: reader, output: output)
        defer { io.wait() }
        var unwritten: [Data] = []
        var current = try io.first()
        while let block = current {
            let readSoFar = io.bytesRead
            io.start(writing: unwritten)
            unwritten = []
            var failure: Error?
            do {
            let outputs = try processBlock(lines: 0..<block.count) { range, _, out, stats in
                let decoderTable = table
                var ids: [Int32] = []
                try block.bytes.withUnsafeBufferPointer { bytes in
                    for k in range {
                        ids.removeAll(keepingCapacity: true)
                        try Self.parseIds(bytes, block.records[k], into: &ids, path: input, line: block.line(of: k))
                        let before = out.count
                        ids.withUnsafeBufferPointer {
                            decoderTable.decode($0, skipSpecialTokens: skipSpecialTokens, into: &out)
                        }
                        stats.textBytes += out.count - before
                        stats.tokens += ids.count
                        out.append(0x0A)
                    }
                }
            }
            unwritten = outputs.map(\.0)
            for (_, stats) in outputs {
                summary.tokens += stats.tokens
                summary.textBytes += stats.textBytes
            }
            } catch {
                failure = error
            }
            current = try io.finish(encodingError: failure)
            summary.lines += block.count
            progress?(readSoFar)
        }
        try io.writeNow(unwritten)
        return summary
    }

    /// Encodes `text` with the one-pass encoder and appends its output line (`[CLS]`/`[SEP]` from
    /// `processor`); false, with nothing appended, when the text needs the general path.
    static func appendDirectLine(_ text: UnsafeBufferPointer<UInt8>, encoder: DirectIdEncoder, processor: BertPostProcessor?,
                                 format: LineEncodingOptions.Format, texts: TokenTexts?, decimals: IdDecimals,
                                 into out: inout [UInt8], tokens: inout Int) -> Bool {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: text.count + 2) { buffer -> Bool in
            let ids = buffer.baseAddress!
            var count = 0
            if let processor {
                ids[0] = processor.clsId
                count = 1
            }
            guard let produced = encoder.encode(text, into: ids + count) else { return false }
            count += produced
            if let processor {
                ids[count] = processor.sepId
                count += 1
            }
            let line = UnsafeBufferPointer(start: ids, count: count)
            if format == .tokens, let texts {
                for k in 0..<count {
                    if k > 0 { out.append(0x20) }
                    texts.append(line[k], to: &out)
                }
                out.append(0x0A)
            } else {
                decimals.appendLine(line, to: &out)
            }
            tokens += count
            return true
        }
    }

    /// Two decimal digits for each value 0...99.
    static let digitPairs: StaticString = """
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
        5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
        """

    /// Writes `value` in decimal at `p` (room for 11 bytes); returns the number of bytes.
    @inline(__always)
    static func writeDecimal(_ value: Int32, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var start = p
        if value < 0 {
            p[0] = 0x2D
            start += 1
        }
        var v = value.magnitude
        var digits = 1
        var limit: UInt32 = 10
        while digits < 10, v >= limit {
            digits += 1
            limit &*= 10
        }
        let pairs = digitPairs.utf8Start
        var end = digits
        while v >= 100 {
            let r = Int(v % 100) * 2
            v /= 100
            start[end - 1] = pairs[r + 1]
            start[end - 2] = pairs[r]
            end -= 2
        }
        if v >= 10 {
            let r = Int(v) * 2
            start[1] = pairs[r + 1]
            start[0] = pairs[r]
        } else {
            start[0] = UInt8(0x30 + v)
        }
        return digits + (value < 0 ? 1 : 0)
    }

    /// Bytes a padded token may take while a line is encoded and formatted (its id, offsets,
    /// masks and type id in the encoding, and its text in the output line).
    static let paddedTokenBytes = 64

    /// Output bytes one pass over a block's padded lines may build before it is written.
    static let paddedPassBytes = 256 << 20

    /// Writes one chunk's output: through ``StandardStreams`` for standard output or error (a
    /// failed write is a ``StandardStreamError`` naming the stream and the reason), else through
    /// the handle.
    static func write(_ bytes: Data, to output: FileHandle) throws {
        switch output.fileDescriptor {
        case StandardStreams.Stream.output.rawValue: try StandardStreams.write(bytes, to: .output)
        case StandardStreams.Stream.error.rawValue: try StandardStreams.write(bytes, to: .error)
        default: try output.write(contentsOf: bytes)
        }
    }

    /// Runs `work` over chunks of the block's `lines` on all cores; returns each chunk's output
    /// bytes and counts, in line order.
    private func processBlock(lines: Range<Int>,
                              _ work: (Range<Int>, inout EncoderScratch, inout [UInt8], inout LineCodingSummary) throws -> Void)
        throws -> [(Data, LineCodingSummary)] {
        let lineCount = lines.count, first = lines.lowerBound
        guard lineCount > 0 else { return [] }
        let chunkSize = max(256, lineCount / (ProcessInfo.processInfo.activeProcessorCount * 4) + 1)
        let chunks = (lineCount + chunkSize - 1) / chunkSize
        let results = UncheckedBox([(Data, LineCodingSummary)](repeating: (Data(), LineCodingSummary()), count: chunks))
        let failure = UncheckedBox<(Int, Error)?>(nil)
        let lock = NSLock()
        let options = normalizerOptions
        try withoutActuallyEscaping(work) { work in
            let box = UncheckedBox(work)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let range = (first + c * chunkSize)..<(first + min(lineCount, (c + 1) * chunkSize))
                var scratch = EncoderScratch(options: options)
                var out: [UInt8] = []
                out.reserveCapacity(range.count * 64)
                var stats = LineCodingSummary()
                do {
                    try box.value(range, &scratch, &out, &stats)
                    let data = Data(out)
                    lock.lock()
                    results.value[c] = (data, stats)
                    lock.unlock()
                } catch {
                    lock.lock()
                    // Report the error of the earliest chunk, as a sequential run would.
                    if failure.value.map({ $0.0 > c }) ?? true { failure.value = (c, error) }
                    lock.unlock()
                }
            }
            if let (_, error) = failure.value { throw error }
        }
        return results.value
    }

    /// Appends one output line for `e`; `overflow` adds HF's `overflowing` parts to jsonl lines.
    static func format(_ e: Encoding, _ format: LineEncodingOptions.Format, _ texts: TokenTexts?, overflow: Bool = false,
                       into out: inout [UInt8]) {
        switch format {
        case .ids:
            for (k, id) in e.ids.enumerated() {
                if k > 0 { out.append(0x20) }
                appendInteger(Int(id), to: &out)
            }
        case .tokens:
            for (k, id) in e.ids.enumerated() {
                if k > 0 { out.append(0x20) }
                texts?.append(id, to: &out)
            }
        case .jsonl:
            out.append(contentsOf: #"{"ids":["#.utf8)
            for (k, id) in e.ids.enumerated() {
                if k > 0 { out.append(0x2C) }
                appendInteger(Int(id), to: &out)
            }
            out.append(contentsOf: #"],"tokens":["#.utf8)
            for (k, id) in e.ids.enumerated() {
                if k > 0 { out.append(0x2C) }
                out.append(0x22)
                texts?.append(id, to: &out)
                out.append(0x22)
            }
            out.append(contentsOf: #"],"offsets":["#.utf8)
            for (k, o) in e.offsets.enumerated() {
                out.append(contentsOf: k > 0 ? #",["#.utf8 : "[".utf8)
                appendInteger(Int(o.start), to: &out)
                out.append(0x2C)
                appendInteger(Int(o.end), to: &out)
                out.append(0x5D)
            }
            out.append(contentsOf: #"],"attention_mask":["#.utf8)
            for (k, m) in e.attentionMask.enumerated() {
                if k > 0 { out.append(0x2C) }
                out.append(0x30 + m)
            }
            out.append(contentsOf: #"],"type_ids":["#.utf8)
            for (k, t) in e.typeIds.enumerated() {
                if k > 0 { out.append(0x2C) }
                appendInteger(Int(t), to: &out)
            }
            out.append(0x5D)
            if overflow {
                // HF's `Encoding.overflowing`: each part in the same form, nested for pairs.
                out.append(contentsOf: #","overflowing":["#.utf8)
                for (k, part) in e.overflowing.enumerated() {
                    if k > 0 { out.append(0x2C) }
                    Self.format(part, .jsonl, texts, overflow: true, into: &out)
                    out.removeLast()  // the newline
                }
                out.append(0x5D)
            }
            out.append(0x7D)
        }
        out.append(0x0A)
    }

    /// Appends the decimal digits of `value`.
    @inline(__always)
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        var v = value
        if v < 0 {
            out.append(0x2D)
            v = -v
        }
        if v < 10 {
            out.append(UInt8(0x30 + v))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            }
            while count > 0 {
                count -= 1
                out.append(d[count])
            }
        }
    }

    /// Parses the ids of one line.
    static func parseIds(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, into ids: inout [Int32],
                         path: String, line number: Int) throws {
        var i = line.lowerBound
        while i < line.upperBound {
            let b = bytes[i]
            if b == 0x20 || b == 0x09 || b == 0x2C || b == 0x5B || b == 0x5D {
                i += 1
                continue
            }
            var value: Int64 = 0
            var digits = 0
            while i < line.upperBound, bytes[i] &- 0x30 < 10, digits < 11 {
                value = value * 10 + Int64(bytes[i] - 0x30)
                digits += 1
                i += 1
            }
            let endsWell = i == line.upperBound || [0x20, 0x09, 0x2C, 0x5B, 0x5D].contains(bytes[i])
            guard digits > 0, endsWell, value <= Int64(Int32.max) else {
                var end = i
                while end < line.upperBound, ![0x20, 0x09, 0x2C].contains(bytes[end]) { end += 1 }
                let start = digits > 0 ? i - digits : i
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<max(end, start + 1)]), as: UTF8.self)
                throw WordPieceError.invalidOption(
                    name: "token id", reason: "\(path):\(number): '\(word)' is not a token id (a non-negative integer)")
            }
            ids.append(Int32(value))
        }
    }
}

/// Token texts by id, as plain UTF-8 or escaped for a JSON string.
struct TokenTexts {
    private let bytes: [UInt8]
    private let starts: [Int32]

    init(vocabulary: WordPieceVocabulary, json: Bool) {
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        for token in vocabulary.tokens {
            if json {
                for u in token.unicodeScalars {
                    switch u {
                    case "\"": bytes += #"\""#.utf8
                    case "\\": bytes += #"\\"#.utf8
                    case "\n": bytes += #"\n"#.utf8
                    case "\r": bytes += #"\r"#.utf8
                    case "\t": bytes += #"\t"#.utf8
                    default:
                        if u.value < 0x20 {
                            let hex = String(u.value, radix: 16)
                            bytes += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
                        } else {
                            bytes += String(u).utf8
                        }
                    }
                }
            } else {
                bytes += token.utf8
            }
            starts.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.starts = starts
    }

    /// Appends the text of `id` (nothing for an id out of range).
    @inline(__always)
    func append(_ id: Int32, to out: inout [UInt8]) {
        let i = Int(id)
        guard i >= 0, i + 1 < starts.count else { return }
        out.append(contentsOf: bytes[Int(starts[i])..<Int(starts[i + 1])])
    }
}
