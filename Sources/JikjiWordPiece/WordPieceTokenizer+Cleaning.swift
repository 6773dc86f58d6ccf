import JikjiText

extension WordPieceTokenizer {
    /// Encodes `text` as one sequence (no special tokens), appending to `out`; when `cleaner` is
    /// given the text is first cleaned by it, exactly as ``CleaningPipeline/clean(_:)`` would.
    /// With `aligning`, the tokens' offsets index `text` itself rather than the cleaned text.
    ///
    /// The cleaned bytes go through `scratch.cleaned`, so a worker allocates nothing per text.
    func encodeSequence(of text: String, cleanedBy cleaner: TextCleaner?, aligning: Bool, into out: inout Encoding,
                        scratch: inout EncoderScratch) throws {
        var text = text
        try text.withUTF8 { raw in
            guard let cleaner else { return try encodeSequence(raw, into: &out, scratch: &scratch) }
            try encodeSequence(cleaning: raw, with: cleaner, aligning: aligning, into: &out, scratch: &scratch)
        }
    }

    /// Cleans the UTF-8 `raw` with `cleaner`, then encodes the result as one sequence into `out`.
    /// With `aligning`, the offsets of the tokens appended index `raw` (in characters, as
    /// always), traced back through every cleaning step (``CleaningAlignment``); without it they
    /// index the cleaned text, and cleaning costs nothing more than cleaning.
    ///
    /// - Throws: a ``TextInputError`` of kind `invalidUTF8` when `raw` is not UTF-8 (callers
    ///   that know the line turn it into a located error), and the encoder's errors.
    func encodeSequence(cleaning raw: UnsafeBufferPointer<UInt8>, with cleaner: TextCleaner, aligning: Bool,
                        into out: inout Encoding, scratch: inout EncoderScratch) throws {
        // Moved out of `scratch` while it is filled, since `scratch` is also passed inout below.
        var cleaned = scratch.cleaned
        scratch.cleaned = []
        defer { scratch.cleaned = cleaned }
        guard aligning else {
            try cleaner.clean(utf8: raw, into: &cleaned)
            return try cleaned.withUnsafeBufferPointer { try encodeSequence($0, into: &out, scratch: &scratch) }
        }
        var alignment = scratch.alignment
        scratch.alignment = CleaningAlignment()
        defer { scratch.alignment = alignment }
        try cleaner.clean(utf8: raw, into: &cleaned, alignment: &alignment)
        let mark = out.count
        try cleaned.withUnsafeBufferPointer { try encodeSequence($0, into: &out, scratch: &scratch) }
        out.mapOffsets(from: mark, through: alignment)
    }
}

extension Encoding {
    /// Maps the offsets of tokens `mark...` from the cleaned text to the text before cleaning.
    mutating func mapOffsets(from mark: Int, through alignment: CleaningAlignment) {
        for k in mark..<offsets.count {
            let range = alignment.originalRange(start: Int(offsets[k].start), end: Int(offsets[k].end))
            offsets[k] = TokenOffsets(Int32(range.lowerBound), Int32(range.upperBound))
        }
    }
}
