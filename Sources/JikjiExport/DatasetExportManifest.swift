import JikjiData

/// `jikji-dataset.json`, the manifest of a dataset export: what the arrays are, which
/// vocabulary their ids refer to, and the dataset's provenance. `python/jikji_dataset.py`
/// reads it.
public struct DatasetExportManifest: Codable, Sendable, Equatable {
    /// Always `"jikji-dataset"`.
    public var format: String
    /// The manifest's layout version (1).
    public var version: Int
    /// `safetensors` or `npy`.
    public var storage: String
    /// The dataset's name and kind (`classification`, `pairs`, `lm`).
    public var dataset: String
    public var kind: String
    /// The vocabulary the ids refer to, `name@version`; its tokens, one a line (line n: id n), are in ``vocabularyFile``.
    public var vocabulary: String
    public var vocabularyFile: String
    public var vocabularySize: Int
    /// Special-token ids (`pad` always; `unk`, `cls`, `sep` when the vocabulary has them).
    public var specialTokens: [String: Int]
    /// The splits exported, and the examples of each.
    public var splits: [String]
    public var examples: [String: Int]
    /// Array name → file (npy: one file an array; safetensors: every array in one file, by name).
    /// `source_ids`, `source_offsets` (N + 1: example i is `source_ids[offsets[i]:offsets[i+1]]`),
    /// `split` (0 train, 1 valid, 2 test), and `labels` (classification) or `target_ids` and
    /// `target_offsets` (pairs). Every array is int64, little-endian, one-dimensional.
    public var arrays: [String: String]
    /// The element type of every array (`int64`).
    public var dtype: String
    /// The dataset's build provenance as the catalog holds it (spec, corpus files with their
    /// fingerprints, counts, tool version).
    public var provenance: DatasetInfo

    enum CodingKeys: String, CodingKey {
        case format, version, storage, dataset, kind, vocabulary, vocabularySize = "vocabulary_size"
        case vocabularyFile = "vocabulary_file", specialTokens = "special_tokens", splits, examples, arrays, dtype, provenance
    }
}
