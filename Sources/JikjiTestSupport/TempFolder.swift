import Foundation

/// A temporary folder for one test, removed with everything in it when the last reference to it
/// goes away (at the end of the test that made it).
public final class TempFolder {
    /// The folder.
    public let url: URL

    /// Creates a new, empty folder under the system's temporary directory.
    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("jikji-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to the file `name` in the folder and returns its path.
    public func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes UTF-8 `text` to the file `name` in the folder and returns its path.
    public func file(_ name: String, text: String) throws -> String {
        try file(name, Array(text.utf8))
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
