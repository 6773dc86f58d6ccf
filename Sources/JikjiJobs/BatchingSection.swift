import JikjiConfig
import JikjiData

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
