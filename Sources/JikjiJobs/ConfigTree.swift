import Foundation
import Yams

/// A parsed job file as a tree of scalars, mappings and lists, each with the line it came from.
///
/// Jobs are read in two steps: YAML → ``ConfigTree`` (which keeps key order and line numbers and
/// takes `--set key.path=value` overrides), then ``ConfigTree`` → typed sections through
/// ``ConfigReader``, which reports the key path, the line and what is allowed on every error.
public indirect enum ConfigTree: Equatable, Sendable {
    /// A scalar as written (`128`, `1e-3`, `true`, `lstm`), typed only when read.
    case scalar(String, line: Int?)
    /// A mapping in file order.
    case mapping([(key: String, value: ConfigTree)], line: Int?)
    /// A list.
    case list([ConfigTree], line: Int?)

    /// The line of the file this node starts at (1-based), when it came from a file.
    public var line: Int? {
        switch self {
        case let .scalar(_, line), let .mapping(_, line), let .list(_, line): return line
        }
    }

    /// Parses YAML text; `source` names the file in errors.
    public static func parse(yaml: String, source: String) throws -> ConfigTree {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw JobConfigError.unreadable(source: source, reason: "\(error)")
        }
        guard let node else { return .mapping([], line: 1) }
        return try ConfigTree(node, source: source)
    }

    private init(_ node: Node, source: String) throws {
        let line = node.mark.map { $0.line }
        switch node {
        case let .scalar(scalar):
            self = .scalar(scalar.string, line: line)
        case let .sequence(sequence):
            self = .list(try sequence.map { try ConfigTree($0, source: source) }, line: line)
        case let .mapping(mapping):
            var pairs: [(key: String, value: ConfigTree)] = []
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw JobConfigError.unreadable(source: source, reason: "line \(line ?? 0): a key is not a plain string")
                }
                if pairs.contains(where: { $0.key == name }) {
                    throw JobConfigError.unreadable(source: source, reason: "line \(key.mark?.line ?? 0): key '\(name)' appears twice")
                }
                pairs.append((name, try ConfigTree(value, source: source)))
            }
            self = .mapping(pairs, line: line)
        }
    }

    /// The child at `key` of a mapping.
    public subscript(key: String) -> ConfigTree? {
        guard case let .mapping(pairs, _) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// Sets the value at a dotted key path (`model.hidden`), creating mappings on the way.
    /// The value is YAML (`256`, `[1, 2]`, `{a: 1}`), so overrides can set any node.
    public mutating func set(path: String, yamlValue: String) throws {
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else {
            throw JobConfigError.badOverride(path + "=" + yamlValue, reason: "the key path has an empty part")
        }
        let parsed = try ConfigTree.parse(yaml: yamlValue, source: "--set \(path)")
        let value: ConfigTree
        if case let .mapping(pairs, _) = parsed, pairs.isEmpty, yamlValue.trimmingCharacters(in: .whitespaces).isEmpty {
            value = .scalar("", line: nil)
        } else {
            value = parsed.withoutLines
        }
        try setValue(value, at: keys[...], fullPath: path)
    }

    private mutating func setValue(_ value: ConfigTree, at keys: ArraySlice<String>, fullPath: String) throws {
        guard let first = keys.first else { self = value; return }
        guard case .mapping(var pairs, let line) = self else {
            throw JobConfigError.badOverride(fullPath, reason: "'\(first)' is inside a value that is not a mapping")
        }
        if let index = pairs.firstIndex(where: { $0.key == first }) {
            try pairs[index].value.setValue(value, at: keys.dropFirst(), fullPath: fullPath)
        } else {
            var child = ConfigTree.mapping([], line: nil)
            try child.setValue(value, at: keys.dropFirst(), fullPath: fullPath)
            pairs.append((first, child))
        }
        self = .mapping(pairs, line: line)
    }

    /// The same tree with line numbers dropped (for values that came from the command line).
    var withoutLines: ConfigTree {
        switch self {
        case let .scalar(s, _): return .scalar(s, line: nil)
        case let .list(items, _): return .list(items.map(\.withoutLines), line: nil)
        case let .mapping(pairs, _): return .mapping(pairs.map { ($0.key, $0.value.withoutLines) }, line: nil)
        }
    }

    /// YAML text for this tree, keys in order, two-space indentation.
    public func yaml() -> String {
        var out = ""
        render(into: &out, indent: 0, inList: false)
        return out
    }

    private func render(into out: inout String, indent: Int, inList: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case let .scalar(s, _):
            out += ConfigTree.quoteIfNeeded(s) + "\n"
        case let .list(items, _):
            if items.isEmpty { out += "[]\n"; return }
            if items.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
                out += "[" + items.map { if case let .scalar(s, _) = $0 { return ConfigTree.quoteIfNeeded(s) } else { return "" } }
                    .joined(separator: ", ") + "]\n"
                return
            }
            out += "\n"
            for item in items {
                out += pad + "- "
                item.render(into: &out, indent: indent + 2, inList: true)
            }
        case let .mapping(pairs, _):
            if pairs.isEmpty { out += "{}\n"; return }
            if indent > 0 && !inList { out += "\n" }
            for (n, pair) in pairs.enumerated() {
                if !(inList && n == 0) { out += pad }
                out += pair.key + ":"
                if case .scalar = pair.value { out += " " } else if case let .list(items, _) = pair.value,
                    items.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) { out += " " }
                else if case let .mapping(p, _) = pair.value, p.isEmpty { out += " " }
                pair.value.render(into: &out, indent: indent + 2, inList: false)
            }
        }
    }

    static func quoteIfNeeded(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let plain = s.unicodeScalars.allSatisfy { c in
            CharacterSet.alphanumerics.contains(c) || "._-/@+".unicodeScalars.contains(c) || c.value > 127
        }
        if plain && !s.hasPrefix("-") && !["~", "null", "yes", "no", "on", "off"].contains(s.lowercased()) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }

    public static func == (a: ConfigTree, b: ConfigTree) -> Bool {
        switch (a, b) {
        case let (.scalar(x, _), .scalar(y, _)): return x == y
        case let (.list(x, _), .list(y, _)): return x == y
        case let (.mapping(x, _), .mapping(y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}
