import Foundation
import JikjiText

/// The truncation and padding a streaming encode applies, resolved from its options and the
/// tokenizer's own settings (a tokenizer.json's): explicit options first, then the file's.
struct LineEncodingSettings {
    /// Truncation of every record, or nil.
    var truncation: TruncationOptions?
    /// Padding of every record (fixed, or the longest of a batch), or nil.
    var padding: PaddingOptions?
    /// The length a fixed padding pads to (rounded up to its multiple); nil for none or for
    /// padding to the longest (the file's `BatchLongest` pads nothing: one line is its own batch
    /// unless ``LineEncodingOptions/padToLongest`` makes batches).
    var fixedPadLength: Int?

    /// The settings of `options` for `tokenizer`.
    /// - Throws: ``WordPieceError/invalidOption(name:reason:)`` for options that cannot work together.
    init(_ options: LineEncodingOptions, tokenizer: WordPieceTokenizer) throws {
        func invalid(_ name: String, _ reason: String) -> WordPieceError { .invalidOption(name: name, reason: reason) }
        if options.padToMaxLength, options.maxLength == nil {
            throw invalid("padding", "padding to a fixed length needs a max length")
        }
        if options.padToMaxLength, options.padToLongest {
            throw invalid("padding", "pad to the max length or to the longest of a batch, not both")
        }
        if options.padToLongest, options.paddingBatchSize < 1 {
            throw invalid("batch size", "\(options.paddingBatchSize) must be 1 or more")
        }
        if let maxLength = options.maxLength, maxLength < 0 {
            throw invalid("max length", "\(maxLength) must be 0 or more")
        }
        if let stride = options.stride, stride < 0 {
            throw invalid("stride", "\(stride) must be 0 or more")
        }
        if options.pairColumn != nil, options.column == nil {
            throw invalid("pair column", "a pair column needs a text column (the first text of each pair)")
        }
        var truncation = options.maxLength.map { TruncationOptions(maxLength: $0) }
            ?? (options.ignoreTokenizerTruncation ? nil : tokenizer.truncation)
        if options.truncationStrategy != nil || options.stride != nil {
            guard truncation != nil else {
                throw invalid("truncation", "a truncation strategy or stride needs a max length")
            }
            if let strategy = options.truncationStrategy { truncation?.strategy = strategy }
            if let stride = options.stride { truncation?.stride = stride }
        }
        if options.truncationStrategy == .onlySecond, options.pairColumn == nil {
            throw invalid("truncation", "only_second cuts the second text of pairs: it needs a pair column")
        }
        self.truncation = truncation
        // Padding uses the vocabulary's [PAD] (HF's default id 0 when it has none).
        let padId = Int32(tokenizer.vocabulary.id(for: "[PAD]") ?? 0)
        if options.padToLongest {
            padding = PaddingOptions(strategy: .batchLongest, padId: padId)
        } else if options.padToMaxLength {
            padding = options.maxLength.map { PaddingOptions(strategy: .fixed($0), padId: padId) }
        } else {
            padding = options.ignoreTokenizerPadding ? nil : tokenizer.padding
        }
        fixedPadLength = try padding.flatMap { p -> Int? in
            guard case .fixed(var n) = p.strategy else { return nil }
            if let multiple = p.padToMultipleOf, multiple > 0, n % multiple != 0 {
                let (rounded, overflow) = n.addingReportingOverflow(multiple - n % multiple)
                guard !overflow else {
                    throw WordPieceError.invalidOption(name: "padding", reason: "\(n) rounded up to a multiple of \(multiple) is beyond the largest length")
                }
                n = rounded
            }
            return n
        }
    }
}

/// Encodings waiting for their batch to be complete before they are padded to its longest
/// and written (``LineEncodingOptions/padToLongest``).
struct LongestPaddingBatches {
    /// Records per batch.
    let size: Int
    /// Encoded records not written yet, in input order.
    var pending: [Encoding] = []

    /// A batcher of `size` records per batch.
    init(size: Int) { self.size = size }

    /// Pads and writes every full batch of ``pending`` (`onlyFull`), or everything left (the
    /// last, shorter batch at the end of the input); returns the tokens written.
    mutating func write(onlyFull: Bool, padding: PaddingOptions, to output: FileHandle,
                        format: (Encoding, inout [UInt8]) -> Void) throws -> Int {
        var tokens = 0
        var start = 0
        var out: [UInt8] = []
        while start < pending.count, !onlyFull || pending.count - start >= size {
            var batch = Array(pending[start..<min(start + size, pending.count)])
            WordPieceTokenizer.pad(&batch, padding)
            for e in batch {
                format(e, &out)
                tokens += e.count
            }
            start += batch.count
        }
        pending.removeFirst(start)
        if !out.isEmpty { try WordPieceTokenizer.write(Data(out), to: output) }
        return tokens
    }
}

extension WordPieceTokenizer {
    /// Encodes one record: `text` (already cleaned) and, for a pair, `pair` (cleaned here by
    /// `cleaner` when there is one), then truncates and post-processes as HF's `encode(text, pair)`.
    ///
    /// - Throws: truncation settings that cannot work for this record, as
    ///   ``WordPieceError/invalidOption(name:reason:)`` naming `source` and `line`; and what
    ///   encoding throws.
    func encodeRecord(_ text: UnsafeBufferPointer<UInt8>, alignment: CleaningAlignment?, pair: [UInt8]?,
                      cleaner: TextCleaner?, aligning: Bool, addSpecialTokens: Bool,
                      truncation: TruncationOptions?, scratch: inout EncoderScratch,
                      source: String, line: Int) throws -> Encoding {
        var a = Encoding()
        try encodeSequence(text, into: &a, scratch: &scratch)
        // Offsets index the input line: mapped back through the cleaning before truncation
        // copies them into overflow parts.
        if let alignment { a.mapOffsets(from: 0, through: alignment) }
        var b: Encoding?
        if let pair {
            var second = Encoding()
            if let cleaner {
                // The second text is cleaned (and, for jsonl, its offsets traced back) like the first.
                try pair.withUnsafeBufferPointer {
                    try encodeSequence(cleaning: $0, with: cleaner, aligning: aligning, into: &second, scratch: &scratch)
                }
            } else {
                try pair.withUnsafeBufferPointer { try encodeSequence($0, into: &second, scratch: &scratch) }
            }
            b = second
        }
        do {
            return try finish(a, b, addSpecialTokens: addSpecialTokens, truncation: truncation)
        } catch WordPieceError.invalidOption(let name, let reason) {
            throw WordPieceError.invalidOption(name: name, reason: "\(source):\(line): \(reason)")
        }
    }
}
