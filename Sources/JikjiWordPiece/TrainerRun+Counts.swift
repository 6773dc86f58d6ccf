// Training in steps that can run on many machines: count shards of the corpus, merge the
// count files, train from the merged table. The counting is CorpusWordCounter's, the training
// WordPieceTrainer's: the same code `vocab train` runs in one piece, so the vocabulary is the same.
import Foundation
import JikjiIO

/// What writing a count file read and wrote.
public struct WordCountShardResult: Sendable {
    /// The file's header (settings and the parts read).
    public var header: WordCountHeader
    /// Distinct words written.
    public var distinctWords: Int
    /// Word occurrences counted.
    public var totalWords: Int64
    /// Documents read.
    public var documents: Int
    /// Approximate bytes the word counts held (the process's only corpus-sized memory).
    public var wordCountBytes: Int
}

extension CorpusWordCounter {
    /// Counts the words of `files` (or of `shard`'s share of them) as ``count(files:options:shard:progress:)``
    /// does and writes them as a count file to `output` (committed at the end).
    ///
    /// - Parameter toolVersion: the Jikji version, part of the counting settings.
    /// - Throws: what counting throws; ``TextInputError`` when the output cannot be written.
    public static func writeCounts(files: [String], options: CorpusReadingOptions, shard: InputShard?, toolVersion: String,
                                   to output: OutputFile, progress: ReadProgress? = nil) throws -> WordCountShardResult {
        let corpus = try count(files: files, options: options, shard: shard, progress: progress)
        let header = WordCountHeader(settings: CountingSettings(normalizer: options.normalizer, pipeline: options.pipeline,
                                                                toolVersion: toolVersion),
                                     parts: corpus.parts)
        try WordCountFileWriter.write(corpus.words, header: header, to: output)
        return WordCountShardResult(header: header, distinctWords: corpus.words.distinctCount, totalWords: corpus.words.totalCount,
                                    documents: corpus.documents, wordCountBytes: corpus.words.memoryBytes)
    }
}

extension WordCounts {
    /// Reads a whole count file into a table (for training), checking its order and totals.
    /// - Throws: ``WordCountFileError``, ``TextInputError``.
    public static func load(countsAt path: String) throws -> (words: WordCounts, header: WordCountHeader) {
        var reader = try WordCountFileReader(path: path)
        var words = WordCounts()
        while let entry = try reader.next() {
            entry.word.withUnsafeBytes { words.add($0, count: entry.count) }
        }
        return (words, reader.header)
    }
}

extension WordPieceTrainer {
    /// Trains on the word counts of the count file at `path` (one shard's, or merged ones'):
    /// `min_frequency` and every other option apply to the whole table, so the vocabulary is
    /// the one ``train(files:reading:readProgress:mergeProgress:)`` gives on all the text counted.
    ///
    /// The file is read as a stream, twice (for the alphabet, then to split the words into
    /// symbols), and never held as a table of words: the memory is the trainer's own tables.
    ///
    /// - Returns: the run (its `files` are the fingerprints of the parts counted; its word-count
    ///   bytes are those of the split words, its counting time 0: the reading is part of the
    ///   training time) and the count file's header, whose settings say how the text was
    ///   normalized and cleaned.
    /// - Throws: ``WordCountFileError``, ``TextInputError``, ``WordPieceTrainerError``.
    public func train(countsAt path: String, mergeProgress: MergeProgress? = nil) throws
        -> (run: WordPieceTrainingRun, header: WordCountHeader) {
        let start = Date()
        let header = try WordCountFileReader(path: path).header
        let trained = try train(source: CountFileWords(path: path), files: [path], progress: mergeProgress)
        let run = WordPieceTrainingRun(vocabulary: trained.vocabulary, files: header.parts.map(\.file),
                                       documents: header.documents, wordCountBytes: trained.wordTableBytes,
                                       countingSeconds: 0, mergingSeconds: Date().timeIntervalSince(start))
        return (run, header)
    }
}
