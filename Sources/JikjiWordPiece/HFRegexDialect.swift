/// Moves regular expressions between ICU's dialect (Jikji's `regex` cleaning step) and
/// Oniguruma's (HF `tokenizers`' `Replace` normalizer, Ruby syntax), keeping their meaning.
///
/// The two engines agree on literals, groups, alternation, quantifiers, look-around,
/// back-references, `\p{…}` with the common property names, `\A`, `\z` and `\x{…}`, but not on
/// the rest: Oniguruma's `.` matches U+0085, U+2028 and `\r` where ICU's does not, its `^` and
/// `$` always match at line breaks, `\h` is a hex digit there and horizontal space in ICU, `\s`
/// and `\w` cover different sets, `\Q…\E` does not exist. So ``onigPattern(fromICU:ignoreCase:)``
/// rewrites `.`, `^`, `$`, `\d`, `\s`, `\w`, `\u`, `\x`, `\Q…\E` into explicit forms both
/// engines read alike, and refuses what has no such form (`\b`, `\h`, `\v`, `\R`, `\X`, `\Z`,
/// POSIX classes, nested or intersected sets, flags other than `i`, uncommon property names).
/// A pattern that this leaves unchanged means the same in both engines, which is how
/// ``isShared(_:)`` decides which patterns of a tokenizer.json Jikji can run with ICU.
public enum HFRegexDialect {
    /// Why a pattern cannot be carried over, with the construct at fault.
    public struct Problem: Error, Equatable, CustomStringConvertible, Sendable {
        /// What is wrong, e.g. "\\b (word boundary) has no equivalent in Oniguruma".
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// ICU's line terminators, which its `.` and `$` respect.
    static let lineTerminators = #"\n\x{B}\f\r\x{85}\x{2028}\x{2029}"#
    /// ICU's `\s`: `[\t\n\f\r\p{Z}]`.
    static let space = #"\t\n\f\r\p{Z}"#
    /// ICU's `\w`.
    static let word = #"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}"#

    /// Property names both engines read alike in `\p{…}`.
    static let sharedProperties: Set<String> = [
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
        "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
        "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Co", "Cn", "Cs",
        "Alphabetic", "White_Space", "Hangul", "Han", "Hiragana", "Katakana", "Latin", "Greek", "Cyrillic",
        "Arabic", "Hebrew", "Thai", "Devanagari", "Bengali", "Common", "Inherited",
    ]

