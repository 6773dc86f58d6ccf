/// The package's one JSON parser (RFC 8259): recursive descent over UTF-8 bytes, building the
/// tree its ``JSONTreeBuilder`` makes, counting lines as it goes, refusing nesting deeper than
/// `maximumDepth` before it can exhaust the stack.
///
/// Object keys reach the builder byte for byte as written (Swift `String` equality would merge
/// canonically equivalent keys; the builder decides how to compare them). A UTF-8 byte order
/// mark at the start is skipped. Errors are ``JSONSyntaxError``s; a builder's own errors (a
/// repeated key) pass through unchanged.
struct JSONParser<Builder: JSONTreeBuilder> {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let builder: Builder
    /// The deepest a value may sit: the top-level value is at depth 1.
    private let maximumDepth: Int
    private var position = 0
    private var line = 1
    private var lineStart = 0

    init(bytes: UnsafeBufferPointer<UInt8>, builder: Builder, maximumDepth: Int) {
        self.bytes = bytes
        self.builder = builder
        self.maximumDepth = maximumDepth
    }

    /// The whole text as one value.
    mutating func document() throws -> Builder.Node {
        skipWhitespace()
        if position + 3 <= bytes.count, bytes[position] == 0xEF, bytes[position + 1] == 0xBB, bytes[position + 2] == 0xBF {
            position += 3
            skipWhitespace()
        }
        if position == bytes.count { throw fail("the text is empty") }
        let value = try parseValue(path: builder.rootPath, depth: 1)
        skipWhitespace()
        if position < bytes.count { throw fail("\(describeNext()) after the value") }
        return value
    }

    // MARK: Positions and errors

