import Foundation
import JikjiIO
import JikjiModels
import JikjiRecurrent

/// What a job's model and one of its batches need in memory, estimated from the job file before
/// anything is allocated, so that a model that cannot fit (`hidden: 16384, embedding: 16384`) is
/// refused with the figures instead of growing until the system kills the process.
///
/// The estimate counts Float32 values: the parameters, their gradients and the optimizer's state
/// (two moments for Adam/AdamW, one buffer for SGD with momentum), and the activations one batch
/// of `batch_size × max_length` (or the token budget, or the LM window) keeps for the backward
/// pass: every layer's gates and states and the output logits with their gradient. It errs on
/// the generous side of the real need, never by more than a small factor.
public struct JobMemoryEstimate: Equatable, Sendable {
    /// Parameter values (bytes); nil when the arithmetic overflows.
    public var parameters: Int64?
    /// Gradients and optimizer state (bytes).
    public var trainingState: Int64?
    /// Activations of one batch (bytes).
    public var activations: Int64?

    /// The whole estimate (bytes); nil beyond 2^63.
    public var total: Int64? { AvailableMemory.sum(parameters, trainingState, activations) }

    /// The estimate for `job` with a vocabulary of `vocabularySize` tokens.
    public init(job: JobConfig, vocabularySize: Int) {
        let m = job.model
        let V = vocabularySize, E = m.embedding
        var parameterCount = AvailableMemory.product(V, E)
        var cellsPerToken = AvailableMemory.product(E)  // activations per token: embeddings, then layers
        // `lastHidden`: a language model's different last layer (`model.encoder.last_hidden`).
        func stack(_ s: RecurrentSettings, input: Int, lastHidden: Int? = nil) -> Int {
            let directions = s.bidirectional ? 2 : 1
            var width = input
            for layer in 0..<s.layers {
                let G = s.cell.gateCount
                let H = layer == s.layers - 1 ? (lastHidden ?? s.hidden) : s.hidden
                let perDirection = AvailableMemory.sum(AvailableMemory.product(G, H, width),
                                                       AvailableMemory.product(G, H, H),
                                                       AvailableMemory.product(2, G, H))
                parameterCount = AvailableMemory.sum(parameterCount, perDirection.flatMap { AvailableMemory.product(Int($0), directions) })
                // Gates, cell and hidden states per direction, kept for backward.
                cellsPerToken = AvailableMemory.sum(cellsPerToken, AvailableMemory.product(directions, G + 2, H))
                width = H * directions
            }
            return width
        }
        let encoderWidth = stack(m.encoder, input: E, lastHidden: m.task == .languageModel ? m.lastHidden : nil)
        var logitsPerToken = 0
        switch m.task {
        case .classifier:
            let outputs = m.classes == 2 ? 1 : m.classes
            parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(encoderWidth + 1, outputs))
        case .languageModel:
            if let adaptive = m.output.adaptive {
                let output = Self.adaptiveOutput(adaptive, inputSize: encoderWidth, classCount: V)
                parameterCount = AvailableMemory.sum(parameterCount, output.parameters)
                logitsPerToken = output.logitsPerToken
            } else {
                if !m.tieWeights { parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(encoderWidth, V)) }
                parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(V))
                logitsPerToken = V
            }
        case .seq2seq:
            if let decoder = m.decoder {
                let decoderWidth = stack(decoder, input: E + (m.inputFeeding ? decoder.hidden : 0))
                // Attention and bridge projections, the attentional layer, the output layer.
                parameterCount = AvailableMemory.sum(parameterCount,
                                                     AvailableMemory.product(encoderWidth + decoderWidth, decoderWidth),
                                                     AvailableMemory.product(encoderWidth, decoderWidth),
                                                     AvailableMemory.product(decoderWidth + 1, V))
            }
            logitsPerToken = V
        }
        let optimizerCopies: Int
        switch job.optim.optimizer {
        case .sgd: optimizerCopies = job.optim.momentum > 0 ? 1 : 0
        default: optimizerCopies = 2
        }
        let b = job.batching
        let width = job.model.task == .languageModel ? b.window : b.maxLength
        let rows = b.tokenBudget.map { max(1, $0 / max(1, width)) } ?? b.batchSize
        let tokens = AvailableMemory.product(rows, width)
        // Logits and their gradient: two values per token and class.
        let perToken = AvailableMemory.sum(cellsPerToken, AvailableMemory.product(2, logitsPerToken))
        parameters = parameterCount.flatMap { AvailableMemory.product(Int($0), 4) }
        // bf16 training keeps a 2-byte copy of the weights beside the fp32 master weights
        // (generous: the embedding has none when it is a lookup).
        let bf16CopyBytes = job.optim.precision == .bf16 ? 2 : 0
        trainingState = parameterCount.flatMap { AvailableMemory.sum(AvailableMemory.product(Int($0), 4, 1 + optimizerCopies),
                                                                     AvailableMemory.product(Int($0), bf16CopyBytes)) }
        activations = tokens.flatMap { t in perToken.flatMap { AvailableMemory.product(Int(t), Int($0), 4) } }
    }

    /// An adaptive softmax's parameters (the head with one row per cluster, each cluster's
    /// projection and output, as ``AdaptiveLogSoftmax`` makes them, and the id order) and the scores one token
    /// needs at most: the head's, plus the largest cluster's (a token's target is in one cluster;
    /// all of a batch's may be in the largest). Nil parameters on overflow.
    static func adaptiveOutput(_ adaptive: LanguageModel.AdaptiveOutput, inputSize: Int, classCount: Int)
        -> (parameters: Int64?, logitsPerToken: Int) {
        let bounds = adaptive.cutoffs + [classCount]
        let headRows = (adaptive.cutoffs.first ?? classCount) + adaptive.cutoffs.count
        var parameters = AvailableMemory.product(inputSize + (adaptive.headBias ? 1 : 0), headRows)
        var largestCluster = 0
        for i in adaptive.cutoffs.indices {
            let width = max(1, Int((Double(inputSize) / pow(Double(adaptive.divValue), Double(i + 1))).rounded(.down)))
            let size = max(0, bounds[i + 1] - bounds[i])
            parameters = AvailableMemory.sum(parameters, AvailableMemory.product(inputSize, width), AvailableMemory.product(width, size))
            largestCluster = max(largestCluster, size)
        }
        // The model keeps its frequency order (`frequency_order`, V values) as a saved tensor too.
        return (AvailableMemory.sum(parameters, AvailableMemory.product(classCount)), headRows + largestCluster)
    }

    /// Throws ``MemoryEstimateError`` with the figures when the estimate exceeds the memory available.
    public func check(job: JobConfig) throws {
        let parts = [("parameters", parameters), ("gradients and optimizer state", trainingState),
                     ("one batch's activations", activations)]
            .map { "\($0.0) \($0.1.map(AvailableMemory.format) ?? "more than 2^63 bytes")" }
            .joined(separator: ", ")
        try AvailableMemory.check(total, for: "\(job.source): the model and one batch (\(parts))",
                                  advice: "make model.embedding, the hidden sizes, the layers, batching.batch_size or "
                                      + "max_length smaller, or pass --skip-memory-check to try anyway")
    }
}
