import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent

/// A training job: what `jikji job run FILE` reads from `jobs/*.yaml`.
///
/// Every section has defaults; ``resolved`` is the whole job with every default filled in, as
/// it is saved with a run. Unknown keys, wrong types and impossible combinations are
/// ``ConfigError``s naming the file, the line and the key path.
public struct JobConfig: Sendable {
    /// The kinds of model a job can train.
    public enum Task: String, Sendable, CaseIterable {
        case classifier, languageModel = "language_model", seq2seq
    }

    /// The job's name (the file name without `.yaml` unless `name:` is set).
    public var name: String
    /// Where the job was read from (a file's path), for errors found after reading it.
    public var source: String
    /// The seed for initialisation, dropout and data order.
    public var seed: UInt64
    public var data: DataSection
    public var vocab: VocabSection
    public var batching: BatchingSection
    public var model: ModelSection
    public var optim: OptimSection
    public var train: TrainSection
    /// The job with every default filled in.
    public var resolved: ConfigValue

    /// Every setting with a closed set of values and its spellings, for `--help`.
    public static let closedChoices: [(key: String, values: [String])] = [
        ("model.kind", Task.allCases.map(\.rawValue)),
        ("model.encoder.cell, model.decoder.cell", RecurrentCell.allCases.map(\.rawValue)),
        ("model.pooling", SequenceClassifier.Pooling.allCases.map(\.rawValue)),
        ("model.attention", Seq2Seq.Attention.allCases.map(\.rawValue)),
        ("model.bridge", Seq2Seq.Bridge.allCases.map(\.rawValue)),
        ("data.format", DataSection.Format.allCases.map(\.rawValue)),
        ("data.on_bad_row", BadRowPolicy.allCases.map(\.rawValue)),
        ("batching.truncate_side, batching.pad_side", Side.allCases.map(\.rawValue)),
        ("optim.optimizer", OptimizerKind.allCases.map(\.rawValue)),
        ("optim.schedule", LearningRateSchedule.Kind.allCases.map(\.rawValue)),
        ("optim.embedding_update", EmbeddingUpdate.allCases.map(\.rawValue)),
        ("train.metric", TrainSection.Metric.allCases.map(\.rawValue)),
        ("train.hidden_state", TrainSection.HiddenState.allCases.map(\.rawValue)),
    ]

    /// Reads a job file, applies `overrides` (`key.path=value`, value in YAML) and validates it.
    public init(contentsOf url: URL, overrides: [String] = []) throws {
        var tree = try ConfigValue.read(contentsOf: url)
        try tree.apply(overrides: overrides)
        try self.init(tree: tree, source: url.path, defaultName: url.deletingPathExtension().lastPathComponent)
    }

    /// Reads a job from YAML text; `source` names it in errors.
    public init(yaml: String, source: String, defaultName: String = "job", overrides: [String] = []) throws {
        var tree = try ConfigValue.parse(yaml: yaml, source: source)
        try tree.apply(overrides: overrides)
        try self.init(tree: tree, source: source, defaultName: defaultName)
    }

    /// Reads a job from a parsed tree; `source` names it in errors.
    public init(tree: ConfigValue, source: String, defaultName: String = "job") throws {
        self.source = source
        let root = try ConfigReader(tree, location: tree.location ?? ConfigLocation(source: source))
        name = try root.string("name", default: defaultName)
        seed = UInt64(try root.int("seed", default: 42, range: 0...Int.max))
        let model = try root.section("model") { try ModelSection($0) }
        let task = model.task
        self.model = model
        data = try root.section("data") { try DataSection($0, task: task) }
        vocab = try root.section("vocab") { try VocabSection($0) }
        batching = try root.section("batching") { try BatchingSection($0, task: task) }
        optim = try root.section("optim") { try OptimSection($0) }
        train = try root.section("train") { try TrainSection($0, task: task) }
        try root.finish()
        resolved = root.resolvedTree
    }
}

