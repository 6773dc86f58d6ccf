import Foundation
import JikjiConfig
import JikjiData
import JikjiTraining

/// How a job file configures the library: its batching section as ``BatchingOptions``, its
/// optim and train sections as a ``TrainerConfiguration``.
extension JobConfig {
    /// Batching options of the job's training (and, unshuffled, evaluation and inference) batches.
    func batchingOptions(vocabulary: JobVocabulary) throws -> BatchingOptions {
        let b = batching
        let specials = vocabulary.specials
        // JobConfig refuses pad_side pre: recurrent layers read packed lengths.
        var source = SequenceLayout(maxLength: b.maxLength, padSide: .post, truncationSide: b.truncateSide)
        if b.addSpecialTokens {
            guard let cls = specials.cls, let sep = specials.sep else {
                throw ConfigError(.impossible, at: ConfigLocation(source: self.source), path: "batching.add_special_tokens",
                                  "vocabulary \(vocabulary.reference) has no [CLS]/[SEP] tokens")
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
        let optimizer = OptimizerSettings(kind: o.optimizer, learningRate: o.learningRate, momentum: o.momentum, beta1: o.beta1,
                                          beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay,
                                          embeddingUpdate: o.embeddingUpdate, precision: o.precision)
        let schedule: LearningRateScheduleSettings
        switch o.schedule {
        case .step: schedule = .stepDecay(every: o.stepSize, factor: o.gamma)
        case .warmupLinear: schedule = .linearWarmupDecay(warmupSteps: o.warmupSteps)
        case .constant: schedule = .constant
        case .slantedTriangular: schedule = .slantedTriangular(cutFraction: o.cutFraction, ratio: o.ratio)
        case .oneCycle: schedule = .oneCycle(warmupFraction: o.pctStart, divFactor: o.divFactor, finalDivFactor: o.finalDivFactor)
        }
        var configuration = TrainerConfiguration(epochs: train.epochs, maxSteps: train.maxSteps, optimizer: optimizer, schedule: schedule,
                                    clipNorm: o.clipNorm, evaluateEvery: train.evalEvery, checkpointEvery: train.checkpointEvery,
                                    metric: train.metric.rawValue, patience: train.patience, keepLast: train.keepLast, keepBest: train.keepBest)
        configuration.logEvery = train.logEvery
        configuration.unfreezeEpochs = train.unfreeze
        configuration.optimizer.layerLearningRateDecay = o.layerLearningRateDecay
        return configuration
    }
}
