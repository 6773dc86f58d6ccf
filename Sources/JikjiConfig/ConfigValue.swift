/// A configuration as a tree of scalars, mappings and lists, each with where it was written.
///
/// The one value tree of job files and cleaning pipelines: read from YAML
/// (``parse(yaml:source:)``) or JSON (``parse(json:source:)``), changed by `--set key.path=value`
/// overrides (``set(path:yamlValue:)``), read into typed values by ``ConfigReader``, and written
/// back as YAML (``yaml()``). Scalars are kept as written (`128`, `1e-3`, `true`, `lstm`) and typed
/// only when read; mappings keep their key order. Equality ignores locations.
public indirect enum ConfigValue: Equatable, Sendable {
    /// A scalar as written. YAML's and JSON's `null` arrive as the text `null` (or `~`).
    case scalar(String, at: ConfigLocation?)
    /// A mapping in the order written.
    case mapping([(key: String, value: ConfigValue)], at: ConfigLocation?)
    /// A list.
    case list([ConfigValue], at: ConfigLocation?)

    /// Where this node starts, when it came from a text.
    public var location: ConfigLocation? {
        switch self {
        case let .scalar(_, location), let .mapping(_, location), let .list(_, location): return location
        }
    }

    /// The 1-based line this node starts at, when it came from a text with lines.
    public var line: Int? { location?.line }

    /// True for a scalar that means "no value": `~`, `null`, `Null` or `NULL`, quoted or not
    /// (resolved job files write absent optional values as a plain `null`; older ones wrote `'null'`,
    /// which still reads back as null).
    public var isNull: Bool {
        guard case let .scalar(text, _) = self else { return false }
        return text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// How this node is named in errors: `'text'`, `a list` or `a mapping`.
    public var shortDescription: String {
        switch self {
        case let .scalar(text, _): return "'\(text)'"
        case .list: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The child at `key` of a mapping.
    public subscript(key: String) -> ConfigValue? {
        guard case let .mapping(pairs, _) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The same tree with every location replaced by `location`.
    public func relocated(to location: ConfigLocation?) -> ConfigValue {
        switch self {
        case let .scalar(text, _): return .scalar(text, at: location)
        case let .list(items, _): return .list(items.map { $0.relocated(to: location) }, at: location)
        case let .mapping(pairs, _): return .mapping(pairs.map { ($0.key, $0.value.relocated(to: location)) }, at: location)
        }
    }

    /// Trees are equal when their scalars, keys (in order) and lists are; locations do not count.
    public static func == (a: ConfigValue, b: ConfigValue) -> Bool {
        switch (a, b) {
        case let (.scalar(x, _), .scalar(y, _)): return x == y
        case let (.list(x, _), .list(y, _)): return x == y
        case let (.mapping(x, _), .mapping(y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}
