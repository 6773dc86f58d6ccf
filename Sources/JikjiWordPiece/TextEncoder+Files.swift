import Foundation

extension TextEncoder {
    /// The encoder of an HF / BERT `vocab.txt`, which records no normalizer: `normalizer` gives
    /// the flags (HF's `lowercase`, `strip_accents`). `[CLS]`/`[SEP]` are added when the file has
    /// them, as `BertWordPieceTokenizer(vocab.txt)` does. No cleaning pipeline.
    /// - Throws: ``WordPieceError`` when the file cannot be read or is not a vocabulary.
    public init(vocabTxt url: URL, normalizer: BertNormalizerOptions) throws {
        let vocabulary = try WordPieceVocabulary(vocabTxt: url)
        try self.init(tokenizer: WordPieceTokenizer(vocabulary: vocabulary, normalizer: normalizer))
    }

    /// The encoder an HF `tokenizer.json` describes, as HF loads it (``HFTokenizerJSON/tokenizer()``:
    /// normalizer, added tokens with their flags, post-processor as written, decoder, and the
    /// file's truncation and padding as defaults). The normalizers of a `Sequence` before its
    /// `BertNormalizer` run as the cleaning pipeline (``HFTokenizerJSON/cleaningPipeline(path:)``).
    /// - Throws: ``WordPieceError`` when the file's vocabulary cannot be used.
    public init(_ file: HFTokenizerJSON) throws {
        try self.init(tokenizer: try file.tokenizer(), pipeline: try file.cleaningPipeline())
    }
}
