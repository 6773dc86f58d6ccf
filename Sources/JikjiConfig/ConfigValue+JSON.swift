extension ConfigValue {
    /// Parses JSON text (RFC 8259); `source` names it in errors. Objects keep their key order,
    /// numbers, `true`, `false` and `null` are kept as written, and every node has its line.
    /// Nesting deeper than ``ConfigLimits/maximumDepth`` is an error, not a deep recursion.
    public static func parse(json: String, source: String) throws -> ConfigValue {
        var text = json
        return try text.withUTF8 { bytes in
            var parser = JSONTreeParser(bytes: bytes, source: source)
            return try parser.document()
        }
    }
}

/// A small recursive-descent JSON parser that builds a ``ConfigValue`` with lines.
private struct JSONTreeParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    var position = 0
    var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
    }

    private var location: ConfigLocation { ConfigLocation(source: source, line: line) }

    private func error(_ problem: String) -> ConfigError {
        ConfigError(.syntax, at: location, path: nil, "not valid JSON: \(problem)")
    }

    private func describeNext() -> String {
        guard position < bytes.count else { return "the end of the text" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    mutating func document() throws -> ConfigValue {
        skipWhitespace()
        if position < bytes.count, bytes[position] == 0xEF, position + 2 < bytes.count,
           bytes[position + 1] == 0xBB, bytes[position + 2] == 0xBF {
            position += 3  // a UTF-8 byte order mark
            skipWhitespace()
        }
        if position == bytes.count { throw error("the text is empty") }
        let value = try parseValue(path: "", depth: 1)
        skipWhitespace()
        if position < bytes.count { throw error("\(describeNext()) after the value") }
        return value
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            position += 1
        }
    }

    private mutating func parseValue(path: String, depth: Int) throws -> ConfigValue {
        if depth > ConfigLimits.maximumDepth {
            throw ConfigError(.tooDeep, at: location, path: nil,
                              "nested more than \(ConfigLimits.maximumDepth) levels deep (lists and mappings); "
                              + "a configuration needs only a few")
        }
        skipWhitespace()
        guard position < bytes.count else { throw error("expected a value, found the end of the text") }
        let start = location
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var pairs: [(key: String, value: ConfigValue)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .mapping(pairs, at: start)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a key in double quotes, found \(describeNext())")
                }
                let keyLocation = location
                let key = try parseString()
                let keyPath = ConfigPath.key(key, in: path)
                if pairs.contains(where: { $0.key == key }) {
                    throw ConfigError(.syntax, at: keyLocation, path: keyPath, "the key appears twice")
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error("expected ':' after a key, found \(describeNext())")
                }
                position += 1
                pairs.append((key, try parseValue(path: keyPath, depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw error("expected ',' or '}', found the end of the text") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .mapping(pairs, at: start) }
                throw error("expected ',' or '}', found \(describeNext())")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [ConfigValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .list(items, at: start)
            }
            while true {
                items.append(try parseValue(path: ConfigPath.item(items.count + 1, in: path), depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("expected ',' or ']', found the end of the text") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .list(items, at: start) }
                throw error("expected ',' or ']', found \(describeNext())")
            }
        case UInt8(ascii: "\""):
            return .scalar(try parseString(), at: start)
        default:
            return .scalar(try parseLiteral(), at: start)
        }
    }

    /// `true`, `false`, `null` or a number, as written.
    private mutating func parseLiteral() throws -> String {
        let begin = position
        while position < bytes.count {
            let c = bytes[position]
            let isWord = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "E")
            if !isWord { break }
            position += 1
        }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[begin..<position]), as: UTF8.self)
        if word == "true" || word == "false" || word == "null" { return word }
        if Self.isNumber(word) { return word }
        position = begin
        throw error(word.isEmpty ? "expected a value, found \(describeNext())" : "'\(word)' is not a JSON value")
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private static func isNumber(_ word: String) -> Bool {
        var s = Substring(word)
        if s.first == "-" { s = s.dropFirst() }
        func digits(_ s: inout Substring) -> Int {
            let n = s.prefix { $0.isASCII && $0.isNumber }.count
            s = s.dropFirst(n)
            return n
        }
        if s.first == "0" { s = s.dropFirst() } else if digits(&s) == 0 { return false }
        if s.first == "." { s = s.dropFirst(); if digits(&s) == 0 { return false } }
        if s.first == "e" || s.first == "E" {
            s = s.dropFirst()
            if s.first == "+" || s.first == "-" { s = s.dropFirst() }
            if digits(&s) == 0 { return false }
        }
        return s.isEmpty
    }

    /// A string at `position` (which holds its opening quote), escapes decoded.
    private mutating func parseString() throws -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flushRun(_ end: Int, into result: inout String.UnicodeScalarView) {
            if end > runStart {
                result.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self).unicodeScalars)
            }
        }
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                flushRun(position, into: &scalars)
                position += 1
                return String(scalars)
            }
            if c < 0x20 {
                throw error(c == UInt8(ascii: "\n") ? "a string is not closed on its line" : "a control character inside a string (write it as \\u escape)")
            }
            if c != UInt8(ascii: "\\") { position += 1; continue }
            flushRun(position, into: &scalars)
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var unit = try hex4()
                if (0xD800...0xDBFF).contains(unit), position + 1 < bytes.count,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let saved = position
                    position += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = saved
                    }
                }
                guard let scalar = Unicode.Scalar(unit) else { throw error("\\u escape of a lone surrogate") }
                scalars.append(scalar)
            default:
                position -= 1
                throw error("unknown escape \\\(describeNext().trimmingQuotes)")
            }
            runStart = position
        }
        throw error("a string is not closed")
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("a \\u escape needs four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

private extension String {
    var trimmingQuotes: String { hasPrefix("'") && hasSuffix("'") && count >= 2 ? String(dropFirst().dropLast()) : self }
}
