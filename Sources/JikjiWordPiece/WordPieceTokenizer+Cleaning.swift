import JikjiText

extension WordPieceTokenizer {
    /// Encodes `text` as one sequence (no special tokens), appending to `out`; when `cleaner` is
    /// given the text is first cleaned by it, exactly as ``CleaningPipeline/clean(_:)`` would.
    ///
    /// The cleaned bytes go through `scratch.cleaned`, so a worker allocates nothing per text.
    func encodeSequence(of text: String, cleanedBy cleaner: TextCleaner?, into out: inout Encoding,
                        scratch: inout EncoderScratch) throws {
        var text = text
        try text.withUTF8 { raw in
            guard let cleaner else { return try encodeSequence(raw, into: &out, scratch: &scratch) }
            try encodeSequence(cleaning: raw, with: cleaner, into: &out, scratch: &scratch)
        }
    }

    /// Cleans the UTF-8 `raw` with `cleaner`, then encodes the result as one sequence into `out`.
    ///
    /// - Throws: a ``TextInputError`` of kind `invalidUTF8` when `raw` is not UTF-8 (callers
    ///   that know the line turn it into a located error), and the encoder's errors.
    func encodeSequence(cleaning raw: UnsafeBufferPointer<UInt8>, with cleaner: TextCleaner, into out: inout Encoding,
                        scratch: inout EncoderScratch) throws {
        // Moved out of `scratch` while it is filled, since `scratch` is also passed inout below.
        var cleaned = scratch.cleaned
        scratch.cleaned = []
        defer { scratch.cleaned = cleaned }
        try cleaner.clean(utf8: raw, into: &cleaned)
        try cleaned.withUnsafeBufferPointer { try encodeSequence($0, into: &out, scratch: &scratch) }
    }
}
