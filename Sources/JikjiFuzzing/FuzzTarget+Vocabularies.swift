import Foundation
import JikjiVocabStore
import JikjiWordPiece

extension FuzzTarget {
    /// A `tokenizer.json` as `encode --vocab FILE` (``VocabularySource``: ``HFTokenizerJSON``,
    /// then ``TextEncoder``) and `vocab import` / `vocab export` (``StoredVocabulary``) use it.
    static func readTokenizerJSON(_ input: [UInt8]) throws {
        try ScratchFile.withFile(containing: input) { path in
            let url = URL(fileURLWithPath: path)
            let file = try HFTokenizerJSON(contentsOf: url)
            try exercise(try TextEncoder(file))
            // Export writes the settings back; the written file must read again.
            _ = try HFTokenizerJSON(data: file.serialized(), path: "re-serialized fuzz input")
            try importAndExport(url, format: .tokenizerJSON)
        }
    }

    /// A `vocab.txt` as `encode --vocab FILE` (``TextEncoder/init(vocabTxt:normalizer:)``, with
    /// HF's default flags and with Korean ones) and `vocab import` read it.
    static func readVocabTxt(_ input: [UInt8]) throws {
        try ScratchFile.withFile(containing: input) { path in
            let url = URL(fileURLWithPath: path)
            try exercise(try TextEncoder(vocabTxt: url, normalizer: BertNormalizerOptions(lowercase: true)))
            try exercise(try TextEncoder(vocabTxt: url, normalizer: .korean))
            try importAndExport(url, format: .vocabTxt)
        }
    }

    /// `vocab import` of `url` (format detected from the contents, as the CLI does, then as
    /// `format`), the stored vocabulary's tokenizer, and `vocab export` of it read back.
    private static func importAndExport(_ url: URL, format: VocabularyFileFormat) throws {
        for chosen in [nil, format] {
            let stored = try StoredVocabulary.importing(url, name: "fuzz", format: chosen, toolVersion: "fuzz")
            try exercise(try TextEncoder(tokenizer: try stored.wordPieceTokenizer()))
            let exported = try stored.hfTokenizerJSON()
            _ = try HFTokenizerJSON(data: exported.serialized(), path: "exported fuzz vocabulary")
        }
    }

    /// Encodes the sample texts one by one and as a batch (with truncation and padding), and
    /// decodes ids in and out of the vocabulary's range.
    static func exercise(_ encoder: TextEncoder) throws {
        for text in FuzzFixtures.sampleTexts {
            let encoding = try encoder.encode(text)
            _ = encoder.decode(encoding.ids)
            _ = encoder.decode(encoding.ids, skipSpecialTokens: false)
        }
        _ = try encoder.encodeBatch(FuzzFixtures.sampleTexts, truncation: TruncationOptions(maxLength: 5),
                                    padding: PaddingOptions(strategy: .batchLongest))
        let edges = [-1, 0, 1].map { Int32(clamping: encoder.vocabulary.count + $0) }
        _ = encoder.decode([0, 1, -1, Int32.max, Int32.min] + edges)
    }
}
