import JikjiIO
import Foundation
import JikjiConfig

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
    /// - `korean-web`: NFKC keeping compatibility jamo as typed (plain NFKC turns ㅋ U+314B into
    ///   the conjoining U+110F and composes ㅋㅠ into 큐), conjoining jamo left over back to
    ///   compatibility jamo, strip control characters, remove HTML tags, URLs and e-mail
    ///   addresses, cut repeats (ㅋㅋㅋㅋ → ㅋㅋ), collapse whitespace.
    /// - `seed-imdb`: the seed recipe — lowercase, strip tags, punctuation except `'` to spaces,
    ///   collapse whitespace.
    public static let presets: [String: CleaningPipeline] = [
        "nfc": CleaningPipeline(steps: [.normalize(.nfc)]),
        "nfkc": CleaningPipeline(steps: [.normalize(.nfkc)]),
        "korean-web": CleaningPipeline(steps: [
            .nfkcKeepingCompatibilityJamo, .conjoiningJamoToCompatibility, .stripControl, .htmlTags(replace: " "), .urls(replace: " "),
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
            throw ConfigError(.notAllowed, at: ConfigLocation(source: preset), path: nil,
                              "unknown preset or step, and not a .yaml/.json pipeline file", allowed: Self.presetNames)
        }
        self.init(steps: found.steps)
    }

    /// The preset called `name`, the one-step pipeline of the step called `name` (with its
    /// default parameters: `nfd`, `repeat-limit`), or the pipeline file at that path (a name
    /// ending in `.yaml`, `.yml` or `.json`, or any existing file); what `--pipeline PRESET|STEP|FILE`
    /// takes. A step that needs a parameter (`regex`, `transliterate`) is an error saying how to
    /// give it.
    public init(presetOrFile name: String) throws {
        if Self.presets[name] != nil {
            try self.init(preset: name)
            return
        }
        if let step = try CleaningStep.alone(named: name) {
            self.init(steps: [step])
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
        try self.init(value: ConfigValue.parse(yaml: yaml, source: source), source: source)
    }

    /// Reads a pipeline from JSON: `{"steps": [...]}`.
    public init(json: String, source: String = "<json>") throws {
        try self.init(value: ConfigValue.parse(json: json, source: source), source: source)
    }

    /// Reads a pipeline file: JSON when the name ends in `.json`, else YAML.
    public init(contentsOf url: URL) throws {
        try self.init(value: ConfigValue.read(contentsOf: url), source: url.path)
    }

    /// Reads a pipeline from its value tree: a mapping with the one key `steps`, a list of steps.
    public init(value: ConfigValue, source: String) throws {
        let root = try ConfigReader(value, location: ConfigLocation(source: source))
        if root.keys.isEmpty {
            throw ConfigError(.missing, at: value.location ?? ConfigLocation(source: source), path: nil,
                              "empty pipeline: expected 'steps: [...]'")
        }
        guard case .list(let items, _)? = root.node("steps") else {
            try root.finish()  // an unknown key is the likelier mistake
            guard let found = root.node("steps") else {
                throw ConfigError(.missing, at: root.location, path: "steps", "missing; expected 'steps: [...]'")
            }
            throw ConfigError(.wrongType, at: found.location, path: "steps", "expected a list of steps, found \(found.shortDescription)")
        }
        try root.finish()
        steps = try items.enumerated().map { index, item in
            let step = try CleaningStep.parse(item, index: index + 1, location: root.location)
            // Compile regexes and transliterators now, so that a bad pattern or id is reported
            // here, naming the file and line, rather than when the pipeline first runs.
            switch step {
            case .regex, .transliterate:
                do {
                    _ = try TextCleaner(pipeline: CleaningPipeline(steps: [step]), firstStepNumber: index + 1)
                } catch let error as TextInputError {
                    let key = step.name == "regex" ? "pattern" : "id"
                    let written = item[step.name].flatMap { $0[key] ?? $0 }
                    let prefix = "step \(index + 1) '\(step.name)': key '\(key)': "
                    let problem = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
                    throw ConfigError(.notAllowed, at: written?.location ?? item.location ?? root.location,
                                      path: ConfigPath.key(key, in: ConfigPath.key(step.name, in: ConfigPath.item(index + 1, in: "steps"))),
                                      problem)
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
}
