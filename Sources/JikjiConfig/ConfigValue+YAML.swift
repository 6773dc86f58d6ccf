import Yams

extension ConfigValue {
    /// Parses YAML text; `source` names it in errors (a file name, `--set key`).
    ///
    /// Nesting deeper than ``ConfigLimits/maximumDepth`` is refused before the text reaches the
    /// YAML parser (``NestingScan``), and aliases may expand to at most
    /// ``ConfigLimits/maximumNodes`` nodes. An empty text is an empty mapping.
    public static func parse(yaml: String, source: String) throws -> ConfigValue {
        try NestingScan.check(yaml, source: source)
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, source: source, lineCount: lineCount(of: yaml))
        }
        guard let node else { return .mapping([], at: ConfigLocation(source: source, line: 1)) }
        var builder = YAMLTreeBuilder(source: source)
        return try builder.value(of: node, path: "", depth: 1)
    }

    /// Lines of `text`; the parser reports the end of a text without a final newline on the
    /// line after it, which errors should not name.
    private static func lineCount(of text: String) -> Int {
        var count = 1
        for byte in text.utf8 where byte == UInt8(ascii: "\n") { count += 1 }
        return text.utf8.last == UInt8(ascii: "\n") ? max(1, count - 1) : count
    }

    private static func syntaxError(_ error: YamlError, source: String, lineCount: Int) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let context = context.map { " (\($0.text) at line \(min($0.mark.line, lineCount)))" } ?? ""
            let line = min(mark.line, lineCount)
            let column = mark.line > lineCount ? "at the end" : "at column \(mark.column)"
            return ConfigError(.syntax, at: ConfigLocation(source: source, line: line), path: nil,
                               "not valid YAML: \(problem) \(column)\(context)")
        case let .reader(problem, _, _, _):
            return ConfigError(.syntax, at: ConfigLocation(source: source), path: nil, "not valid YAML: \(problem)")
        default:
            return ConfigError(.syntax, at: ConfigLocation(source: source), path: nil, "not valid YAML: \(error)")
        }
    }
}

/// Turns the YAML parser's nodes into a ``ConfigValue``, counting nodes as aliases expand and
/// checking the depth again (an alias can nest a deep anchor inside another).
private struct YAMLTreeBuilder {
    let source: String
    var nodes = 0

    init(source: String) { self.source = source }

    mutating func value(of node: Node, path: String, depth: Int) throws -> ConfigValue {
        let location = ConfigLocation(source: source, line: node.mark?.line)
        nodes += 1
        if nodes > ConfigLimits.maximumNodes {
            throw ConfigError(.tooLarge, at: location, path: path,
                              "more than \(ConfigLimits.maximumNodes) values once aliases are expanded")
        }
        if depth > ConfigLimits.maximumDepth {
            throw ConfigError(.tooDeep, at: location, path: path,
                              "nested more than \(ConfigLimits.maximumDepth) levels deep once aliases are expanded")
        }
        switch node {
        case let .scalar(scalar):
            return .scalar(scalar.string, at: location)
        case let .sequence(sequence):
            var items: [ConfigValue] = []
            items.reserveCapacity(sequence.count)
            for (index, item) in sequence.enumerated() {
                items.append(try value(of: item, path: ConfigPath.item(index + 1, in: path), depth: depth + 1))
            }
            return .list(items, at: location)
        case let .mapping(mapping):
            var pairs: [(key: String, value: ConfigValue)] = []
            for (key, child) in mapping {
                let keyLocation = ConfigLocation(source: source, line: key.mark?.line ?? location.line)
                guard case let .scalar(keyScalar) = key else {
                    throw ConfigError(.syntax, at: keyLocation, path: path, "a key is not a plain string")
                }
                let name = keyScalar.string
                if pairs.contains(where: { $0.key == name }) {
                    throw ConfigError(.syntax, at: keyLocation, path: ConfigPath.key(name, in: path), "the key appears twice")
                }
                pairs.append((name, try value(of: child, path: ConfigPath.key(name, in: path), depth: depth + 1)))
            }
            return .mapping(pairs, at: location)
        }
    }
}
