import Foundation
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining
import JikjiVocabStore
import JikjiWordPiece

/// A run's trained model, loaded for use: `jikji predict`, `generate` and `translate`.
///
/// Loads the run's resolved job, the vocabulary version it pinned (never a newer one of the same
/// name), and the weights of its best checkpoint (the last one when none was marked best). The
/// registry keeps run and checkpoint paths relative to itself, so it works from any directory.
public struct TrainedRun {
    public let run: RunRegistry.Run
    public let job: JobConfig
    public let vocabulary: JobVocabulary
    let task: any TrainingTask
    /// The checkpoint the weights came from.
    public let checkpoint: RunRegistry.Checkpoint

    /// How the run's training batches were cut and padded (inference pads and truncates the same way).
    public let batching: BatchingOptions

    /// Which checkpoint of a run to load.
    public enum CheckpointChoice: Sendable, Equatable {
        /// The best one (the last one when none was marked best).
        case best
        /// The last one recorded.
        case last
        /// The one of this step.
        case step(Int)
    }

    /// Loads run `runID` from the registry at `registryPath`; `vocabularyDatabase` replaces the
    /// vocabulary database the run recorded (for a store that moved); `choice` picks the checkpoint.
    public init(runID: Int, registryPath: String, vocabularyDatabase: String? = nil, checkpoint choice: CheckpointChoice = .best) throws {
        // Decoding alternates BLAS products with Jikji's threaded recurrent steps, as training does.
        BLAS.shortenIdleSpin()
        let registry = try RunRegistry(path: registryPath, readOnly: true)
        run = try registry.run(runID)
        job = try JobConfig(yaml: run.resolvedConfig, source: "run \(runID)'s resolved job", defaultName: run.jobName)
        let checkpoints = try registry.checkpoints(of: runID)
        guard !checkpoints.isEmpty else {
            throw JobRunError.data("run \(runID) has no checkpoint yet; train it first (jikji job resume \(runID))")
        }
        let picked: RunRegistry.Checkpoint?
        switch choice {
        case .best: picked = checkpoints.last(where: \.isBest) ?? checkpoints.last
        case .last: picked = checkpoints.last
        case let .step(step): picked = checkpoints.first { $0.step == step }
        }
        guard let chosen = picked else {
            throw JobRunError.data("run \(runID) has no checkpoint of that step; it keeps steps "
                                   + checkpoints.map { String($0.step) }.joined(separator: ", "))
        }
        checkpoint = chosen
        // Runs recorded before pins name the vocabulary as their job did.
        let reference = run.pins?.vocabulary ?? job.vocab.name
        let database = vocabularyDatabase ?? run.pins?.vocabularyDatabase ?? job.vocab.database
        let stored: StoredVocabulary
        do {
            stored = try VocabularyStore(path: database, create: false, readOnly: true).load(reference)
        } catch {
            throw JobRunError.data("run \(runID) was trained with vocabulary \(reference) of \(database), which cannot be "
                                   + "loaded: \(error) (--db names another vocabulary database)")
        }
        vocabulary = try JobVocabulary(stored)
        var generator = SeededGenerator(seed: job.seed)
        task = try makeTask(job: job, vocabulary: vocabulary, generator: &generator)
        let weights = chosen.path + "/model.safetensors"
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: weights))
        try file.requireFiniteValues(source: weights)
        try task.loadStateDict(file.tensors)
        batching = try job.batchingOptions(vocabulary: vocabulary)
    }

    /// Token ids of `texts` as the model was trained on them (cleaned, encoded, no special tokens),
    /// by the vocabulary's ``JobVocabulary/textEncoder``.
    public func encode(_ texts: [String]) throws -> [[TokenID]] {
        var ids: [TokenID] = [], ends: [Int] = []
        try vocabulary.encoder.encode(texts, appendingTo: &ids, ends: &ends)
        var start = 0
        return ends.map { end in
            defer { start = end }
            return Array(ids[start..<end])
        }
    }

    /// The text of `ids`, special tokens skipped, `##` pieces joined as HF decodes (the decoder
    /// of the encoder that ``encode(_:)`` runs).
    public func decode(_ ids: [TokenID]) -> String {
        vocabulary.textEncoder.decode(ids, skipSpecialTokens: true)
    }

    /// Inference batches: the training layout (start/end tokens, `max_length`, `truncate_side`),
    /// in input order, the job's batch size per batch.
    var inferenceBatching: BatchingOptions {
        var o = batching
        o.size = .sentences(max(1, job.batching.batchSize))
        o.shuffle = false
        o.bucketPool = 0
        o.sortWithinBatch = false
        o.dropLast = false
        return o
    }

    // MARK: Classification

    /// One prediction.
    public struct Prediction: Equatable {
        /// The predicted class.
        public var label: Int
        /// Its probability.
        public var probability: Double
    }

    /// The batches ``classify(_:)`` feeds the classifier for `texts`: the texts encoded (reversed
    /// for a `model.direction: backward` classifier), then cut, truncated and padded by the same
    /// ``Batches`` as training (so `truncate_side: pre` keeps the last ids here too), in input order.
    public func batches(classifying texts: [String]) throws -> Batches {
        let dataset = try EncodedDataset(sequences: try encode(texts), labels: nil, kind: .classification,
                                         specialTokens: vocabulary.specials, vocabularySize: vocabulary.size)
        // A backward classifier reads each text reversed, as it was trained (``JobData``).
        let read = job.model.direction == .backward ? dataset.reversingDocuments() : dataset
        return try Batches(dataset: read, split: .train, options: inferenceBatching)
    }

    /// Classifies `texts` (a classifier run), in batches of the job's batch size.
    public func classify(_ texts: [String]) throws -> [Prediction] {
        guard let classifier = task as? ClassifierTraining else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; predict needs a classifier")
        }
        var predictions = [Prediction](repeating: Prediction(label: 0, probability: 0), count: texts.count)
        var unused = SeededGenerator(seed: 0)
        for batch in try batches(classifying: texts) {
            let pass = try classifier.model.forward(batch, training: false, generator: &unused)
            for (r, p) in SequenceClassifier.predictions(pass.logits, rows: batch.size).enumerated() {
                predictions[batch.indices[r]] = Prediction(label: p.label, probability: p.probability)
            }
        }
        return predictions
    }

    /// The accuracy of `predictions` against raw labels as the job's label mapping maps them:
    /// (accuracy, correct, counted); labels the mapping drops are not counted.
    public func accuracy(of predictions: [Prediction], labels: [String]) throws -> (accuracy: Double, correct: Int, counted: Int) {
        var correct = 0, counted = 0
        for (p, raw) in zip(predictions, labels) {
            guard let truth = try classID(ofLabel: raw) else { continue }
            counted += 1
            if truth == p.label { correct += 1 }
        }
        return (counted > 0 ? Double(correct) / Double(counted) : 0, correct, counted)
    }

    /// The class id of a raw label as the job's label mapping maps it (nil: dropped by the mapping).
    public func classID(ofLabel raw: String) throws -> Int? {
        if job.data.labelMap.isEmpty { return Int(raw.trimmingCharacters(in: .whitespaces)) }
        let mapping = try LabelMapping(parsing: job.data.labelMap.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
        return mapping.map(raw).map(Int.init)
    }

    // MARK: Generation and translation

    /// What one generation produced.
    public struct Generation: Sendable, Equatable {
        /// The whole text, prompt included.
        public var text: String
        /// The ids the model read before producing: the document start, then the prompt (reversed for a backward model).
        public var context: [TokenID]
        /// The ids produced, in the order the model produced them.
        public var ids: [TokenID]
        /// Each produced id's log-probability under the model.
        public var logProbabilities: [Double]
    }

    /// Continues `prompt` with a language-model run; returns the whole text (prompt included).
    public func generate(prompt: String, maxTokens: Int, temperature: Float, topK: Int, seed: UInt64) throws -> String {
        try generation(prompt: prompt, maxTokens: maxTokens, temperature: temperature, topK: topK, seed: seed).text
    }

    /// ``generate(prompt:maxTokens:temperature:topK:seed:)`` with the ids read and produced and
    /// the produced ids' log-probabilities.
    public func generation(prompt: String, maxTokens: Int, temperature: Float, topK: Int, seed: UInt64) throws -> Generation {
        guard let lm = task as? LanguageModelTraining else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; generate needs a language model")
        }
        let ids = try encode([prompt])[0]
        // A backward model continues the text to the left: it reads the prompt reversed, and what
        // it produces is reversed back in front of the prompt.
        let backward = job.model.direction == .backward
        // A document starts the way training saw documents start: after [CLS] when every document
        // was its own row (the batches' document start), after the [SEP] that ended the previous
        // document in a stream (the batches' document separator).
        let start = generationStart
        let context = Array(PaddedSequences([backward ? ids.reversed() : ids], layout: SequenceLayout(startToken: start), pad: vocabulary.specials.pad)
            .tokens(ofRow: 0))
        guard !context.isEmpty else { throw JobRunError.data("the prompt encodes to no tokens and the vocabulary has no [SEP]") }
        var stops = Set<TokenID>()
        if let sep = vocabulary.specials.sep { stops.insert(sep) }
        var generator = SeededGenerator(seed: seed)
        let scored = try lm.model.generateScored(prompt: context, maxTokens: maxTokens,
                                                 sampling: .init(temperature: temperature, topK: topK), stopIDs: stops, generator: &generator)
        let produced = scored.map(\.id)
        let text: String
        if backward {
            let kept = produced.last.map { stops.contains($0) } == true ? produced.dropLast() : produced[...]
            text = decode(kept.reversed() + ids)
        } else {
            text = decode(ids + produced)
        }
        return Generation(text: text, context: context, ids: produced, logProbabilities: scored.map(\.logProbability))
    }

    /// The id a generated document starts after: the batches' document start when every document
    /// was its own row in training, the [SEP] that ended the previous document in a stream otherwise.
    public var generationStart: TokenID? {
        batching.languageModelLayout == .documents ? batching.documentStart : vocabulary.specials.sep
    }

    /// Answers each source text with an encoder-decoder run; `nBest` hypotheses per source, best first.
    public func translate(_ texts: [String], options: Seq2Seq.SearchOptions) throws -> [[String]] {
        try translations(texts, options: options).map { $0.hypotheses.map { decode($0.tokens) } }
    }

    /// One source's search: the ids fed to the encoder and the hypotheses, best first.
    public struct Translation: Sendable, Equatable {
        /// The source ids as the encoder read them (start/end tokens and truncation included).
        public var source: [TokenID]
        /// The hypotheses, best first.
        public var hypotheses: [Seq2Seq.Hypothesis]
    }

    /// ``translate(_:options:)`` with the source ids and each hypothesis's ids and log-probability.
    public func translations(_ texts: [String], options: Seq2Seq.SearchOptions) throws -> [Translation] {
        guard let s2s = task as? Seq2SeqTraining else {
            throw JobRunError.unsupported("run \(run.id) is a \(job.model.task.rawValue) run; translate needs an encoder-decoder")
        }
        // Sources are laid out as training laid them out (start/end tokens, max_length, truncate_side).
        let layout = inferenceBatching.source
        return try encode(texts).map { ids in
            let row = PaddedSequences([ids], layout: layout, pad: vocabulary.specials.pad).tokens(ofRow: 0)
            let source = row.isEmpty ? [vocabulary.specials.pad] : Array(row)
            return Translation(source: source, hypotheses: try s2s.model.translate(source, options: options))
        }
    }
}
