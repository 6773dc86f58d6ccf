import Foundation

/// What is wrong with a job file or an override, with the key path and what is allowed.
public enum JobConfigError: Error, Equatable, CustomStringConvertible {
    /// The file could not be parsed at all.
    case unreadable(source: String, reason: String)
    /// A key that the section does not have.
    case unknownKey(path: String, line: Int?, allowed: [String])
    /// A value of the wrong type (`expected` says which).
    case wrongType(path: String, line: Int?, expected: String, found: String)
    /// A value outside what is allowed.
    case notAllowed(path: String, line: Int?, value: String, allowed: String)
    /// A required key is missing.
    case missing(path: String, what: String)
    /// Settings that cannot go together.
    case impossible(path: String, reason: String)
    /// A `--set key.path=value` argument that cannot be applied.
    case badOverride(String, reason: String)

    public var description: String {
        func at(_ path: String, _ line: Int?) -> String { line.map { "\(path) (line \($0))" } ?? path }
        switch self {
        case let .unreadable(source, reason):
            return "\(source): not a readable job file: \(reason)"
        case let .unknownKey(path, line, allowed):
            return "\(at(path, line)): unknown key; allowed here: \(allowed.joined(separator: ", "))"
        case let .wrongType(path, line, expected, found):
            return "\(at(path, line)): expected \(expected), found '\(found)'"
        case let .notAllowed(path, line, value, allowed):
            return "\(at(path, line)): '\(value)' is not allowed; allowed: \(allowed)"
        case let .missing(path, what):
            return "\(path): missing; \(what)"
        case let .impossible(path, reason):
            return "\(path): \(reason)"
        case let .badOverride(argument, reason):
            return "--set \(argument): \(reason)"
        }
    }
}

/// Reads one mapping of a ``ConfigTree`` into typed values, recording every value it returns —
/// defaults included — so the fully resolved job can be written back, and rejecting keys that
/// were not read.
///
/// A class: a section reader writes its resolved values back into its parent's.
public final class ConfigReader {
    /// The dotted path of this mapping (`""` at the root).
    public let path: String
    private let pairs: [(key: String, value: ConfigTree)]
    private let line: Int?
    private var readKeys: [String] = []
    private(set) var resolved: [(key: String, value: ConfigTree)] = []

    /// A reader over `tree`, which must be a mapping (or absent: read as empty).
    public init(_ tree: ConfigTree?, path: String = "") throws {
        self.path = path
        switch tree {
        case nil:
            pairs = []; line = nil
        case let .mapping(p, l)?:
            pairs = p; line = l
        case let .scalar(s, l)?:
            if s.isEmpty || s == "~" || s == "null" { pairs = []; line = l }
            else { throw JobConfigError.wrongType(path: path.isEmpty ? "(top level)" : path, line: l, expected: "a mapping of keys", found: s) }
        case let .list(_, l)?:
            throw JobConfigError.wrongType(path: path.isEmpty ? "(top level)" : path, line: l, expected: "a mapping of keys", found: "a list")
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The raw node at `key`, marking the key as known.
    public func node(_ key: String) -> ConfigTree? {
        readKeys.append(key)
        return pairs.first { $0.key == key }?.value
    }

    /// True when the file sets `key` (whether or not it has been read).
    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    private func record(_ key: String, _ value: ConfigTree) {
        resolved.removeAll { $0.key == key }
        resolved.append((key, value))
    }

    private func scalar(_ key: String, expected: String) throws -> (String, Int?)? {
        guard let node = node(key) else { return nil }
        switch node {
        case let .scalar(s, l):
            if s == "~" || s == "null" { return nil }
            return (s, l)
        case let .list(_, l):
            throw JobConfigError.wrongType(path: keyPath(key), line: l, expected: expected, found: "a list")
        case let .mapping(_, l):
            throw JobConfigError.wrongType(path: keyPath(key), line: l, expected: expected, found: "a mapping")
        }
    }

    /// An integer in `range`, or `defaultValue` when absent.
    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        let expected = range == Int.min...Int.max ? "an integer" : "an integer in \(range.lowerBound)...\(range.upperBound)"
        guard let (text, line) = try scalar(key, expected: expected) else {
            record(key, .scalar(String(defaultValue), line: nil))
            return defaultValue
        }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw JobConfigError.wrongType(path: keyPath(key), line: line, expected: expected, found: text)
        }
        guard range.contains(value) else {
            throw JobConfigError.notAllowed(path: keyPath(key), line: line, value: text, allowed: "\(range.lowerBound)...\(range.upperBound)")
        }
        record(key, .scalar(String(value), line: nil))
        return value
    }

    /// An optional integer in `range` (absent or `null` → nil).
    public func optionalInt(_ key: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard has(key), case let .scalar(s, _)? = pairs.first(where: { $0.key == key })?.value, s != "~", s != "null" else {
            _ = node(key)
            record(key, .scalar("null", line: nil))
            return nil
        }
        return try int(key, default: 0, range: range)
    }

