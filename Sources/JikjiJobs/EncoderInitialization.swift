import Foundation
import JikjiRecurrent
import JikjiTraining

/// Copies a language-model run's weights into a freshly made model by their state_dict names
/// (``EncoderInitSection``): the ULMFiT start of a classifier or seq2seq encoder from a pretrained
/// language model, and of a language model fine-tuned on a target corpus from another.
struct EncoderInitialization {
    /// What was copied and what kept its fresh initialisation.
    struct Report: Equatable {
        let runID: Int
        let step: Int
        /// Destination names that received a source tensor.
        var copied: [String] = []
        /// Destination parameters left as initialised.
        var fresh: [String] = []
        /// Source tensors without a same-named, same-shaped parameter (non-strict only).
        var skipped: [String] = []

        var description: String {
            var text = "initialised from run \(runID) step \(step): copied \(copied.joined(separator: ", "))"
            text += fresh.isEmpty ? "; nothing freshly initialised" : "; freshly initialised \(fresh.joined(separator: ", "))"
            if !skipped.isEmpty { text += "; skipped (strict: false) \(skipped.joined(separator: ", "))" }
            return text
        }
    }

    /// The run `settings` names, or an error naming the job to run when there is none: checked
    /// when a run starts, before its vocabulary and datasets are prepared.
    static func requireSource(_ settings: EncoderInitSection, registryPath: String) throws {
        _ = try sourceRun(settings, registryPath: registryPath)
    }

    static func sourceRun(_ settings: EncoderInitSection, registryPath: String) throws -> RunRegistry.Run {
        let key = "model.encoder.init.from"
        guard FileManager.default.fileExists(atPath: registryPath) else {
            throw JobRunError.data("\(key): there is no run registry at \(registryPath) yet; \(pretrainAdvice(settings))")
        }
        let registry = try RunRegistry(path: registryPath)
        switch settings.source {
        case let .run(id):
            do { return try registry.run(id) } catch RunRegistryError.unknownRun {
                throw JobRunError.data("\(key): there is no run \(id) in \(registryPath); \(pretrainAdvice(settings))")
            }
        case let .job(name):
            guard let newest = try registry.runs().first(where: { $0.jobName == name && $0.status == .completed }) else {
                throw JobRunError.data("\(key): job '\(name)' has no completed run in \(registryPath); \(pretrainAdvice(settings))")
            }
            return newest
        }
    }

    /// Loads the run `settings` names from the registry at `registryPath` and copies its weights
    /// into `task`'s parameters.
    /// - Throws: ``JobRunError/data(_:)`` naming the job to run when the run is missing, and for a
    ///   run that is not a language model, another vocabulary, a missing step, or (strict) a name or
    ///   shape without a match.
    static func apply(_ settings: EncoderInitSection, to task: any TrainingTask, job: JobConfig, vocabulary: String,
                      registryPath: String) throws -> Report {
        let key = "model.encoder.init.from"
        let run = try sourceRun(settings, registryPath: registryPath)
        let registry = try RunRegistry(path: registryPath)
        let sourceJob = try JobConfig(yaml: run.resolvedConfig, source: "run \(run.id)'s resolved job", defaultName: run.jobName)
        guard sourceJob.model.task == .languageModel else {
            throw JobRunError.data("\(key): run \(run.id) (\(run.jobName)) is a \(sourceJob.model.task.rawValue) run; a model starts from a language-model run")
        }
        guard sourceJob.model.direction == job.model.direction else {
            throw JobRunError.data("\(key): run \(run.id) (\(run.jobName)) reads documents \(sourceJob.model.direction.rawValue), this job "
                                   + "reads them \(job.model.direction.rawValue); the weights only fit the same direction: set "
                                   + "model.direction: \(sourceJob.model.direction.rawValue) or start from a \(job.model.direction.rawValue) language model")
        }
        let sourceVocabulary = run.pins?.vocabulary ?? sourceJob.vocab.name
        guard sourceVocabulary == vocabulary else {
            throw JobRunError.data("\(key): run \(run.id) was trained with vocabulary \(sourceVocabulary), this job uses \(vocabulary); "
                                   + "the ids must mean the same tokens: set vocab.name: \(sourceVocabulary)")
        }
        let checkpoints = try registry.checkpoints(of: run.id)
        let chosen: RunRegistry.Checkpoint
        if let step = settings.step {
            guard let found = checkpoints.first(where: { $0.step == step }) else {
                throw JobRunError.data("\(key): run \(run.id) has no checkpoint at step \(step); it keeps steps "
                                       + checkpoints.map { String($0.step) }.joined(separator: ", "))
            }
            chosen = found
        } else {
            guard let found = checkpoints.last(where: \.isBest) ?? checkpoints.last else {
                throw JobRunError.data("\(key): run \(run.id) has no checkpoint yet; finish it first (jikji job resume \(run.id))")
            }
            chosen = found
        }
        let path = chosen.path + "/model.safetensors"
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        try file.requireFiniteValues(source: path)
        var report = Report(runID: run.id, step: chosen.step)
        let destination = Dictionary(uniqueKeysWithValues: task.namedParameters.map { ($0.name, $0.parameter) })
        for name in file.tensors.keys.sorted() {
            guard let target = targetName(of: name, task: job.model.task) else { continue }
            let value = file.tensors[name]!
            guard let parameter = destination[target], parameter.value.shape == value.shape else {
                let expected = destination[target].map { "\(target) is \($0.value.shape)" } ?? "this model has no \(target)"
                if settings.strict {
                    throw JobRunError.data("model.encoder.init: \(path): \(name) \(value.shape) has no match (\(expected)); "
                                           + "the architectures differ (set model.encoder.init.strict: false to skip it)")
                }
                report.skipped.append(name)
                continue
            }
            parameter.value = value
            report.copied.append(target)
        }
        let copied = Set(report.copied)
        report.fresh = task.namedParameters.map(\.name).filter { !copied.contains($0) }
        return report
    }

    /// Where a language model's tensor goes: a language model takes every one under its own name;
    /// a classifier its embedding and recurrent weights (`embedding.*`, `rnn.*`); a seq2seq model
    /// them as its source side (`src_embedding.*`, `encoder.*`). nil: not copied.
    static func targetName(of name: String, task: JobConfig.Task) -> String? {
        switch task {
        case .languageModel:
            return name
        case .classifier:
            return name.hasPrefix("embedding.") || name.hasPrefix("rnn.") ? name : nil
        case .seq2seq:
            if name.hasPrefix("embedding.") { return "src_" + name }
            if name.hasPrefix("rnn.") { return "encoder." + name.dropFirst("rnn.".count) }
            return nil
        }
    }

    /// What to run for the missing source.
    static func pretrainAdvice(_ settings: EncoderInitSection) -> String {
        switch settings.source {
        case let .job(name):
            let file = "jobs/\(name).yaml"
            return FileManager.default.fileExists(atPath: file)
                ? "pretrain it first: jikji job run \(file)"
                : "pretrain it first: jikji job run on the job file named \(name)"
        case .run:
            return "pretrain a language model first (jikji job run jobs/reviews-lm-pretrain.yaml), or name a run `jikji job list` shows"
        }
    }
}