/// `data:` — where the examples come from.
public struct DataSection: Sendable {
    /// Training corpus files (TSV/CSV/JSONL/plain lines, by extension unless `format` is set).
    public var train: [String]
    /// Validation files; when empty, `valid_ratio` of the training rows are held out.
    public var valid: [String]
    /// Test files, evaluated once at the end.
    public var test: [String]
    /// The corpus files' layout, or `auto` to tell it from each file's extension.
    public var format: Format
    /// The text column (classifier, language model).
    public var textColumn: String?
    /// The label column (classifier).
    public var labelColumn: String?
    /// Raw label → class index; rows whose label is not listed are dropped and counted.
    /// Empty: labels must be integers 0..<classes.
    public var labelMap: [(String, Int)]
    /// Source and target columns (seq2seq).
    public var sourceColumn: String?
    public var targetColumn: String?
    /// Fraction of training rows held out for validation when `valid` is empty.
    public var validRatio: Double
    /// `fail` or `skip` bad rows (skipped rows are counted by reason).
    public var onBadRow: BadRowPolicy

    /// `data.format`: a corpus layout, or `auto`.
    public enum Format: String, Sendable, CaseIterable {
        case auto, tsv, csv, jsonl, lines

        /// The layout, or nil for `auto`.
        public var corpusFormat: CorpusFormat? {
            switch self {
            case .auto: return nil
            case .tsv: return .tsv
            case .csv: return .csv
            case .jsonl: return .jsonl
            case .lines: return .lines
            }
        }
    }

    init(_ r: ConfigReader, task: JobConfig.Task) throws {
        train = try r.stringList("train", default: [])
        if train.isEmpty {
            throw ConfigError(.missing, at: r.location(of: "train"), path: r.keyPath("train"),
                              "missing; name one or more corpus files, e.g. corpora/nsmc/ratings_train.txt")
        }
        valid = try r.stringList("valid", default: [])
        test = try r.stringList("test", default: [])
        format = try r.choice("format", default: Format.auto)
        switch task {
        case .classifier:
            textColumn = try r.string("text_column", default: "document")
            labelColumn = try r.string("label_column", default: "label")
            sourceColumn = nil; targetColumn = nil
        case .languageModel:
            textColumn = try r.string("text_column", default: "document")
            labelColumn = nil; sourceColumn = nil; targetColumn = nil
        case .seq2seq:
            sourceColumn = try r.string("source_column", default: "Q")
            targetColumn = try r.string("target_column", default: "A")
            textColumn = nil; labelColumn = nil
        }
        labelMap = task == .classifier ? try r.stringToIntMap("label_map", default: []) : []
        validRatio = try r.double("valid_ratio", default: valid.isEmpty ? 0.1 : 0, range: 0...0.9)
        onBadRow = try r.choice("on_bad_row", default: BadRowPolicy.fail)
    }
}

/// `vocab:` — an existing vocabulary, or settings to train one first.
public struct VocabSection: Sendable {
    /// `name` or `name@version` in the vocabulary store.
    public var name: String
    /// The vocabulary database.
    public var database: String
    /// Train the vocabulary from the job's training files when the store does not have it.
    public var trainIfMissing: Bool
    public var vocabSize: Int
    public var minFrequency: Int
    public var limitAlphabet: Int?
    public var lowercase: Bool
    /// A cleaning pipeline (preset name or file) run before the normalizer, or nil.
    public var pipeline: String?

    init(_ r: ConfigReader) throws {
        name = try r.requiredString("name", what: "name a vocabulary (name or name@version), e.g. nsmc-wp30k")
        database = try r.string("database", default: "vocab/jikji.sqlite")
        trainIfMissing = try r.bool("train_if_missing", default: true)
        vocabSize = try r.int("vocab_size", default: 30000, range: 10...1_000_000)
        minFrequency = try r.int("min_frequency", default: 2, range: 1...Int.max)
        limitAlphabet = try r.optionalInt("limit_alphabet", range: 1...Int.max)
        lowercase = try r.bool("lowercase", default: false)
        pipeline = try r.optionalString("pipeline")
    }
}

/// `batching:` — padding, truncation and bucketing.
public struct BatchingSection: Sendable {
    public var batchSize: Int
    /// When set, batches hold at most this many padded tokens (B × T_max) instead of `batch_size` rows.
    public var tokenBudget: Int?
    /// Longest sequence kept (tokens); longer ones are truncated on `truncate_side`.
    public var maxLength: Int
    /// Which end of a long sequence is cut off.
    public var truncateSide: Side
    /// Which end padding goes on (recurrent layers need `post`).
    public var padSide: Side
    /// Batches' worth of examples sorted together by length (1 = no bucketing).
    public var bucketPool: Int
    /// Sort each batch by length, longest first (for packed recurrent layers).
    public var sortWithinBatch: Bool
    public var dropLast: Bool
    /// Add `[CLS]`/`[SEP]` around each sequence (classifier input).
    public var addSpecialTokens: Bool
    /// Window length of language-model streams.
    public var window: Int