    private mutating func skipWhitespace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == ASCII.newline {
                line += 1
                lineStart = position + 1
            } else if c != ASCII.space && c != ASCII.tab && c != ASCII.carriageReturn {
                return
            }
            position += 1
        }
    }

    private func fail(_ problem: String, _ kind: JSONSyntaxError.Kind = .malformed) -> JSONSyntaxError {
        JSONSyntaxError(kind: kind, line: line, column: position - lineStart + 1, byteOffset: position, problem: problem)
    }

    /// The byte at `position` as errors name it: `'x'`, `byte 0xNN`, or the end of the text.
    private func describeNext() -> String {
        guard position < bytes.count else { return "the end of the text" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    // MARK: Values

    private mutating func parseValue(path: Builder.Path, depth: Int) throws -> Builder.Node {
        if depth > maximumDepth {
            throw fail("nested more than \(maximumDepth) levels deep (lists and mappings)", .tooDeep)
        }
        skipWhitespace()
        guard position < bytes.count else { throw fail("expected a value, found the end of the text") }
        let startLine = line
        switch bytes[position] {
        case ASCII.openBrace:
            position += 1
            var members: [(key: String, value: Builder.Node)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == ASCII.closeBrace {
                position += 1
                return builder.object(members, line: startLine)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == ASCII.quote else {
                    throw fail("expected a key in double quotes, found \(describeNext())")
                }
                let keyLine = line
                let key = try parseString()
                let keyPath = builder.path(ofKey: key, in: path)
                try builder.check(key: key, line: keyLine, path: keyPath, members: members)
                skipWhitespace()
                guard position < bytes.count, bytes[position] == ASCII.colon else {
                    throw fail("expected ':' after a key, found \(describeNext())")
                }
                position += 1
                members.append((key, try parseValue(path: keyPath, depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw fail("expected ',' or '}', found the end of the text") }
                if bytes[position] == ASCII.comma { position += 1; continue }
                if bytes[position] == ASCII.closeBrace {
                    position += 1
                    return builder.object(members, line: startLine)
                }
                throw fail("expected ',' or '}', found \(describeNext())")
            }
        case ASCII.openBracket:
            position += 1
            var items: [Builder.Node] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == ASCII.closeBracket {
                position += 1
                return builder.array(items, line: startLine)
            }
            while true {
                items.append(try parseValue(path: builder.path(ofItem: items.count + 1, in: path), depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw fail("expected ',' or ']', found the end of the text") }
                if bytes[position] == ASCII.comma { position += 1; continue }
                if bytes[position] == ASCII.closeBracket {
                    position += 1
                    return builder.array(items, line: startLine)
                }
                throw fail("expected ',' or ']', found \(describeNext())")
            }
        case ASCII.quote:
            return builder.scalar(.string(try parseString()), line: startLine)
        default:
            return builder.scalar(try parseLiteral(), line: startLine)
        }
    }

    /// `true`, `false`, `null` or a number. The word is read up to the first byte that cannot be
    /// part of one, so that `tru` or `01` is named whole in the error.
    private mutating func parseLiteral() throws -> JSONScalar {
        let begin = position
        while position < bytes.count, Self.isWordByte(bytes[position]) { position += 1 }
        let word = UnsafeBufferPointer(rebasing: bytes[begin..<position])
        if let first = word.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") {
            if word.elementsEqual("true".utf8) { return .bool(true) }
            if word.elementsEqual("false".utf8) { return .bool(false) }
            if word.elementsEqual("null".utf8) { return .null }
        } else if Self.isNumber(word) {
            return .number(String(decoding: word, as: UTF8.self))
        }
        position = begin
        if word.isEmpty { throw fail("expected a value, found \(describeNext())") }
        throw fail("'\(String(decoding: word, as: UTF8.self))' is not a JSON value")
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "E")
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private static func isNumber(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = word.count
        func digits() -> Int {
            let from = i
            while i < n, word[i] >= UInt8(ascii: "0"), word[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }
        if i < n, word[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, word[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if i < n, word[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { return false }
        }
        if i < n, word[i] == UInt8(ascii: "e") || word[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, word[i] == UInt8(ascii: "+") || word[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { return false }
        }
        return i == n
    }

    // MARK: Strings

    /// The string at `position` (its opening quote), escapes decoded. Without escapes (almost
    /// every key and token) the bytes become a `String` in one step, with no copy.
    private mutating func parseString() throws -> String {
        position += 1
        var runStart = position
        var decoded: [UInt8]? = nil
        while position < bytes.count {
            let c = bytes[position]
            if c == ASCII.quote {
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
                position += 1
                guard var text = decoded else { return try makeString(run) }
                text.append(contentsOf: run)
                return try text.withUnsafeBufferPointer { try makeString($0) }
            }
            if c < 0x20 {
                throw fail(c == ASCII.newline ? "a string is not closed on its line"
                           : "a control character inside a string (write it as \\u escape)")
            }
            if c != ASCII.backslash {
                position += 1
                continue
            }
            if decoded == nil { decoded = [] }
            decoded!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case ASCII.quote: decoded!.append(ASCII.quote)
            case ASCII.backslash: decoded!.append(ASCII.backslash)
            case UInt8(ascii: "/"): decoded!.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): decoded!.append(0x08)
            case UInt8(ascii: "f"): decoded!.append(0x0C)
            case UInt8(ascii: "n"): decoded!.append(ASCII.newline)
            case UInt8(ascii: "r"): decoded!.append(ASCII.carriageReturn)
            case UInt8(ascii: "t"): decoded!.append(ASCII.tab)
            case UInt8(ascii: "u"):
                let scalar = try escapedScalar()
                decoded!.append(contentsOf: String(Character(scalar)).utf8)
            default:
                position -= 1
                let shown = describeNext()
                throw fail("unknown escape \\" + (shown.hasPrefix("'") ? String(shown.dropFirst().dropLast()) : shown))
            }
            runStart = position
        }
        throw fail("a string is not closed")
    }

    /// The scalar of a `\u` escape whose `u` was just read, joining a surrogate pair.
    private mutating func escapedScalar() throws -> Unicode.Scalar {
        var unit = try hex4()
        if (0xD800...0xDBFF).contains(unit) {
            guard position + 1 < bytes.count, bytes[position] == ASCII.backslash, bytes[position + 1] == UInt8(ascii: "u") else {
                throw fail("\\u escape of a lone surrogate")
            }
            position += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("\\u escape of a lone surrogate") }
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(unit) else { throw fail("\\u escape of a lone surrogate") }
        return scalar
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("a \\u escape needs four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// The string of `bytes`, which must be well-formed UTF-8 (a text read as bytes may not be).
    private func makeString(_ bytes: UnsafeBufferPointer<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
        return text
    }
}

/// The bytes of JSON's punctuation and whitespace.
private enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let tab = UInt8(ascii: "\t")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
}
