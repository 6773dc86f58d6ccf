extension ConfigValue {
    /// Parses JSON text (RFC 8259) with the package's one JSON parser; `source` names it in
    /// errors. Objects keep their key order (a repeated key is an error), numbers, `true`,
    /// `false` and `null` are kept as written, and every node has its line. Nesting deeper than
    /// ``ConfigLimits/maximumDepth`` is an error, not a deep recursion.
    public static func parse(json: String, source: String) throws -> ConfigValue {
        var text = json
        return try text.withUTF8 { (bytes) throws -> ConfigValue in
            var parser = JSONParser(bytes: bytes, builder: ConfigTreeBuilder(source: source),
                                    maximumDepth: ConfigLimits.maximumDepth)
            do {
                return try parser.document()
            } catch let error as JSONSyntaxError {
                let location = ConfigLocation(source: source, line: error.line)
                switch error.kind {
                case .malformed:
                    throw ConfigError(.syntax, at: location, path: nil, "not valid JSON: \(error.problem)")
                case .tooDeep:
                    throw ConfigError(.tooDeep, at: location, path: nil, "\(error.problem); a configuration needs only a few")
                }
            }
        }
    }
}

/// Builds ``ConfigValue``s from JSON: scalars as written, each node with its line, key paths
/// for errors, and a repeated key refused (as the YAML reader refuses it).
struct ConfigTreeBuilder: JSONTreeBuilder {
    /// The file (or other name) of the text.
    let source: String

    var rootPath: String { "" }
    func path(ofKey key: String, in parent: String) -> String { ConfigPath.key(key, in: parent) }
    func path(ofItem number: Int, in parent: String) -> String { ConfigPath.item(number, in: parent) }

    func check(key: String, line: Int, path: String, members: [(key: String, value: ConfigValue)]) throws {
        if members.contains(where: { $0.key == key }) {
            throw ConfigError(.syntax, at: location(line), path: path, "the key appears twice")
        }
    }

    func scalar(_ scalar: JSONScalar, line: Int) -> ConfigValue { .scalar(scalar.text, at: location(line)) }
    func array(_ items: [ConfigValue], line: Int) -> ConfigValue { .list(items, at: location(line)) }
    func object(_ members: [(key: String, value: ConfigValue)], line: Int) -> ConfigValue { .mapping(members, at: location(line)) }

    private func location(_ line: Int) -> ConfigLocation { ConfigLocation(source: source, line: line) }
}
