import JikjiConfig

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
    /// Strip accents (NFD, then nonspacing marks deleted); nil follows ``lowercase``, as HF's
    /// `strip_accents=None` and `jikji vocab train` do. Stripping decomposes Hangul into jamo.
    public var stripAccents: Bool?
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
        stripAccents = try r.optionalBool("strip_accents")
        pipeline = try r.optionalString("pipeline")
    }
}
