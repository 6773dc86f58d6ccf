import Foundation

/// One PyTorch fixture file of `reference/torch/`:
/// `{"description", "config", "tensors": {name: {"shape": [...], "data": [...]}}}`.
public struct TorchFixture {
    /// A named tensor of the fixture, row-major.
    public struct Tensor {
        public let shape: [Int]
        public let values: [Double]
        /// The values as Float32, as PyTorch stored them.
        public var floats: [Float] { values.map { Float($0) } }
        /// The values as integers (ids, lengths, targets).
        public var ints: [Int] { values.map { Int($0) } }
        /// The values as 32-bit integers (token ids, as the models take them).
        public var int32s: [Int32] { values.map { Int32($0) } }
    }

    public let name: String
    public let description: String
    /// The fixture's `config` object as parsed by JSONSerialization.
    public let config: [String: Any]
    public let tensors: [String: Tensor]

    /// Loads a fixture file; throws on unreadable or malformed JSON.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let tensors = root["tensors"] as? [String: Any] else {
            throw FixtureError.malformed(url.path, "no 'tensors' object")
        }
        self.name = url.deletingPathExtension().lastPathComponent
        self.description = root["description"] as? String ?? ""
        self.config = root["config"] as? [String: Any] ?? [:]
        var parsed: [String: Tensor] = [:]
        for (key, value) in tensors {
            guard let object = value as? [String: Any],
                  let shape = object["shape"] as? [Int],
                  let raw = object["data"] as? [Any] else {
                throw FixtureError.malformed(url.path, "tensor '\(key)' lacks shape or data")
            }
            let values = raw.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
            parsed[key] = Tensor(shape: shape, values: values)
        }
        self.tensors = parsed
    }

    /// The tensor named `key`; throws when the fixture lacks it.
    public func tensor(_ key: String) throws -> Tensor {
        guard let t = tensors[key] else { throw FixtureError.missingTensor(name, key) }
        return t
    }

    /// An integer setting of `config`.
    public func int(_ key: String) throws -> Int {
        guard let v = config[key] as? Int else { throw FixtureError.missingConfig(name, key) }
        return v
    }
}

/// A fixture file could not be used.
public enum FixtureError: Error, CustomStringConvertible {
    case malformed(String, String)
    case missingTensor(String, String)
    case missingConfig(String, String)
    public var description: String {
        switch self {
        case let .malformed(path, why): return "fixture \(path) is malformed: \(why)"
        case let .missingTensor(name, key): return "fixture \(name) has no tensor '\(key)'"
        case let .missingConfig(name, key): return "fixture \(name) has no config key '\(key)'"
        }
    }
}

/// Compares `actual` with `expected` elementwise: each element must be within
/// `absolute` or within `relative` of the expected value. Returns a description of
/// the worst mismatches, or nil when all elements agree.
public func closenessReport(
    _ actual: [Float], _ expected: [Float], relative: Float = 1e-4, absolute: Float = 1e-5, label: String
) -> String? {
    guard actual.count == expected.count else {
        return "\(label): \(actual.count) values, expected \(expected.count)"
    }
    var bad: [String] = []
    var badCount = 0
    for i in 0..<actual.count {
        let a = actual[i], e = expected[i]
        let diff = abs(a - e)
        if !(diff <= absolute || diff <= relative * abs(e)) {
            badCount += 1
            if bad.count < 5 { bad.append("[\(i)] \(a) vs \(e)") }
        }
    }
    return badCount == 0 ? nil : "\(label): \(badCount) of \(actual.count) values differ: " + bad.joined(separator: ", ")
}
