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

    /// The file's text; a ``ConfigError/Kind/cannotRead`` error when it is missing, unreadable
    /// or not UTF-8.
    public static func readText(of url: URL) throws -> String {
        let location = ConfigLocation(source: url.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigError(.cannotRead, at: location, path: nil, "cannot read the file: no such file")
        }
        let data: Data
        do {
            data = try WholeFile.read(url.path)
        } catch {
            throw ConfigError(.cannotRead, at: location, path: nil, "cannot read the file: \(SystemErrorText.plainReason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            // Where, as every reader of text says it.
            let bad = TextInputError.firstInvalidUTF8(in: [UInt8](data), file: url.path)
            throw ConfigError(.cannotRead, at: ConfigLocation(source: url.path, line: bad?.line), path: nil,
                              bad.map { "invalid UTF-8 at byte \($0.byte ?? 0) of the line" } ?? "cannot read the file: it is not valid UTF-8")
        }
        return text
    }
}