    init(_ r: ConfigReader, task: JobConfig.Task) throws {
        batchSize = try r.int("batch_size", default: 64, range: 1...65536)
        tokenBudget = try r.optionalInt("token_budget", range: 1...Int.max)
        maxLength = try r.int("max_length", default: 64, range: 1...100_000)
        truncateSide = try r.choice("truncate_side", default: Side.post)
        padSide = try r.choice("pad_side", default: Side.post)
        bucketPool = try r.int("bucket_pool", default: 100, range: 1...100_000)
        sortWithinBatch = try r.bool("sort_within_batch", default: true)
        dropLast = try r.bool("drop_last", default: false)
        addSpecialTokens = try r.bool("add_special_tokens", default: false)
        if task == .languageModel {
            window = try r.int("window", default: 64, range: 2...100_000)
        } else {
            window = 0
        }
        if padSide != .post {
            throw r.error("pad_side", "recurrent layers read packed lengths, which need padding after the tokens; use post")
        }
        if let budget = tokenBudget, budget < maxLength {
            throw r.error("token_budget", "a token budget of \(budget) cannot hold one sequence of max_length \(maxLength)")
        }
        if task != .languageModel, r.has("window") { // read only for language models above
            throw r.error("window", "window applies only to model.kind language_model")
        }
    }
}

/// A recurrent stack: cell kind, size, depth, direction.
public struct RecurrentSettings: Sendable, Equatable {
    public var cell: RecurrentCell
    public var hidden: Int
    public var layers: Int
    public var bidirectional: Bool
    /// Dropout between stacked layers (training only).
    public var dropout: Double

    init(_ r: ConfigReader, defaultCell: RecurrentCell = .lstm, defaultBidirectional: Bool) throws {
        cell = try r.choice("cell", default: defaultCell)
        hidden = try r.int("hidden", default: 128, range: 1...16384)
        layers = try r.int("layers", default: 1, range: 1...16)
        bidirectional = try r.bool("bidirectional", default: defaultBidirectional)
        dropout = try r.double("dropout", default: 0, range: 0...0.99)
        if layers == 1, dropout > 0 {
            throw r.error("dropout", "dropout between layers needs layers > 1 (use model.dropout for the output)")
        }
    }
}

/// `model:` — the network.
public struct ModelSection: Sendable {
    public var task: JobConfig.Task
    /// Embedding width.
    public var embedding: Int
    /// The encoder (classifier, seq2seq) or the stack (language model).
    public var encoder: RecurrentSettings
    /// The decoder (seq2seq only).
    public var decoder: RecurrentSettings?
    /// Dropout before the output layer.
    public var dropout: Double
    /// Classifier pooling: `final` (final states of both directions), `mean` or `max` over valid steps.
    public var pooling: SequenceClassifier.Pooling
    /// Classifier classes (2 = one logit with BCE; more = softmax with cross-entropy).
    public var classes: Int
    /// Language model: share the embedding and output weights (needs embedding == hidden).
    public var tieWeights: Bool
    /// Language model: 0 keeps PyTorch's module initialisation (embedding `N(0, 1)`); r > 0 draws
    /// the embedding (and an untied output weight) uniformly in `[-r, r]`, as PyTorch's
    /// word_language_model example does with 0.1. With tied weights `N(0, 1)` gives logits of
    /// ±100 as soon as an LSTM state saturates; ±0.1 keeps them small.
    public var initRange: Double
    /// Seq2seq: `dot`, `general`, `concat` or `none`.
    public var attention: Seq2Seq.Attention
    public var inputFeeding: Bool
    /// Seq2seq bridge from a bidirectional encoder: `project` (concatenate and project) or `sum`.
    public var bridge: Seq2Seq.Bridge
    /// Seq2seq: probability of feeding the true previous token during training.
    public var teacherForcing: Double