    /// A number in `range`, or `defaultValue` when absent.
    public func double(_ key: String, default defaultValue: Double, range: ClosedRange<Double> = -Double.infinity...Double.infinity) throws -> Double {
        let expected = "a number in \(range.lowerBound)...\(range.upperBound)"
        guard let (text, line) = try scalar(key, expected: expected) else {
            record(key, .scalar(ConfigReader.format(defaultValue), line: nil))
            return defaultValue
        }
        guard let value = Double(text), value.isFinite else {
            throw JobConfigError.wrongType(path: keyPath(key), line: line, expected: expected, found: text)
        }
        guard range.contains(value) else {
            throw JobConfigError.notAllowed(path: keyPath(key), line: line, value: text, allowed: "\(range.lowerBound)...\(range.upperBound)")
        }
        record(key, .scalar(ConfigReader.format(value), line: nil))
        return value
    }

    /// A boolean (`true`/`false`, `yes`/`no`), or `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let (text, line) = try scalar(key, expected: "true or false") else {
            record(key, .scalar(String(defaultValue), line: nil))
            return defaultValue
        }
        let value: Bool
        switch text.lowercased() {
        case "true", "yes", "on": value = true
        case "false", "no", "off": value = false
        default: throw JobConfigError.wrongType(path: keyPath(key), line: line, expected: "true or false", found: text)
        }
        record(key, .scalar(String(value), line: nil))
        return value
    }

    /// A string, restricted to `allowed` when given, or `defaultValue` when absent.
    public func string(_ key: String, default defaultValue: String, allowed: [String]? = nil) throws -> String {
        guard let (text, line) = try scalar(key, expected: allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a string") else {
            record(key, .scalar(defaultValue, line: nil))
            return defaultValue
        }
        if let allowed, !allowed.contains(text) {
            throw JobConfigError.notAllowed(path: keyPath(key), line: line, value: text, allowed: allowed.joined(separator: ", "))
        }
        record(key, .scalar(text, line: nil))
        return text
    }

    /// An optional string (absent or `null` → nil).
    public func optionalString(_ key: String) throws -> String? {
        guard let (text, _) = try scalar(key, expected: "a string") else {
            record(key, .scalar("null", line: nil))
            return nil
        }
        record(key, .scalar(text, line: nil))
        return text
    }

    /// A required string; `what` tells the user what to put there.
    public func requiredString(_ key: String, what: String) throws -> String {
        guard let value = try optionalString(key), !value.isEmpty else {
            throw JobConfigError.missing(path: keyPath(key), what: what)
        }
        return value
    }

    /// A list of strings (a single scalar counts as a one-element list).
    public func stringList(_ key: String, default defaultValue: [String]) throws -> [String] {
        let values: [String]
        switch node(key) {
        case nil: values = defaultValue
        case let .scalar(s, _)?: values = (s == "~" || s == "null") ? defaultValue : [s]
        case let .list(items, _)?:
            values = try items.map { item in
                guard case let .scalar(s, _) = item else {
                    throw JobConfigError.wrongType(path: keyPath(key), line: item.line, expected: "a list of strings", found: "a nested value")
                }
                return s
            }
        case let .mapping(_, l)?:
            throw JobConfigError.wrongType(path: keyPath(key), line: l, expected: "a list of strings", found: "a mapping")
        }
        record(key, .list(values.map { .scalar($0, line: nil) }, line: nil))
        return values
    }

    /// A mapping from strings to integers (for example a label mapping `{"1": 0, "10": 1}`).
    public func stringToIntMap(_ key: String, default defaultValue: [(String, Int)]) throws -> [(String, Int)] {
        let sub = try ConfigReader(node(key), path: keyPath(key))
        let result: [(String, Int)]
        if sub.pairs.isEmpty {
            result = defaultValue
        } else {
            result = try sub.pairs.map { pair in
                guard case let .scalar(s, _) = pair.value, let v = Int(s) else {
                    throw JobConfigError.wrongType(path: sub.keyPath(pair.key), line: pair.value.line,
                                                   expected: "an integer", found: pair.value.yaml().trimmingCharacters(in: .whitespacesAndNewlines))
                }
                sub.readKeys.append(pair.key)
                return (pair.key, v)
            }
        }
        record(key, .mapping(result.map { ($0.0, .scalar(String($0.1), line: nil)) }, line: nil))
        return result
    }

    /// A nested section, read by `body`; its resolved values are recorded under `key`.
    public func section<T>(_ key: String, _ body: (ConfigReader) throws -> T) throws -> T {
        let reader = try ConfigReader(node(key), path: keyPath(key))
        let value = try body(reader)
        try reader.finish()
        record(key, .mapping(reader.resolved, line: nil))
        return value
    }

    /// Throws for the first key of this mapping that was never read, listing the allowed keys.
    public func finish() throws {
        for pair in pairs where !readKeys.contains(pair.key) {
            var allowed: [String] = []
            for key in readKeys where !allowed.contains(key) { allowed.append(key) }
            throw JobConfigError.unknownKey(path: keyPath(pair.key), line: pair.value.line, allowed: allowed)
        }
    }

    /// The resolved values read so far, as a tree.
    public var resolvedTree: ConfigTree { .mapping(resolved, line: nil) }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return "\(value)"
    }
}
