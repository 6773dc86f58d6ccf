import Foundation
import JikjiTestSupport

/// Fuzz inputs on disk: the seed corpora and dictionaries handed to libFuzzer, and the
/// regression corpus of inputs that once crashed (`Tests/JikjiFuzzTests/Regressions/<target>/`).
public enum FuzzCorpusFiles {
    /// The folder of inputs that crashed `target` once, replayed by the test suite forever.
    public static func regressionFolder(_ target: FuzzTarget) -> URL {
        ProjectPaths.root.appendingPathComponent("Tests/JikjiFuzzTests/Regressions/\(target.rawValue)")
    }

    /// The regression inputs of `target`, by file name, sorted (none when the folder is empty).
    public static func regressionInputs(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let folder = regressionFolder(target)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }
            .sorted()
            .map { ($0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// Writes `target`'s seeds into `folder` (created when missing) as `seed-N`, keeping files
    /// already there (a corpus libFuzzer grew), and returns how many seeds were written.
    @discardableResult
    public static func writeSeeds(_ target: FuzzTarget, to folder: URL) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seeds = try target.seeds()
        for (k, seed) in seeds.enumerated() {
            try Data(seed).write(to: folder.appendingPathComponent("seed-\(k)"))
        }
        return seeds.count
    }

    /// `target`'s dictionary in libFuzzer's `-dict` format: one quoted token per line, bytes
    /// outside printable ASCII, `"` and `\` escaped as `\xNN`.
    public static func dictionaryText(_ target: FuzzTarget) -> String {
        target.dictionary.map { token in
            "\"" + token.utf8.map { byte in
                byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C
                    ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
            }.joined() + "\""
        }.joined(separator: "\n") + "\n"
    }
}