    init(_ r: ConfigReader) throws {
        let task = try r.choice("kind", default: JobConfig.Task.classifier)
        self.task = task
        embedding = try r.int("embedding", default: 128, range: 1...16384)
        dropout = try r.double("dropout", default: task == .classifier ? 0.3 : 0.2, range: 0...0.99)
        encoder = try r.section("encoder") { try RecurrentSettings($0, defaultBidirectional: task == .classifier) }
        switch task {
        case .classifier:
            pooling = try r.choice("pooling", default: SequenceClassifier.Pooling.final)
            classes = try r.int("classes", default: 2, range: 2...100_000)
            decoder = nil; tieWeights = false; attention = .none; inputFeeding = false; bridge = .project; teacherForcing = 1
            initRange = 0
        case .languageModel:
            tieWeights = try r.bool("tie_weights", default: false)
            initRange = try r.double("init_range", default: 0, range: 0...10)
            pooling = .final; classes = 0
            decoder = nil; attention = .none; inputFeeding = false; bridge = .project; teacherForcing = 1
            if encoder.bidirectional {
                throw ConfigError(.impossible, at: r.node("encoder")?["bidirectional"]?.location ?? r.location(of: "encoder"),
                                  path: r.keyPath("encoder.bidirectional"),
                                  "a language model predicts the next token and cannot read ahead; set it to false")
            }
            if tieWeights, embedding != encoder.hidden {
                throw r.error("tie_weights", "tied weights need embedding (\(embedding)) == encoder.hidden (\(encoder.hidden))")
            }
        case .seq2seq:
            decoder = try r.section("decoder") { try RecurrentSettings($0, defaultBidirectional: false) }
            attention = try r.choice("attention", default: Seq2Seq.Attention.general)
            inputFeeding = try r.bool("input_feeding", default: false)
            bridge = try r.choice("bridge", default: Seq2Seq.Bridge.project)
            teacherForcing = try r.double("teacher_forcing", default: 1, range: 0...1)
            pooling = .final; classes = 0; tieWeights = false; initRange = 0
            if decoder!.bidirectional {
                throw ConfigError(.impossible, at: r.node("decoder")?["bidirectional"]?.location ?? r.location(of: "decoder"),
                                  path: r.keyPath("decoder.bidirectional"),
                                  "a decoder generates left to right; set it to false")
            }
            let encoderWidth = encoder.hidden * (encoder.bidirectional ? 2 : 1)
            if attention == .dot, encoderWidth != decoder!.hidden {
                throw r.error("attention", "dot attention needs encoder outputs (\(encoderWidth)) as wide as decoder.hidden (\(decoder!.hidden)); use general or concat")
            }
            if bridge == .sum, encoder.bidirectional, encoder.hidden != decoder!.hidden {
                throw r.error("bridge", "sum bridge needs encoder.hidden == decoder.hidden; use project")
            }
        }
    }
}

/// `optim:` — optimizer, learning rate, schedule and clipping.
public struct OptimSection: Sendable {
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var momentum: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Clip the global gradient norm to this (nil = no clipping).
    public var clipNorm: Double?
    /// `constant`, `step` or `warmup_linear`.
    public var schedule: LearningRateSchedule.Kind
    public var stepSize: Int
    public var gamma: Double
    public var warmupSteps: Int
    /// How embedding tables are updated: `dense` (every row, every step, like PyTorch's dense
    /// optimizers), `lazy` (only the rows a batch used, each catching up on the steps it missed as
    /// the dense update would have moved it — same training, less memory traffic), or `sparse`
    /// (only the rows a batch used, the others' state frozen: `torch.optim.SparseAdam`'s rule).
    public var embeddingUpdate: EmbeddingUpdate

