import JikjiIO
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
        func stack(_ s: RecurrentSettings, input: Int) -> Int {
            let directions = s.bidirectional ? 2 : 1
            var width = input
            for _ in 0..<s.layers {
                let G = s.cell.gateCount
                let perDirection = AvailableMemory.sum(AvailableMemory.product(G, s.hidden, width),
                                                       AvailableMemory.product(G, s.hidden, s.hidden),
                                                       AvailableMemory.product(2, G, s.hidden))
                parameterCount = AvailableMemory.sum(parameterCount, perDirection.flatMap { AvailableMemory.product(Int($0), directions) })
                // Gates, cell and hidden states per direction, kept for backward.
                cellsPerToken = AvailableMemory.sum(cellsPerToken, AvailableMemory.product(directions, G + 2, s.hidden))
                width = s.hidden * directions
            }
            return width
        }
        let encoderWidth = stack(m.encoder, input: E)
        var logitsPerToken = 0
        switch m.task {
        case .classifier:
            let outputs = m.classes == 2 ? 1 : m.classes
            parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(encoderWidth + 1, outputs))
        case .languageModel:
            if !m.tieWeights { parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(encoderWidth, V)) }
            parameterCount = AvailableMemory.sum(parameterCount, AvailableMemory.product(V))
            logitsPerToken = V
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
        trainingState = parameterCount.flatMap { AvailableMemory.product(Int($0), 4, 1 + optimizerCopies) }
        activations = tokens.flatMap { t in perToken.flatMap { AvailableMemory.product(Int(t), Int($0), 4) } }
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
