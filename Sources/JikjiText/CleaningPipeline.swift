import JikjiIO
import Foundation
import Yams

/// An ordered list of cleaning steps: data that can be read from YAML or JSON, written back,
/// stored with a vocabulary, and run over text.
///
/// ```yaml
/// steps: [nfkc, html-tags, {repeat-limit: 2}, collapse-whitespace]
/// ```
///
/// Writing a pipeline (``yamlString``, ``jsonString``) and reading it again gives the same steps.
/// ``clean(_:)`` runs the steps on one string; ``TextCleaner`` runs them on many lines at once.
public struct CleaningPipeline: Hashable, Sendable {
    /// The steps, applied in order.
    public var steps: [CleaningStep]

    /// The compiled form used by ``clean(_:)``, shared by copies (never part of equality).
    private let compiled = CompiledCleaner()

    /// A pipeline of `steps`.
    public init(steps: [CleaningStep]) {
        self.steps = steps
    }

    /// Pipelines are equal when their steps are.
    public static func == (lhs: CleaningPipeline, rhs: CleaningPipeline) -> Bool { lhs.steps == rhs.steps }

    /// Hashes the steps.
    public func hash(into hasher: inout Hasher) { hasher.combine(steps) }

    /// The built-in pipelines by name.
    ///
    /// - `nfc`, `nfkc`: just that normalization.
    /// - `korean-web`: NFKC, jamo left alone by NFKC back to compatibility jamo (NFKC turns
    ///   ㅋ U+314B into the conjoining U+110F; this turns it back), strip control characters, remove HTML tags, URLs and e-mail
    ///   addresses, cut repeats (ㅋㅋㅋㅋ → ㅋㅋ), collapse whitespace.
    /// - `seed-imdb`: the seed recipe — lowercase, strip tags, punctuation except `'` to spaces,
    ///   collapse whitespace.
    public static let presets: [String: CleaningPipeline] = [
        "nfc": CleaningPipeline(steps: [.normalize(.nfc)]),
        "nfkc": CleaningPipeline(steps: [.normalize(.nfkc)]),
        "korean-web": CleaningPipeline(steps: [
            .normalize(.nfkc), .conjoiningJamoToCompatibility, .stripControl, .htmlTags(replace: " "), .urls(replace: " "),
            .emails(replace: " "), .repeatLimit(max: 2, unit: 3, digits: false), .collapseWhitespace,
        ]),
        "seed-imdb": CleaningPipeline(steps: [
            .lowercase, .htmlTags(replace: " "), .punctuationToSpace(except: "'", symbols: true),
            .collapseWhitespace,
        ]),
    ]

    /// The names of the built-in pipelines, sorted.
    public static var presetNames: [String] { presets.keys.sorted() }

    /// The built-in pipeline called `preset`; throws an error listing the presets when there is none.
    public init(preset: String) throws {
        guard let found = Self.presets[preset] else {
            throw TextInputError(.unknownStep, file: preset,
                                 "unknown preset (presets: \(Self.presetNames.joined(separator: ", ")); "
                                 + "or give a .yaml/.json pipeline file)")
        }
        self.init(steps: found.steps)
    }

    /// The preset called `name`, or the pipeline file at that path (a name ending in
    /// `.yaml`, `.yml` or `.json`, or any existing file); what `--pipeline PRESET|FILE` takes.
    public init(presetOrFile name: String) throws {
        if Self.presets[name] != nil {
            try self.init(preset: name)
            return
        }
        let lower = name.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json")
            || FileManager.default.fileExists(atPath: name) {
            try self.init(contentsOf: URL(fileURLWithPath: name))
        } else {
            try self.init(preset: name)
        }
    }

