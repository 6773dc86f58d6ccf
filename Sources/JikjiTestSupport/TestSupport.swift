import Foundation

/// Where the project, its reference outputs and its corpora are, for tests and benchmarks.
///
/// Parity tests must fail, never skip, when reference files are missing: `require` throws
/// a ``MissingReference`` error naming the path and the variable that moves it.
public enum ProjectPaths {
    /// The package root (the folder holding `Package.swift`).
    public static let root: URL = {
        // This file is Sources/JikjiTestSupport/TestSupport.swift.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    /// `$JIKJI_REFERENCE_DIR`, or `../shared/reference` relative to the package root.
    public static var referenceDirectory: URL {
        if let custom = ProcessInfo.processInfo.environment["JIKJI_REFERENCE_DIR"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, relativeTo: root).standardizedFileURL
        }
        return root.appendingPathComponent("../shared/reference").standardizedFileURL
    }

    /// The corpora folder: `corpora/` of the package when its data is linked there,
    /// else `../shared/corpora`.
    public static var corporaDirectory: URL {
        let local = root.appendingPathComponent("corpora")
        if FileManager.default.fileExists(atPath: local.appendingPathComponent("nsmc/ratings_train.txt").path) {
            return local
        }
        return root.appendingPathComponent("../shared/corpora").standardizedFileURL
    }

    /// A reference file or folder that must exist; throws when it does not.
    public static func reference(_ relativePath: String) throws -> URL {
        let url = referenceDirectory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingReference(path: url.path, what: "reference output")
        }
        return url
    }

    /// A corpus file that must exist; throws when it does not.
    public static func corpus(_ relativePath: String) throws -> URL {
        let url = corporaDirectory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingReference(path: url.path, what: "corpus file")
        }
        return url
    }
}

/// A reference output or corpus file that a parity test needs is not there.
public struct MissingReference: Error, CustomStringConvertible {
    public let path: String
    public let what: String
    public var description: String {
        "missing \(what) \(path): set JIKJI_REFERENCE_DIR or place ../shared beside the checkout"
    }
}
