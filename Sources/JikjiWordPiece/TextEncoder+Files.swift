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

    /// The encoder an HF `tokenizer.json` describes: its normalizer, its WordPiece model, its
    /// post-processor (none when the file has none) and its decoder's cleanup flag. No cleaning
    /// pipeline.
    /// - Throws: ``WordPieceError`` when the file's vocabulary cannot be used.
    public init(_ file: HFTokenizerJSON) throws {
        let processor = file.postProcessor.map {
            BertPostProcessor(cls: $0.cls, clsId: Int32($0.clsId), sep: $0.sep, sepId: Int32($0.sepId))
        }
        let tokenizer = WordPieceTokenizer(vocabulary: try file.wordPieceVocabulary(), normalizer: file.normalizer,
                                           postProcessor: processor, decoderCleanup: file.decoderCleanup)
        try self.init(tokenizer: tokenizer)
    }
}
