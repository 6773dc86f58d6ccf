import Foundation
import JikjiIO

extension ConfigValue {
    /// Reads a configuration file: JSON when the name ends in `.json`, else YAML. The file's path
    /// names it in errors.
    public static func read(contentsOf url: URL) throws -> ConfigValue {
        let text = try readText(of: url)
        if url.pathExtension.lowercased() == "json" {
            return try parse(json: text, source: url.path)
        }
        return try parse(yaml: text, source: url.path)
    }

    /// The file's text, read by JikjiIO's one rule for whole files (``TextFile``); a
    /// ``ConfigError/Kind/cannotRead`` error with that rule's wording when the file is missing,
    /// a directory, unreadable, not UTF-8 or holds a NUL byte.
    public static func readText(of url: URL) throws -> String {
        do {
            return try TextFile.readString(path: url.path)
        } catch let error as TextInputError {
            throw ConfigError(.cannotRead, at: ConfigLocation(source: url.path, line: error.line), path: nil, error.message)
        }
    }
}
