import Foundation

/// How the run registry stores paths: relative to a base folder when they lie inside it (so a
/// runs folder can be read from any working directory, or moved whole), absolute otherwise.
enum RunPaths {
    /// `path` made absolute against the working directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// What to store for the absolute `path`: relative to `base` when inside it, else `path`.
    static func stored(_ path: String, under base: String) -> String {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// The absolute path of a stored `path`: as is when absolute, else inside `base`.
    static func resolved(_ path: String, under base: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }
}
