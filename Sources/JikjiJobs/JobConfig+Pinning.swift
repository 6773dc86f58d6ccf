import Foundation
import JikjiConfig

/// A run's copy of its job: paths that work from any directory, and the exact vocabulary it used.
extension JobConfig {
    /// The job with its corpus files, vocabulary database and pipeline file made absolute against
    /// the working directory, as a run records it (so it can be resumed or used from elsewhere).
    public func withAbsolutePaths() throws -> JobConfig {
        var tree = resolved
        for key in ["train", "valid", "test"] {
            let files: [String]
            switch key {
            case "train": files = data.train
            case "valid": files = data.valid
            default: files = data.test
            }
            guard !files.isEmpty else { continue }
            try tree.set(path: "data.\(key)", yamlValue: ConfigValue.list(files.map { .scalar(RunPaths.absolute($0), at: nil) }, at: nil).yaml())
        }
        try tree.set(path: "vocab.database", yamlValue: ConfigValue.scalar(RunPaths.absolute(vocab.database), at: nil).yaml())
        // A pipeline names a preset or a file; only a file that exists is a path.
        if let pipeline = vocab.pipeline, FileManager.default.fileExists(atPath: pipeline) {
            try tree.set(path: "vocab.pipeline", yamlValue: ConfigValue.scalar(RunPaths.absolute(pipeline), at: nil).yaml())
        }
        return try JobConfig(tree: tree, source: source, defaultName: name)
    }

    /// The job naming exactly `vocabulary` (`name@version`) in the database at `database`.
    public func pinning(vocabulary reference: String, database: String) throws -> JobConfig {
        var tree = resolved
        try tree.set(path: "vocab.name", yamlValue: ConfigValue.scalar(reference, at: nil).yaml())
        try tree.set(path: "vocab.database", yamlValue: ConfigValue.scalar(database, at: nil).yaml())
        return try JobConfig(tree: tree, source: source, defaultName: name)
    }
}
