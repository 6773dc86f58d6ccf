/// What ``JSONParser`` builds, and how: one conformance per tree (``JSONValue`` for
/// tokenizer.json, ``ConfigValue`` for configurations), so that one parser serves both.
protocol JSONTreeBuilder {
    /// A node of the tree.
    associatedtype Node
    /// Where a node sits, as the tree names it in errors (a configuration's key path; nothing
    /// for plain JSON).
    associatedtype Path

    /// The path of the top-level value.
    var rootPath: Path { get }
    /// The path of the value of `key` in the object at `parent`.
    func path(ofKey key: String, in parent: Path) -> Path
    /// The path of item `number` (1-based) of the list at `parent`.
    func path(ofItem number: Int, in parent: Path) -> Path
    /// Called for each key (at `path`, written on `line`) before its value is read, with the
    /// members read so far: throws to refuse it (a configuration refuses a repeated key).
    func check(key: String, line: Int, path: Path, members: [(key: String, value: Node)]) throws

    /// A scalar that starts on `line`.
    func scalar(_ scalar: JSONScalar, line: Int) -> Node
    /// A list that starts on `line`.
    func array(_ items: [Node], line: Int) -> Node
    /// An object that starts on `line`, its members in the order written.
    func object(_ members: [(key: String, value: Node)], line: Int) -> Node
}

/// A JSON scalar as the parser read it.
enum JSONScalar {
    case null
    case bool(Bool)
    /// A number's text as written (RFC 8259 grammar checked).
    case number(String)
    /// A string with its escapes decoded.
    case string(String)

    /// The scalar as written in the text (strings without quotes or escapes).
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text), .string(let text): return text
        }
    }
}
