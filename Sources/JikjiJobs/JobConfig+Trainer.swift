import Foundation
import JikjiData
import JikjiTraining

/// How a job file configures the library: its batching section as ``BatchingOptions``, its
/// optim and train sections as a ``TrainerConfiguration``.
extension JobConfig {
    /// Batching options of the job's training (and, unshuffled, evaluation and inference) batches.
    func batchingOptions(vocabulary: JobVocabulary) throws -> BatchingOptions {
        let b = batching
        guard b.padSide == "post" else {
            throw JobConfigError.impossible(path: "batching.pad_side",
                                            reason: "recurrent layers read packed lengths, which need padding after the tokens; use post")
        }
        let specials = vocabulary.specials
        var source = SequenceLayout(maxLength: b.maxLength, padSide: .post,
                                    truncationSide: b.truncateSide == "pre" ? .pre : .post)
        if b.addSpecialTokens {
            guard let cls = specials.cls, let sep = specials.sep else {
                throw JobConfigError.impossible(path: "batching.add_special_tokens",
                                                reason: "vocabulary \(vocabulary.reference) has no [CLS]/[SEP] tokens")
            }
            source.startToken = cls
            source.endToken = sep
        }
        var options = BatchingOptions(size: b.tokenBudget.map { .tokens($0) } ?? .sentences(b.batchSize), source: source,
                                      shuffle: true, bucketPool: b.bucketPool > 1 ? b.bucketPool : 0,
                                      sortWithinBatch: b.sortWithinBatch, dropLast: b.dropLast, seed: seed)
        options.window = max(2, b.window)
        if model.task == .languageModel {
            switch train.hiddenState ?? .carry {
            case .carry: options.languageModelLayout = .contiguousRows
            case .reset: options.languageModelLayout = .shuffledWindows
            case .document:
                options.languageModelLayout = .documents
                options.documentStart = specials.cls
            }
        }
        if model.task == .seq2seq {
            options.target = SequenceLayout(maxLength: b.maxLength, padSide: .post, truncationSide: .post)
            options.decoderStart = specials.cls
            options.decoderEnd = specials.sep
        }
        return options
    }

    /// The trainer settings of the job's optim and train sections.
    var trainerConfiguration: TrainerConfiguration {
        let o = optim
        let kind = OptimizerSettings.Kind(rawValue: o.optimizer) ?? .adam
        let update = OptimizerSettings.EmbeddingUpdate(rawValue: o.embeddingUpdate) ?? .dense
        let optimizer = OptimizerSettings(kind: kind, learningRate: o.learningRate, momentum: o.momentum, beta1: o.beta1,
                                          beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay, embeddingUpdate: update)
        let schedule: LearningRateScheduleSettings
        switch o.schedule {
        case "step": schedule = .stepDecay(every: o.stepSize, factor: o.gamma)
        case "warmup_linear": schedule = .linearWarmupDecay(warmupSteps: o.warmupSteps)
        default: schedule = .constant
        }
        return TrainerConfiguration(epochs: train.epochs, maxSteps: train.maxSteps, optimizer: optimizer, schedule: schedule,
                                    clipNorm: o.clipNorm, evaluateEvery: train.evalEvery, checkpointEvery: train.checkpointEvery,
                                    metric: train.metric, patience: train.patience, keepLast: train.keepLast, keepBest: train.keepBest)
    }
}
