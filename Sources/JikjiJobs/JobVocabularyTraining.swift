import JikjiIO
import Foundation
import JikjiConfig
import JikjiText
import JikjiVocabStore
import JikjiWordPiece

/// Trains the vocabulary a job names when the store does not have it yet, from the job's
/// training files, with the job's `vocab:` settings (HF BertWordPieceTokenizer's algorithm and
/// its Korean-friendly normalizer settings: no lowercasing unless asked; accents follow `lowercase`
/// as HF's `strip_accents=None` does, unless `strip_accents` is set).
public enum JobVocabularyTraining {
    /// Trains, saves and returns the new vocabulary. Seq2seq jobs read both the source and the
    /// target column; other jobs read the text column.
    public static func train(_ job: JobConfig) throws -> StoredVocabulary {
        do {
            return try trainUnchecked(job)
        } catch let WordPieceTrainerError.vocabSizeBelowBaseVocabulary(requested, base, _, alphabet, _) {
            // The trainer's message names its CLI flags; a job file user needs the job's keys.
            throw ConfigError(.impossible, at: ConfigLocation(source: job.source), path: "vocab.vocab_size",
                "\(requested) is below the \(base) tokens every character of the corpus needs (\(alphabet) characters "
                + "and their ## forms plus the special tokens): set vocab.vocab_size to at least \(base) or lower vocab.limit_alphabet")
        }
    }

    static func trainUnchecked(_ job: JobConfig) throws -> StoredVocabulary {
        let reference = try VocabularyReference(parsing: job.vocab.name)
        guard reference.version == nil else {
            throw ConfigError(.impossible, at: ConfigLocation(source: job.source), path: "vocab.name",
                              "\(job.vocab.name) names a version the store lacks; a job can only train a new vocabulary by name")
        }
        var options = WordPieceTrainerOptions()
        options.vocabSize = job.vocab.vocabSize
        options.minFrequency = Int64(job.vocab.minFrequency)
        options.limitAlphabet = job.vocab.limitAlphabet
        // As `jikji vocab train`: accents are stripped when lowercasing unless strip_accents says otherwise.
        let normalizer = BertNormalizerOptions(
            stripAccents: BertNormalizerOptions.stripAccents(job.vocab.stripAccents, lowercase: job.vocab.lowercase),
            lowercase: job.vocab.lowercase)
        let pipeline = try job.vocab.pipeline.map { try CleaningPipeline(presetOrFile: $0) }
        let columns = [job.data.textColumn, job.data.sourceColumn, job.data.targetColumn].compactMap { $0 }
        let trainer = WordPieceTrainer(options: options)
        let stored: StoredVocabulary
        if columns.count <= 1 {
            let run = try trainer.train(files: job.data.train, reading: CorpusReadingOptions(
                normalizer: normalizer, column: columns.first, pipeline: pipeline))
            stored = StoredVocabulary(run: run, name: reference.name, normalizer: normalizer, column: columns.first,
                                      pipeline: pipeline, toolVersion: JikjiJobsVersion.string)
        } else {
            // Questions and answers share one vocabulary: count words of every column, then merge.
            var words = WordCounts()
            var files: [FileFingerprint] = []
            for column in columns {
                let counted = try CorpusWordCounter.count(files: job.data.train, options: CorpusReadingOptions(
                    normalizer: normalizer, column: column, pipeline: pipeline))
                words.formUnion(counted.words)
                if files.isEmpty { files = counted.files }
            }
            let trained = try trainer.train(words: words)
            stored = StoredVocabulary(
                trained: trained, name: reference.name, normalizer: normalizer, pipeline: pipeline?.jsonString,
                corpus: CorpusFingerprint(files: files,
                                          column: columns.joined(separator: ",")),
                toolVersion: JikjiJobsVersion.string)
        }
        let store = try VocabularyStore(path: job.vocab.database)
        let version = try store.save(stored)
        return try store.load("\(reference.name)@\(version)")
    }
}