    /// `pattern` (ICU syntax, as a `regex` cleaning step holds it) written for Oniguruma with the
    /// same meaning; `ignoreCase` adds `(?i)`.
    /// - Throws: ``Problem`` naming the first construct that has no shared form.
    public static func onigPattern(fromICU pattern: String, ignoreCase: Bool = false) throws -> String {
        var scanner = Scanner(Array(pattern.unicodeScalars))
        var out = ignoreCase ? "(?i)" : ""
        while let c = scanner.next() {
            switch c {
            case "\\": out += try scanner.escape(inClass: false)
            case ".": out += "[^\(lineTerminators)]"
            case "^": out += #"\A"#
            case "$": out += #"(?=(?:\r\n|[\#(lineTerminators)])?\z)"#
            case "[": out += try scanner.characterClass()
            case "(": out += try scanner.group()
            case "{":
                guard scanner.peek() != "," else { throw Problem("'{,n}' is read differently by ICU and Oniguruma") }
                out += "{"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Whether `pattern` (from a tokenizer.json) means the same to ICU as to Oniguruma, so that
    /// a `regex` cleaning step can run it: it uses only the shared constructs.
    public static func isShared(_ pattern: String) -> Bool {
        (try? onigPattern(fromICU: pattern)) == pattern
    }

    /// An ICU pattern matching exactly the string `literal`.
    public static func literalPattern(_ literal: String) -> String {
        var out = ""
        for u in literal.unicodeScalars {
            if u.properties.isAlphabetic || (u.value >= 0x30 && u.value <= 0x39) || u.value > 0x7F {
                out.unicodeScalars.append(u)
            } else {
                out += "\\x{\(String(u.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    /// An ICU replacement string that inserts `literal` as it is (`\` and `$` escaped).
    public static func literalReplacement(_ literal: String) -> String {
        var out = ""
        for u in literal.unicodeScalars {
            if u == "\\" || u == "$" { out += "\\" }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// The literal text an ICU replacement string inserts, or nil when it refers to a group
    /// (`$1`, `${name}`), which HF's literal `content` cannot do.
    public static func literal(ofReplacement replacement: String) -> String? {
        var out = ""
        var escaped = false
        for u in replacement.unicodeScalars {
            if escaped {
                out.unicodeScalars.append(u)
                escaped = false
            } else if u == "\\" {
                escaped = true
            } else if u == "$" {
                return nil
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return escaped ? nil : out
    }

    /// Reads an ICU pattern scalar by scalar.
    struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func next() -> Unicode.Scalar? {
            guard index < scalars.count else { return nil }
            defer { index += 1 }
            return scalars[index]
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        /// Hex digits up to `limit` (all of them when `braced`, up to `}`).
        mutating func hex(count: Int) throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let d = next(), let v = UInt32(String(d), radix: 16) else {
                    throw Problem("a \\u, \\U or \\x escape needs \(count) hex digits")
                }
                value = value * 16 + v
            }
            return value
        }

        mutating func bracedHex() throws -> UInt32 {
            var digits = ""
            while let d = next(), d != "}" { digits.unicodeScalars.append(d) }
            guard let value = UInt32(digits, radix: 16) else { throw Problem("\\x{\(digits)} is not a hex code point") }
            return value
        }

        /// The escape after a `\`, in the shared form.
        mutating func escape(inClass: Bool) throws -> String {
            guard let c = next() else { throw Problem("the pattern ends in a lone backslash") }
            func code(_ value: UInt32) -> String { "\\x{\(String(value, radix: 16, uppercase: true))}" }
            switch c {
            case "d": return #"\p{Nd}"#
            case "D": return #"\P{Nd}"#
            case "s": return inClass ? HFRegexDialect.space : "[\(HFRegexDialect.space)]"
            case "w": return inClass ? HFRegexDialect.word : "[\(HFRegexDialect.word)]"
            case "S", "W":
                guard !inClass else { throw Problem("\\\(c) inside [...] has no shared form") }
                return "[^\(c == "S" ? HFRegexDialect.space : HFRegexDialect.word)]"
            case "p", "P":
                var name = ""
                if peek() == "{" {
                    _ = next()
                    while let n = next(), n != "}" { name.unicodeScalars.append(n) }
                } else if let n = next() {
                    name.unicodeScalars.append(n)
                }
                guard HFRegexDialect.sharedProperties.contains(name) else {
                    throw Problem("\\\(c){\(name)} is not a property both ICU and Oniguruma know by that name")
                }
                return "\\\(c){\(name)}"
            case "A", "z":
                guard !inClass else { throw Problem("\\\(c) inside [...] has no shared form") }
                return "\\\(c)"
            case "t", "n", "r", "f", "e", "a": return "\\\(c)"
            case "1"..."9":
                guard !inClass else { throw Problem("\\\(c) inside [...] has no shared form") }
                return "\\\(c)"
            case "u": return code(try hex(count: 4))
            case "U": return code(try hex(count: 8))
            case "x":
                if peek() == "{" {
                    _ = next()
                    return code(try bracedHex())
                }
                return code(try hex(count: 2))
            case "Q":
                guard !inClass else { throw Problem("\\Q inside [...] has no shared form") }
                var literal = ""
                while let n = next() {
                    if n == "\\", peek() == "E" { _ = next(); break }
                    literal.unicodeScalars.append(n)
                }
                return HFRegexDialect.literalPattern(literal)
            default:
                if c.isASCII, !(c.properties.isAlphabetic || ("0"..."9").contains(c)) { return "\\\(c)" }
                let names: [Unicode.Scalar: String] = ["b": "word boundary", "B": "non-boundary", "h": "horizontal space",
                                                       "H": "non-horizontal space", "v": "vertical space", "R": "line break",
                                                       "X": "grapheme cluster", "Z": "end before a final line break",
                                                       "G": "end of the previous match", "N": "named character", "k": "named back-reference"]
                throw Problem("\\\(c)\(names[c].map { " (\($0))" } ?? "") has no equivalent in HF's regex engine (Oniguruma)")
            }
        }

        /// A `[...]` set, the `[` read.
        mutating func characterClass() throws -> String {
            var out = "["
            if peek() == "^" { _ = next(); out += "^" }
            guard peek() != "]" else { throw Problem("a set starting with ']' is read differently by ICU and Oniguruma") }
            while let c = next() {
                switch c {
                case "]": return out + "]"
                case "[": throw Problem("nested sets and POSIX classes ([[:alpha:]]) have no shared form")
                case "\\": out += try escape(inClass: true)
                case "&" where peek() == "&", "-" where peek() == "-":
                    throw Problem("set operations (&&, --) have no shared form")
                case "$": out += "\\$"
                default: out.unicodeScalars.append(c)
                }
            }
            throw Problem("a set '[' is never closed")
        }

        /// A group, the `(` read: only the group kinds both engines read alike.
        mutating func group() throws -> String {
            guard peek() == "?" else { return "(" }
            _ = next()
            let kinds = [":", "=", "!", "<=", "<!", ">", "i)", "-i)", "i:", "-i:"]
            for kind in kinds {
                let scalars = Array(kind.unicodeScalars)
                if (0..<scalars.count).allSatisfy({ peek($0) == scalars[$0] }) {
                    index += scalars.count
                    return "(?" + kind
                }
            }
            if peek() == "<", let n = peek(1), n.properties.isAlphabetic {
                _ = next()
                var name = ""
                while let c = next(), c != ">" { name.unicodeScalars.append(c) }
                return "(?<\(name)>"
            }
            throw Problem("the group '(?\(peek().map { String($0) } ?? "")' has no shared form (only (?:, (?=, (?!, (?<=, (?<!, (?>, (?<name>, (?i)")
        }
    }
}
