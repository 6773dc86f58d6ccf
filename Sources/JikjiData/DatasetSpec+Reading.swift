import Foundation
import JikjiConfig
import JikjiIO

extension DatasetSpec {
    /// Reads a JSON spec file; relative corpus paths are taken relative to the spec's folder.
    ///
    /// The file is read through JikjiConfig, as job and pipeline files are: every error is a
    /// ``ConfigError`` naming the file, the line and the key (`spec.json:3: labelMap: …`), and
    /// a key the spec does not know is an error listing the allowed ones.
    public static func load(path: String) throws -> DatasetSpec {
        let url = URL(fileURLWithPath: path)
        let tree = try ConfigValue.parse(json: try ConfigValue.readText(of: url), source: url.path)
        let reader = try ConfigReader(tree)
        var spec = try DatasetSpec(reading: reader)
        try reader.finish()
        let base = url.deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path }
        spec.train = spec.train.map(resolve)
        spec.valid = spec.valid.map(resolve)
        spec.test = spec.test.map(resolve)
        return spec
    }

    /// A spec from the keys of a configuration mapping (the JSON form: `kind`, `train`, `valid`,
    /// `test`, `format`, `text`, `label`, `labelMap`, `source`, `target`, `split`, `seed`,
    /// `onBadRow`; file lists and `text` as one string or a list).
    public init(reading r: ConfigReader) throws {
        self.init(kind: try r.choice("kind", default: DatasetKind.classification),
                  train: try r.stringList("train", default: []),
                  valid: try r.stringList("valid", default: []),
                  test: try r.stringList("test", default: []),
                  format: Self.value(r, "format") != nil ? try r.choice("format", default: RecordFormat.lines) : nil,
                  text: try r.stringList("text", default: []),
                  label: try r.optionalString("label"),
                  labelMap: try Self.labelMapping(r),
                  source: try r.optionalString("source"),
                  target: try r.optionalString("target"),
                  split: try Self.splitRatios(r),
                  seed: try Self.seed(r),
                  onBadRow: try r.choice("onBadRow", default: BadRowPolicy.fail))
    }

    /// `labelMap`: rule text (`"1-4=0,9-10=1"`) or a mapping of values to ids.
    private static func labelMapping(_ r: ConfigReader) throws -> LabelMapping? {
        guard let node = value(r, "labelMap") else { return nil }
        do {
            if case let .scalar(text, _) = node { return try LabelMapping(parsing: text) }
            let pairs = try r.stringToIntMap("labelMap", default: [])
            // Mappings are read as unordered (as JSON objects are): sorted keys keep the rules stable.
            return LabelMapping(rules: try pairs.sorted { $0.0 < $1.0 }.map { key, id in
                guard let id32 = Int32(exactly: id) else {
                    throw DatasetSpecError.invalidLabelMapping(key, "the id \(id) is not a 32-bit integer")
                }
                return try LabelMapping.rule(key: key, id: id32)
            })
        } catch let error as DatasetSpecError {
            throw r.error("labelMap", "\(error)")
        }
    }

    /// `split`: ratio text (`"0.8,0.2"`) or a mapping with `train`, `valid` and `test`.
    private static func splitRatios(_ r: ConfigReader) throws -> SplitRatios? {
        guard let node = value(r, "split") else { return nil }
        if case let .scalar(text, _) = node {
            do { return try SplitRatios(parsing: text) } catch let error as DatasetSpecError {
                throw r.error("split", "\(error)")
            }
        }
        return try r.section("split") { s in
            SplitRatios(train: try s.double("train", default: 0, range: 0...1),
                        valid: try s.double("valid", default: 0, range: 0...1),
                        test: try s.double("test", default: 0, range: 0...1))
        }
    }

    /// `seed`: an unsigned 64-bit integer, 42 when absent.
    private static func seed(_ r: ConfigReader) throws -> UInt64 {
        guard let node = value(r, "seed") else { return 42 }
        guard case let .scalar(text, _) = node, let seed = UInt64(text) else {
            throw ConfigError(.wrongType, at: node.location ?? r.location(of: "seed"), path: r.keyPath("seed"),
                              "expected an integer in 0...\(UInt64.max), found \(node.shortDescription)")
        }
        return seed
    }

    /// The node at `key` unless it is absent or null (marking the key as known either way).
    private static func value(_ r: ConfigReader, _ key: String) -> ConfigValue? {
        guard let node = r.node(key), !node.isNull else { return nil }
        return node
    }
}
