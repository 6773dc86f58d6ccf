import Foundation

/// The HF fixtures of `Tests/JikjiWordPieceTests/Fixtures/`, written by
/// `scripts/make-hf-fixtures.py` with tokenizers 0.23.3 (every expected value is HF's output).
public enum HFFixtureFiles {
    /// The fixture folder.
    public static let folder = ProjectPaths.root.appendingPathComponent("Tests/JikjiWordPieceTests/Fixtures")

    /// A fixture file, which must exist.
    public static func url(_ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw HFFixtureError("missing HF fixture \(url.path) (scripts/make-hf-fixtures.py writes it)")
        }
        return url
    }

    /// A JSON fixture parsed by JSONSerialization.
    public static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try url(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HFFixtureError("fixture \(name) is not a JSON object")
        }
        return object
    }

    /// The objects of a gzip-compressed JSON Lines fixture, decompressed by `gzip -dc`.
    public static func jsonLines(_ name: String) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", try url(name).path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HFFixtureError("gzip -dc failed on fixture \(name)") }
        return try data.split(separator: 0x0A).map {
            guard let object = try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] else {
                throw HFFixtureError("a line of fixture \(name) is not a JSON object")
            }
            return object
        }
    }

    /// A fixture's text, one token per line (a vocab.txt).
    public static func lines(_ name: String) throws -> [String] {
        let text = String(decoding: try Data(contentsOf: try url(name)), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// A fixture that is missing or unreadable (a failure, never a skip).
public struct HFFixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Byte-exact string comparison: Swift's `==` treats canonically equivalent strings as equal,
/// which would hide exactly the differences these parity tests look for.
public func sameBytes(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

/// Byte-exact comparison of token lists.
public func sameBytes(_ a: [String], _ b: [String]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { sameBytes($0, $1) }
}

/// A JSON array of integers as `[Int32]`.
public func int32s(_ value: Any?) -> [Int32] { (value as? [Any] ?? []).compactMap { ($0 as? NSNumber).map { Int32(truncating: $0) } } }

/// A JSON array of `[start, end]` pairs, flattened.
public func flatOffsets(_ value: Any?) -> [Int32] { (value as? [Any] ?? []).flatMap { int32s($0) } }
