import Foundation

/// Reads one mapping of a ``ConfigValue`` into typed values — strings, integers, numbers,
/// booleans, closed choices, lists and sections, with defaults, ranges and allowed values —
/// recording every value it returns (defaults included) so the resolved configuration can be
/// written back, and rejecting keys that were never read (``finish()``).
///
/// Every error is a ``ConfigError`` naming where the value was written, its key path, the
/// problem and what is allowed.
///
/// A class: a section reader writes its resolved values back into its parent's.
public final class ConfigReader {
    /// The key path of this mapping (`""` at the top level).
    public let path: String
    /// Where the mapping was written (or, for an absent section, its parent).
    public let location: ConfigLocation?
    private let pairs: [(key: String, value: ConfigValue)]
    private var readKeys: [String] = []
    private var resolved: [(key: String, value: ConfigValue)] = []

    /// A reader over `tree`, which must be a mapping (or absent, or null: read as empty);
    /// `location` stands in for an absent tree's in errors.
    public init(_ tree: ConfigValue?, path: String = "", location: ConfigLocation? = nil) throws {
        self.path = path
        switch tree {
        case nil:
            pairs = []; self.location = location
        case let .mapping(p, l)?:
            pairs = p; self.location = l ?? location
        case let .scalar(text, l)? where text.isEmpty || tree!.isNull:
            pairs = []; self.location = l ?? location
        case let tree?:
            throw ConfigError(.wrongType, at: tree.location ?? location, path: path.isEmpty ? "(top level)" : path,
                              "expected a mapping of keys, found \(tree.shortDescription)")
        }
    }

    /// The key path of `key` in this mapping.
    public func keyPath(_ key: String) -> String { ConfigPath.key(key, in: path) }

    /// The keys this mapping has, in the order written.
    public var keys: [String] { pairs.map(\.key) }

    /// The raw node at `key`, marking the key as known.
    public func node(_ key: String) -> ConfigValue? {
        readKeys.append(key)
        return pairs.first { $0.key == key }?.value
    }

    /// True when the mapping sets `key` (whether or not it has been read).
    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// Where `key` was written, or else where this mapping was.
    public func location(of key: String) -> ConfigLocation? {
        pairs.first { $0.key == key }?.value.location ?? location
    }

    /// An error about `key` (`.impossible` by default), located where it was written.
    public func error(_ key: String, _ problem: String, kind: ConfigError.Kind = .impossible,
                      allowed: [String] = []) -> ConfigError {
        ConfigError(kind, at: location(of: key), path: keyPath(key), problem, allowed: allowed)
    }

    private func record(_ key: String, _ value: ConfigValue) {
        resolved.removeAll { $0.key == key }
        resolved.append((key, value))
    }

    /// The scalar at `key` and where it is, or nil when absent or null; throws for a list or mapping.
    private func scalar(_ key: String, expected: String) throws -> (String, ConfigLocation?)? {
        guard let node = node(key), !node.isNull else { return nil }
        guard case let .scalar(text, location) = node else {
            throw ConfigError(.wrongType, at: node.location, path: keyPath(key), "expected \(expected), found \(node.shortDescription)")
        }
        return (text, location)
    }

    private func wrongType(_ key: String, _ location: ConfigLocation?, expected: String, found text: String) -> ConfigError {
        ConfigError(.wrongType, at: location, path: keyPath(key), "expected \(expected), found '\(text)'")
    }

