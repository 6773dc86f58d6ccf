import Foundation

extension ConfigValue {
    /// YAML text for this tree: keys in order, two-space indentation, lists of scalars on one
    /// line, scalars quoted only when YAML would read them as something else.
    public func yaml() -> String {
        var out = ""
        render(into: &out, indent: 0, inList: false)
        return out
    }

    private var isScalar: Bool {
        if case .scalar = self { return true } else { return false }
    }

    private func render(into out: inout String, indent: Int, inList: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case let .scalar(text, _):
            // A scalar that means "no value" (what readers record for an absent optional) is
            // written as YAML's null, so other YAML readers see null rather than the string 'null'.
            out += (self.isNull ? "null" : ConfigValue.quoteIfNeeded(text)) + "\n"
        case let .list(items, _):
            if items.isEmpty { out += "[]\n"; return }
            if items.allSatisfy(\.isScalar) {
                out += "[" + items.map { item -> String in
                    if case let .scalar(text, _) = item { return ConfigValue.quoteIfNeeded(text) } else { return "" }
                }.joined(separator: ", ") + "]\n"
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
                switch pair.value {
                case .scalar: out += " "
                case let .list(items, _) where items.allSatisfy(\.isScalar): out += " "
                case let .mapping(inner, _) where inner.isEmpty: out += " "
                default: break
                }
                pair.value.render(into: &out, indent: indent + 2, inList: false)
            }
        }
    }

    /// `text` as a YAML scalar: plain when it is letters, digits and `._-/@+` (or non-ASCII) and
    /// not a word YAML reads as null or a boolean, else single-quoted.
    static func quoteIfNeeded(_ text: String) -> String {
        if text.isEmpty { return "''" }
        let plain = text.unicodeScalars.allSatisfy { c in
            CharacterSet.alphanumerics.contains(c) || "._-/@+".unicodeScalars.contains(c) || c.value > 127
        }
        if plain && !text.hasPrefix("-") && !["~", "null", "yes", "no", "on", "off"].contains(text.lowercased()) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