    init(_ r: ConfigReader) throws {
        optimizer = try r.choice("optimizer", default: OptimizerKind.adam)
        learningRate = try r.double("lr", default: optimizer == .sgd ? 0.1 : 1e-3, range: 1e-12...100)
        if optimizer == .sgd {
            momentum = try r.double("momentum", default: 0.9, range: 0...0.9999)
        } else {
            if r.has("momentum") {
                throw r.error("momentum", "momentum applies to optimizer sgd; Adam uses beta1")
            }
            momentum = 0
        }
        beta1 = try r.double("beta1", default: 0.9, range: 0...0.9999999)
        beta2 = try r.double("beta2", default: 0.999, range: 0...0.9999999)
        epsilon = try r.double("eps", default: 1e-8, range: 0...1)
        weightDecay = try r.double("weight_decay", default: optimizer == .adamw ? 0.01 : 0, range: 0...10)
        let clip = try r.double("clip_norm", default: 0, range: 0...1e9)
        clipNorm = clip > 0 ? clip : nil
        schedule = try r.choice("schedule", default: LearningRateSchedule.Kind.constant)
        stepSize = try r.int("step_size", default: 1000, range: 1...Int.max)
        gamma = try r.double("gamma", default: 0.5, range: 0...1)
        warmupSteps = try r.int("warmup_steps", default: 0, range: 0...Int.max)
        embeddingUpdate = try r.choice("embedding_update", default: weightDecay == 0 ? EmbeddingUpdate.lazy : .dense)
        if embeddingUpdate == .lazy && weightDecay != 0 {
            throw r.error("embedding_update", "lazy updates need weight_decay 0 (decay moves every row every step); use dense or sparse")
        }
    }
}

/// `train:` — length, evaluation, early stopping and checkpoints.
public struct TrainSection: Sendable {
    public var epochs: Int
    /// Stop after this many steps (nil = run all epochs).
    public var maxSteps: Int?
    /// Evaluate on the validation set every N steps (0 = at the end of each epoch).
    public var evalEvery: Int
    /// The metric that picks the best checkpoint and drives early stopping.
    public var metric: Metric
    /// Stop after this many evaluations without improvement (0 = never).
    public var patience: Int
    /// Checkpoint every N steps (0 = at each evaluation).
    public var checkpointEvery: Int
    public var keepLast: Int
    public var keepBest: Bool
    /// Language models only (nil otherwise): what each training window starts from, and so how the
    /// text is cut into batches.
    public var hiddenState: HiddenState?

    /// `train.metric`: what evaluations report, by the name they report it under.
    public enum Metric: String, Sendable, CaseIterable {
        case accuracy, f1, loss, perplexity, bleu

        /// True for losses and perplexity, false for scores.
        public var lowerIsBetter: Bool { self == .loss || self == .perplexity }
    }

    /// `train.hidden_state` of a language model.
    public enum HiddenState: String, Sendable, CaseIterable {
        /// Truncated BPTT: the stream is laid out as `batch_size` contiguous rows (row r of a batch
        /// continues row r of the previous batch) and each window starts from the previous window's
        /// final state, detached (gradients stop at the window boundary); zeros at each epoch start.
        /// Evaluation does the same over the evaluated split, from zeros.
        case carry
        /// Every window starts from zeros; windows are cut from the stream of documents (across
        /// document boundaries) and batched in shuffled order.
        case reset
        /// Every document starts from zeros: each review is a row of its own, `[CLS]` + its tokens
        /// in, its tokens + `[SEP]` out (a longer document is cut into pieces of `window` targets,
        /// each from zeros), padded and bucketed like sentences. What `jikji generate` does from a
        /// prompt, so the model to generate or score single documents with.
        case document
    }

    init(_ r: ConfigReader, task: JobConfig.Task) throws {
        epochs = try r.int("epochs", default: 3, range: 1...100_000)
        maxSteps = try r.optionalInt("max_steps", range: 1...Int.max)
        evalEvery = try r.int("eval_every", default: 0, range: 0...Int.max)
        let metrics: [Metric]
        switch task {
        case .classifier: metrics = [.accuracy, .f1, .loss]
        case .languageModel: metrics = [.perplexity, .loss]
        case .seq2seq: metrics = [.perplexity, .bleu, .loss]
        }
        metric = try r.choice("metric", default: metrics[0], allowed: metrics)
        patience = try r.int("patience", default: 0, range: 0...100_000)
        checkpointEvery = try r.int("checkpoint_every", default: 0, range: 0...Int.max)
        keepLast = try r.int("keep_last", default: 2, range: 1...1000)
        keepBest = try r.bool("keep_best", default: true)
        if task == .languageModel {
            hiddenState = try r.choice("hidden_state", default: HiddenState.carry)
        } else {
            if r.has("hidden_state") {
                throw r.error("hidden_state", "hidden_state applies only to model.kind language_model (carry, reset or document)")
            }
            hiddenState = nil
        }
    }
}
