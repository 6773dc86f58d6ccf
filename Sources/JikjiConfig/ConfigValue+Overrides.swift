extension ConfigValue {
    /// Where values given with `--set` are said to come from in errors.
    public static let overrideSource = "--set"

    /// Applies `key.path=value` overrides in order (the value is YAML, so any node can be set).
    public mutating func apply(overrides: [String]) throws {
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw ConfigError(.badOverride, at: ConfigLocation(source: Self.overrideSource), path: nil,
                                  "'\(override)': expected key.path=value")
            }
            try set(path: String(override[..<equals]), yamlValue: String(override[override.index(after: equals)...]))
        }
    }

    /// Sets the value at a dotted key path (`model.hidden`), creating mappings on the way.
    /// The value is YAML (`256`, `[1, 2]`, `{a: 1}`), so overrides can set any node; an empty
    /// value sets the empty string.
    public mutating func set(path: String, yamlValue: String) throws {
        let location = ConfigLocation(source: Self.overrideSource)
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError(.badOverride, at: location, path: path, "the key path has an empty part")
        }
        let value: ConfigValue
        if yamlValue.allSatisfy({ $0 == " " || $0 == "\t" }) {
            value = .scalar("", at: location)
        } else {
            value = try ConfigValue.parse(yaml: yamlValue, source: "\(Self.overrideSource) \(path)").relocated(to: location)
        }
        try setValue(value, at: keys[...], fullPath: path)
    }

    private mutating func setValue(_ value: ConfigValue, at keys: ArraySlice<String>, fullPath: String) throws {
        guard let first = keys.first else { self = value; return }
        guard case .mapping(var pairs, let location) = self else {
            throw ConfigError(.badOverride, at: ConfigLocation(source: Self.overrideSource), path: fullPath,
                              "'\(first)' is inside a value that is not a mapping")
        }
        if let index = pairs.firstIndex(where: { $0.key == first }) {
            try pairs[index].value.setValue(value, at: keys.dropFirst(), fullPath: fullPath)
        } else {
            var child = ConfigValue.mapping([], at: value.location)
            try child.setValue(value, at: keys.dropFirst(), fullPath: fullPath)
            pairs.append((first, child))
        }
        self = .mapping(pairs, at: location)
    }
}
