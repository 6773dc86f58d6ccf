import JikjiText
import JikjiWordPiece

extension StoredVocabulary {
    /// The cleaning pipeline stored with the vocabulary (nil when none was, or it has no steps).
    /// - Throws: a `ConfigError` (JikjiConfig) naming the vocabulary when the stored JSON is not a pipeline.
    public func cleaningPipeline() throws -> CleaningPipeline? {
        guard let json = pipeline, !json.isEmpty, json != "null" else { return nil }
        let parsed = try CleaningPipeline(json: json, source: "cleaning pipeline of vocabulary \(reference)")
        return parsed.steps.isEmpty ? nil : parsed
    }

    /// The complete encoder and decoder of this vocabulary: its stored cleaning pipeline first
    /// (text is cleaned exactly as the training corpus was), then HF's BERT normalizer with the
    /// stored flags, pre-tokenizer, WordPiece, `[CLS] … [SEP]` when the vocabulary has both
    /// tokens, and the WordPiece decoder.
    ///
    /// The trie and the pipeline are compiled here, once: keep the encoder and reuse it.
    /// - Throws: when the stored tokens or the stored pipeline cannot be used (a step that does
    ///   not compile is reported here, naming the step).
    public func textEncoder() throws -> TextEncoder {
        // An imported tokenizer.json's own settings (added tokens, post-processor, decoder,
        // truncation, padding) come with it: see ``wordPieceTokenizer()``.
        return try TextEncoder(tokenizer: try wordPieceTokenizer(), pipeline: try cleaningPipeline())
    }
}
