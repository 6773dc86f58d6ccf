/// A parsed JSON document that keeps object keys exactly as written, in file order.
///
/// `JSONSerialization` returns objects as `[String: Any]`, and Swift's `String` equality is
/// canonical equivalence: two keys such as U+F90A and U+91D1, or a precomposed syllable and its
/// jamo, collapse into one entry. HF's `model.vocab` holds such pairs (they are distinct tokens to
/// HF), so tokenizer.json is read through this tree instead.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, with its text as written (integers are read from it exactly).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in file order; keys are compared by their bytes (see ``member(_:)``).
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        default: return false
        }
    }

    /// The last member called `key` (byte-exact), as serde keeps the last of repeated keys.
    public func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The value when it is an integer that fits `Int` (no fraction, no exponent).
    public var intValue: Int? {
        guard case .number(let text) = self, !text.contains("."), !text.lowercased().contains("e") else { return nil }
        return Int(text)
    }

    /// The string, when it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The Boolean, when it is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Whether it is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The object's members with `key` replaced by `value` (appended when absent).
    public func replacing(_ key: String, with value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let index = members.lastIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        return .object(members)
    }
}

extension JSONValue {
    /// Deepest nesting accepted (a value inside this many lists and objects is refused): deeper
    /// documents are refused before they can exhaust the stack.
    public static let maximumDepth = 512

    /// Parses UTF-8 JSON text (RFC 8259; a leading BOM is skipped) with the package's one JSON
    /// parser, keeping object keys byte for byte and repeated keys as written.
    /// - Throws: ``JSONSyntaxError`` naming the line, column and byte offset.
    public init(parsing bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws -> JSONValue in
            var parser = JSONParser(bytes: buffer, builder: JSONValueBuilder(), maximumDepth: JSONValue.maximumDepth)
            return try parser.document()
        }
    }
}

/// Builds ``JSONValue``s: typed scalars, keys kept exactly, no key paths (nothing to name).
struct JSONValueBuilder: JSONTreeBuilder {
    var rootPath: Void { () }
    func path(ofKey key: String, in parent: Void) {}
    func path(ofItem number: Int, in parent: Void) {}
    /// Repeated keys are kept; ``JSONValue/member(_:)`` reads the last, as serde does.
    func check(key: String, line: Int, path: Void, members: [(key: String, value: JSONValue)]) {}

    func scalar(_ scalar: JSONScalar, line: Int) -> JSONValue {
        switch scalar {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let text): return .number(text)
        case .string(let text): return .string(text)
        }
    }

    func array(_ items: [JSONValue], line: Int) -> JSONValue { .array(items) }
    func object(_ members: [(key: String, value: JSONValue)], line: Int) -> JSONValue { .object(members) }
}