    /// An integer in `range`, or `defaultValue` when absent.
    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        let expected = range == Int.min...Int.max ? "an integer" : "an integer in \(range.lowerBound)...\(range.upperBound)"
        guard let (text, location) = try scalar(key, expected: expected) else {
            record(key, .scalar(String(defaultValue), at: nil))
            return defaultValue
        }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw wrongType(key, location, expected: expected, found: text)
        }
        guard range.contains(value) else {
            throw ConfigError(.notAllowed, at: location, path: keyPath(key), "'\(text)' is not allowed",
                              allowed: ["\(range.lowerBound)...\(range.upperBound)"])
        }
        record(key, .scalar(String(value), at: nil))
        return value
    }

    /// An optional integer in `range` (absent or null → nil).
    public func optionalInt(_ key: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let node = pairs.first(where: { $0.key == key })?.value, !node.isNull else {
            _ = self.node(key)
            record(key, .scalar("null", at: nil))
            return nil
        }
        return try int(key, default: 0, range: range)
    }

    /// A number in `range`, or `defaultValue` when absent.
    public func double(_ key: String, default defaultValue: Double,
                       range: ClosedRange<Double> = -Double.infinity...Double.infinity) throws -> Double {
        let expected = "a number in \(range.lowerBound)...\(range.upperBound)"
        guard let (text, location) = try scalar(key, expected: expected) else {
            record(key, .scalar(ConfigReader.format(defaultValue), at: nil))
            return defaultValue
        }
        guard let value = Double(text), value.isFinite else {
            throw wrongType(key, location, expected: expected, found: text)
        }
        guard range.contains(value) else {
            throw ConfigError(.notAllowed, at: location, path: keyPath(key), "'\(text)' is not allowed",
                              allowed: ["\(range.lowerBound)...\(range.upperBound)"])
        }
        record(key, .scalar(ConfigReader.format(value), at: nil))
        return value
    }

    /// A boolean (`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`), or `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let (text, location) = try scalar(key, expected: "true or false") else {
            record(key, .scalar(String(defaultValue), at: nil))
            return defaultValue
        }
        let value: Bool
        switch text.lowercased() {
        case "true", "yes", "on", "1": value = true
        case "false", "no", "off", "0": value = false
        default: throw wrongType(key, location, expected: "true or false", found: text)
        }
        record(key, .scalar(String(value), at: nil))
        return value
    }

    /// An optional boolean (absent or null → nil): for settings whose default follows another one.
    public func optionalBool(_ key: String) throws -> Bool? {
        guard let node = pairs.first(where: { $0.key == key })?.value, !node.isNull else {
            _ = self.node(key)
            record(key, .scalar("null", at: nil))
            return nil
        }
        return try bool(key, default: false)
    }

    /// A string, or `defaultValue` when absent.
    public func string(_ key: String, default defaultValue: String) throws -> String {
        guard let (text, _) = try scalar(key, expected: "a string") else {
            record(key, .scalar(defaultValue, at: nil))
            return defaultValue
        }
        record(key, .scalar(text, at: nil))
        return text
    }

    /// One of the cases of `Choice` (an enum whose raw values are the spellings files use), or
    /// `defaultValue` when absent; `allowed` narrows the cases (for choices that depend on another
    /// setting). Errors list the allowed spellings in declaration order.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: Choice, allowed: [Choice] = Array(Choice.allCases)
    ) throws -> Choice where Choice.RawValue == String {
        let spellings = allowed.map(\.rawValue)
        guard let (text, location) = try scalar(key, expected: "one of " + spellings.joined(separator: ", ")) else {
            record(key, .scalar(defaultValue.rawValue, at: nil))
            return defaultValue
        }
        guard let value = Choice(rawValue: text), allowed.contains(where: { $0.rawValue == text }) else {
            throw ConfigError(.notAllowed, at: location, path: keyPath(key), "'\(text)' is not allowed", allowed: spellings)
        }
        record(key, .scalar(text, at: nil))
        return value
    }

    /// An optional string (absent or null → nil).
    public func optionalString(_ key: String) throws -> String? {
        guard let (text, _) = try scalar(key, expected: "a string") else {
            record(key, .scalar("null", at: nil))
            return nil
        }
        record(key, .scalar(text, at: nil))
        return text
    }

    /// A required, non-empty string; `what` tells the user what to put there.
    public func requiredString(_ key: String, what: String) throws -> String {
        guard let value = try optionalString(key), !value.isEmpty else {
            throw ConfigError(.missing, at: location(of: key), path: keyPath(key), "missing; \(what)")
        }
        return value
    }

    /// A list of strings (a single scalar counts as a one-element list).
    public func stringList(_ key: String, default defaultValue: [String]) throws -> [String] {
        let values: [String]
        switch node(key) {
        case nil:
            values = defaultValue
        case let node? where node.isNull:
            values = defaultValue
        case let .scalar(text, _)?:
            values = [text]
        case let .list(items, _)?:
            values = try items.enumerated().map { index, item in
                guard case let .scalar(text, _) = item else {
                    throw ConfigError(.wrongType, at: item.location, path: ConfigPath.item(index + 1, in: keyPath(key)),
                                      "expected a string, found \(item.shortDescription)")
                }
                return text
            }
        case let .mapping(_, location)?:
            throw ConfigError(.wrongType, at: location, path: keyPath(key), "expected a list of strings, found a mapping")
        }
        record(key, .list(values.map { .scalar($0, at: nil) }, at: nil))
        return values
    }

    /// A mapping from strings to integers (for example a label mapping `{"1": 0, "10": 1}`).
    public func stringToIntMap(_ key: String, default defaultValue: [(String, Int)]) throws -> [(String, Int)] {
        let sub = try ConfigReader(node(key), path: keyPath(key), location: location)
        let result: [(String, Int)]
        if sub.pairs.isEmpty {
            result = defaultValue
        } else {
            result = try sub.pairs.map { pair in
                guard case let .scalar(text, _) = pair.value, let value = Int(text) else {
                    throw ConfigError(.wrongType, at: pair.value.location, path: sub.keyPath(pair.key),
                                      "expected an integer, found \(pair.value.shortDescription)")
                }
                sub.readKeys.append(pair.key)
                return (pair.key, value)
            }
        }
        record(key, .mapping(result.map { ($0.0, .scalar(String($0.1), at: nil)) }, at: nil))
        return result
    }

    /// A nested section, read by `body` and then checked for unknown keys; its resolved values
    /// are recorded under `key`.
    public func section<T>(_ key: String, _ body: (ConfigReader) throws -> T) throws -> T {
        let reader = try ConfigReader(node(key), path: keyPath(key), location: location)
        let value = try body(reader)
        try reader.finish()
        record(key, .mapping(reader.resolved, at: nil))
        return value
    }

    /// Throws for the first key of this mapping that was never read, listing the allowed keys.
    public func finish() throws {
        for pair in pairs where !readKeys.contains(pair.key) {
            var allowed: [String] = []
            for key in readKeys where !allowed.contains(key) { allowed.append(key) }
            throw ConfigError(.unknownKey, at: pair.value.location, path: keyPath(pair.key),
                              allowed.isEmpty ? "unknown key; none are allowed here" : "unknown key", allowed: allowed)
        }
    }

    /// The resolved values read so far, as a tree.
    public var resolvedTree: ConfigValue { .mapping(resolved, at: nil) }

    /// A number as resolved files write it: `1.0` for whole numbers, else Swift's shortest form.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return "\(value)"
    }
}