    /// Reads a pipeline from YAML: `steps:` followed by a list of steps. `source` names the
    /// text in errors (a file name).
    public init(yaml: String, source: String = "<yaml>") throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw TextInputError(.badPipeline, file: source, "not valid YAML: \(Self.describe(error))")
        }
        guard let root else {
            throw TextInputError(.badPipeline, file: source, "empty pipeline: expected 'steps: [...]'")
        }
        try self.init(value: Self.value(of: root), source: source)
    }

    /// Reads a pipeline from JSON: `{"steps": [...]}`.
    public init(json: String, source: String = "<json>") throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        } catch {
            throw TextInputError(.badPipeline, file: source, "not valid JSON: \(error.localizedDescription)")
        }
        try self.init(value: Self.value(ofJSON: object), source: source)
    }

    /// Reads a pipeline file: JSON when the name ends in `.json`, else YAML.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TextInputError(.cannotOpen, file: url.path, "cannot read the pipeline file: \(error.localizedDescription)")
        }
        if url.pathExtension.lowercased() == "json" {
            try self.init(json: text, source: url.path)
        } else {
            try self.init(yaml: text, source: url.path)
        }
    }

    private init(value: PipelineValue, source: String) throws {
        guard case .map(let pairs, _) = value else {
            throw TextInputError(.badPipeline, file: source, line: value.line,
                                 "expected a mapping with the key 'steps', found \(value.shortDescription)")
        }
        for pair in pairs where pair.key != "steps" {
            throw TextInputError(.badPipeline, file: source, line: pair.value.line,
                                 "unknown key '\(pair.key)' at the top level (expected only 'steps')")
        }
        guard let stepsValue = pairs.first(where: { $0.key == "steps" })?.value else {
            throw TextInputError(.badPipeline, file: source, line: value.line, "missing key 'steps'")
        }
        guard case .list(let items, _) = stepsValue else {
            throw TextInputError(.badPipeline, file: source, line: stepsValue.line,
                                 "'steps' must be a list of steps, found \(stepsValue.shortDescription)")
        }
        steps = try items.enumerated().map { index, item in
            let step = try CleaningStep.parse(item, index: index + 1, source: source)
            // Compile regexes and transliterators now, so that a bad pattern or id is reported
            // here, naming the file and line, rather than when the pipeline first runs.
            switch step {
            case .regex, .transliterate:
                do {
                    _ = try TextCleaner(pipeline: CleaningPipeline(steps: [step]), firstStepNumber: index + 1)
                } catch let error as TextInputError {
                    throw TextInputError(error.kind, file: source, line: item.line, error.message)
                }
            default:
                break
            }
            return step
        }
    }

    // MARK: Writing

    /// The pipeline as YAML, one step per line; reading it back gives the same steps.
    public var yamlString: String {
        var lines = ["steps:"]
        for step in steps {
            switch step.writtenParameters {
            case .none:
                lines.append("  - \(step.name)")
            case .scalar(let value):
                lines.append("  - \(step.name): \(value.json)")
            case .map(let pairs):
                let body = pairs.map { "\($0.0): \($0.1.json)" }.joined(separator: ", ")
                lines.append("  - \(step.name): {\(body)}")
            }
        }
        if steps.isEmpty { lines[0] = "steps: []" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The pipeline as compact JSON (what a vocabulary stores); reading it back gives the same steps.
    public var jsonString: String {
        let items = steps.map { step -> String in
            switch step.writtenParameters {
            case .none:
                return jsonQuoted(step.name)
            case .scalar(let value):
                return "{\(jsonQuoted(step.name)):\(value.json)}"
            case .map(let pairs):
                let body = pairs.map { "\(jsonQuoted($0.0)):\($0.1.json)" }.joined(separator: ",")
                return "{\(jsonQuoted(step.name)):{\(body)}}"
            }
        }
        return "{\"steps\":[\(items.joined(separator: ","))]}"
    }

    // MARK: Running

    /// `text` cleaned by every step. Validates nothing: a Swift String is always valid Unicode.
    /// U+0000 characters are kept and act as boundaries (each piece between them is cleaned on
    /// its own). For many lines, ``TextCleaner`` is much faster.
    ///
    /// Traps only if the pipeline cannot be compiled (a bad regex or transliterator id), which
    /// pipelines read from YAML/JSON/presets have already been checked for; call
    /// ``TextCleaner/init(pipeline:)`` to get that as an error instead.
    public func clean(_ text: String) -> String {
        compiled.withCleaner(for: steps) { cleaner in cleaner.clean(text) }
    }

    // MARK: Conversions

    private static func value(of node: Node) -> PipelineValue {
        let line = node.mark?.line
        switch node {
        case .scalar(let scalar):
            // A YAML null (`key:` with nothing, `~`) is an absent value: an empty string here.
            if node.null != nil { return .scalar("", line: line) }
            return .scalar(scalar.string, line: line)
        case .sequence(let sequence):
            return .list(sequence.map { value(of: $0) }, line: line)
        case .mapping(let mapping):
            return .map(mapping.map { (key: $0.key.string ?? "\($0.key)", value: value(of: $0.value)) }, line: line)
        default:
            return .scalar("\(node)", line: line)
        }
    }

    private static func value(ofJSON object: Any) -> PipelineValue {
        switch object {
        case let text as String:
            return .scalar(text, line: nil)
        case let list as [Any]:
            return .list(list.map { value(ofJSON: $0) }, line: nil)
        case let map as [String: Any]:
            // JSON objects are unordered; sort keys so that errors are reported deterministically.
            return .map(map.keys.sorted().map { (key: $0, value: value(ofJSON: map[$0]!)) }, line: nil)
        case is NSNull:
            return .scalar("", line: nil)
        case let number as NSNumber:
            // JSON booleans arrive as NSNumbers of type "c" (char).
            if String(cString: number.objCType) == "c" { return .scalar(number.boolValue ? "true" : "false", line: nil) }
            return .scalar(number.stringValue, line: nil)
        default:
            return .scalar("\(object)", line: nil)
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }
}
