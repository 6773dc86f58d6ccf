import Foundation
import JikjiConfig
import JikjiData
import JikjiModels
import JikjiRecurrent
import JikjiTraining

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
        ("model.loss", SequenceClassifier.Objective.allCases.map(\.rawValue)),
        ("model.attention", Seq2Seq.Attention.allCases.map(\.rawValue)),
        ("model.bridge", Seq2Seq.Bridge.allCases.map(\.rawValue)),
        ("model.output.kind", OutputSection.Kind.allCases.map(\.rawValue)),
        ("model.direction", ModelSection.Direction.allCases.map(\.rawValue)),
        ("data.format", DataSection.Format.allCases.map(\.rawValue)),
        ("data.on_bad_row", BadRowPolicy.allCases.map(\.rawValue)),
        ("batching.truncate_side, batching.pad_side", Side.allCases.map(\.rawValue)),
        ("optim.optimizer", OptimizerSettings.Kind.allCases.map(\.rawValue)),
        ("optim.schedule", LearningRateSchedule.Kind.allCases.map(\.rawValue)),
        ("optim.embedding_update", OptimizerSettings.EmbeddingUpdate.allCases.map(\.rawValue)),
        ("optim.precision", MatrixPrecision.allCases.map(\.rawValue)),
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
