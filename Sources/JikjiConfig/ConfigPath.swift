/// Dotted key paths as errors spell them: `model.encoder.cell` for mapping keys, `steps[2]` for
/// list items (counted from 1, as people count steps and lines).
public enum ConfigPath {
    /// The path of `key` inside the mapping at `parent` (`""` is the top level).
    public static func key(_ key: String, in parent: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    /// The path of item `index` (1-based) of the list at `parent`.
    public static func item(_ index: Int, in parent: String) -> String {
        parent + "[\(index)]"
    }
}
