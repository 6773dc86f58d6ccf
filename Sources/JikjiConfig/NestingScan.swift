/// A cheap look at YAML text, before the parser sees it, for nesting deeper than
/// ``ConfigLimits/maximumDepth``.
///
/// The YAML parser and the tree builder recurse once per level, so an 8,000-deep `[[[…]]]`
/// overflows the stack (a crash, not an error). This scan counts flow brackets (`[`, `{`) outside
/// quoted scalars, comments and block scalars, on top of the block structure: indentation levels
/// and `- ` items. It errs on the side of counting (a same-column list under a key is not
/// counted, so the true depth is at most twice what it sees), which is harmless with a limit far
/// above what any configuration needs.
public enum NestingScan {
    /// Throws ``ConfigError/Kind/tooDeep`` naming `source` and the line where the text nests
    /// deeper than `limit`.
    public static func check(_ text: String, source: String, limit: Int = ConfigLimits.maximumDepth) throws {
        var scanner = Scanner(limit: limit)
        var text = text
        try text.withUTF8 { bytes in
            if let line = scanner.scan(bytes) {
                throw ConfigError(.tooDeep, at: ConfigLocation(source: source, line: line), path: nil,
                                  "nested more than \(limit) levels deep (lists and mappings); "
                                  + "a configuration needs only a few")
            }
        }
    }

    private struct Scanner {
        let limit: Int
        /// Columns of the block nodes enclosing the current line.
        var indents: [Int] = []
        /// Open flow brackets, and the block depth they started at.
        var flowDepth = 0
        var flowBase = 0
        /// Inside a quoted scalar (which may span lines): the quote byte, or 0.
        var quote: UInt8 = 0
        /// Inside a block scalar (`|`, `>`): lines indented more than this are its text.
        var blockScalarIndent: Int? = nil

        init(limit: Int) { self.limit = limit }

        /// The 1-based line where the nesting first exceeds the limit, or nil.
        mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            var lineNumber = 0
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                lineNumber += 1
                if !scanLine(bytes, from: start, to: end) { return lineNumber }
                start = end + 1
            }
            return nil
        }

        /// Scans one line (without its newline); false when it nests too deep.
        private mutating func scanLine(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
            var i = start
            while i < end, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") { i += 1 }
            let indent = i - start
            let blank = i == end || b[i] == UInt8(ascii: "\r")
            if let scalarIndent = blockScalarIndent {
                if blank || indent > scalarIndent { return true }
                blockScalarIndent = nil
            }
            var atValueStart = true
            if quote == 0 && flowDepth == 0 {
                if blank || b[i] == UInt8(ascii: "#") { return true }
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
                // `- ` and `? ` each open one more level on the same line.
                while i < end, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "?"),
                      i + 1 == end || b[i + 1] == UInt8(ascii: " ") || b[i + 1] == UInt8(ascii: "\t") {
                    i += 1
                    while i < end, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") { i += 1 }
                    indents.append(i - start)
                }
                if indents.count > limit { return false }
            }
            var previous: UInt8 = UInt8(ascii: " ")
            while i < end {
                let c = b[i]
                if quote != 0 {
                    if quote == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") {
                        i += 2
                        previous = UInt8(ascii: "a")
                        continue
                    }
                    if c == quote {
                        if quote == UInt8(ascii: "'") && i + 1 < end && b[i + 1] == UInt8(ascii: "'") {
                            i += 2
                            continue
                        }
                        quote = 0
                        atValueStart = false
                    }
                    previous = c
                    i += 1
                    continue
                }
                let afterSpace = previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")
                switch c {
                case UInt8(ascii: "#") where afterSpace:
                    return true
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    let opens = flowDepth > 0
                        ? afterSpace || [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":")].contains(previous)
                        : atValueStart
                    if opens { quote = c }
                    atValueStart = false
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if flowDepth > 0 || atValueStart {
                        if flowDepth == 0 { flowBase = indents.count }
                        flowDepth += 1
                        if flowBase + flowDepth > limit { return false }
                    }
                    atValueStart = flowDepth > 0
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if flowDepth > 0 { flowDepth -= 1 }
                    atValueStart = false
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    if flowDepth == 0 && atValueStart {
                        blockScalarIndent = indent
                        return true
                    }
                    atValueStart = false
                case UInt8(ascii: ":"):
                    // `key: value` — what follows the colon and a space starts a value.
                    atValueStart = i + 1 == end || b[i + 1] == UInt8(ascii: " ") || b[i + 1] == UInt8(ascii: "\t")
                        || flowDepth > 0
                case UInt8(ascii: ","):
                    atValueStart = flowDepth > 0
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    break
                default:
                    atValueStart = false
                }
                previous = c
                i += 1
            }
            return true
        }
    }
}
