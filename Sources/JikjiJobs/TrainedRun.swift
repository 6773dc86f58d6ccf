import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiVocabStore
import JikjiWordPiece

/// A run's trained model, loaded for use: `jikji predict`, `generate` and `translate`.
///
/// Loads the run's resolved job, its vocabulary from the store, and the weights of its best
/// checkpoint (the last one when none was marked best).
public struct TrainedRun {
    public let run: RunRegistry.Run
    public let job: JobConfig
    public let vocabulary: JobVocabulary
    let task: TrainingTask
    /// The checkpoint the weights came from.
    public let checkpoint: RunRegistry.Checkpoint

    /// Loads run `runID` from the registry at `registryPath`.
    public init(runID: Int, registryPath: String) throws {
        // Decoding alternates BLAS products with Jikji's threaded recurrent steps, as training does.
        BLAS.shortenIdleSpin()
        let registry = try RunRegistry(path: registryPath)
        run = try registry.run(runID)
        job = try JobConfig(yaml: run.resolvedConfig, source: "run \(runID)'s resolved job", defaultName: run.jobName)
        let checkpoints = try registry.checkpoints(of: runID)
        guard let chosen = checkpoints.last(where: \.isBest) ?? checkpoints.last else {
            throw JobRunError.data("run \(runID) has no checkpoint yet; train it first (jikji job resume \(runID))")
        }
        checkpoint = chosen
        let store = try VocabularyStore(path: job.vocab.database, create: false)
        vocabulary = try JobVocabulary(try store.load(job.vocab.name))
        var generator = SeededGenerator(seed: job.seed)
        task = try makeTask(job: job, vocabulary: vocabulary, generator: &generator)
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: chosen.path + "/model.safetensors"))
        try task.loadStateDict(file.tensors)
    }

    /// Token ids of `texts` as the model was trained on them (cleaned, encoded, no special tokens),
    /// by the vocabulary's ``JobVocabulary/textEncoder``.
    public func encode(_ texts: [String]) throws -> [[Int]] {
        var ids: [UInt32] = [], ends: [Int] = []
        try vocabulary.encoder.encode(texts, appendingTo: &ids, ends: &ends)
        var start = 0
        return ends.map { end in
            defer { start = end }
            return ids[start..<end].map { Int($0) }
        }
    }

    /// The text of `ids`, special tokens skipped, `##` pieces joined as HF decodes (the decoder
    /// of the encoder that ``encode(_:)`` runs).
    public func decode(_ ids: [Int]) -> String {
        vocabulary.textEncoder.decode(ids.map { Int32($0) }, skipSpecialTokens: true)
    }

    // MARK: Classification

    /// One prediction.
    public struct Prediction: Equatable {
        /// The predicted class.
        public var label: Int
        /// Its probability.
        public var probability: Double
    }

    /// Classifies `texts` (a classifier run), in batches of the job's batch size.
    public func classify(_ texts: [String]) throws -> [Prediction] {
        guard let classifier = task as? ClassifierTask else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; predict needs a classifier")
        }
        let model = classifier.model
        let maxLength = job.batching.maxLength
        let specials = vocabulary.specials
        var predictions: [Prediction] = []
        predictions.reserveCapacity(texts.count)
        var unused = SeededGenerator(seed: 0)
        let batchSize = max(1, job.batching.batchSize)
        var start = 0
        while start < texts.count {
            let chunk = Array(texts[start..<min(texts.count, start + batchSize)])
            var sequences = try encode(chunk).map { Array($0.prefix(maxLength - (job.batching.addSpecialTokens ? 2 : 0))) }
            if job.batching.addSpecialTokens, let cls = specials.cls, let sep = specials.sep {
                sequences = sequences.map { [Int(cls)] + $0 + [Int(sep)] }
            }
            // An empty text still needs one step: it reads a single padding token.
            let lengths = sequences.map { max(1, $0.count) }
            let steps = lengths.max() ?? 1
            var ids = [Int](repeating: vocabulary.padID, count: chunk.count * steps)
            for (r, s) in sequences.enumerated() { for (t, id) in s.enumerated() { ids[r * steps + t] = id } }
            let (logits, _) = try model.forward(ids: ids, batch: chunk.count, steps: steps, lengths: lengths,
                                                training: false, generator: &unused, recordTape: false)
            let width = logits.count / chunk.count
            for r in 0..<chunk.count {
                if width == 1 {
                    let p = 1 / (1 + exp(-Double(logits.storage[r])))
                    predictions.append(p >= 0.5 ? Prediction(label: 1, probability: p) : Prediction(label: 0, probability: 1 - p))
                } else {
                    let row = (0..<width).map { Double(logits.storage[r * width + $0]) }
                    let m = row.max() ?? 0
                    let e = row.map { exp($0 - m) }
                    let total = e.reduce(0, +)
                    let best = e.indices.max { e[$0] < e[$1] } ?? 0
                    predictions.append(Prediction(label: best, probability: e[best] / total))
                }
            }
            start += batchSize
        }
        return predictions
    }

    /// The class id of a raw label as the job's label mapping maps it (nil: dropped by the mapping).
    public func classID(ofLabel raw: String) throws -> Int? {
        if job.data.labelMap.isEmpty { return Int(raw.trimmingCharacters(in: .whitespaces)) }
        let mapping = try LabelMapping(parsing: job.data.labelMap.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
        return mapping.map(raw).map(Int.init)
    }

    // MARK: Generation and translation

    /// Continues `prompt` with a language-model run; returns the whole text (prompt included).
    public func generate(prompt: String, maxTokens: Int, temperature: Float, topK: Int, seed: UInt64) throws -> String {
        guard let lm = task as? LanguageModelTask else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; generate needs a language model")
        }
        let ids = try encode([prompt])[0]
        // A document starts the way training saw documents start: after [CLS] when every document
        // was its own row, after the [SEP] that ended the previous document in a stream.
        let start = lm.hiddenState == .document ? vocabulary.specials.cls : vocabulary.specials.sep
        let context = (start.map { [Int($0)] } ?? []) + ids
        guard !context.isEmpty else { throw JobRunError.data("the prompt encodes to no tokens and the vocabulary has no [SEP]") }
        var stops = Set<Int>()
        if let sep = vocabulary.specials.sep { stops.insert(Int(sep)) }
        var generator = SeededGenerator(seed: seed)
        let produced = try lm.model.generate(prompt: context, maxTokens: maxTokens,
                                             sampling: .init(temperature: temperature, topK: topK), stopIDs: stops, generator: &generator)
        return decode(ids + produced)
    }

    /// Answers each source text with an encoder-decoder run; `nBest` hypotheses per source, best first.
    public func translate(_ texts: [String], options: Seq2Seq.SearchOptions) throws -> [[String]] {
        guard let s2s = task as? Seq2SeqTask else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; translate needs an encoder-decoder")
        }
        return try encode(texts).map { ids in
            let source = ids.isEmpty ? [vocabulary.padID] : Array(ids.prefix(job.batching.maxLength))
            return try s2s.model.translate(source, options: options).map { decode($0.tokens) }
        }
    }
}
