import Foundation
import JikjiConfig
import JikjiIO
import JikjiTestSupport
import XCTest

/// Configuration files are read by JikjiIO's one rule: each unreadable file gives the error a
/// record reader gives for the same file, as a ``ConfigError`` of kind `cannotRead`.
final class ConfigFileTests: XCTestCase {
    func testUnreadableFilesGiveTheReadersErrors() throws {
        let temp = try TempFolder()
        let folder = temp.url.appendingPathComponent("folder.yaml")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cases: [(name: String, path: String, expected: String)] = [
            ("missing", temp.url.appendingPathComponent("none.yaml").path, "cannot open for reading: No such file or directory"),
            ("directory", folder.path, "is a directory, not a text file"),
            ("invalid UTF-8", try temp.file("bad.yaml", Array("a: 1\nb: ".utf8) + [0xFF] + Array("\n".utf8)),
             ":2: invalid UTF-8 at byte 4 of the line"),
            ("NUL", try temp.file("nul.json", Array("{\"a\":\n \"".utf8) + [0] + Array("\"}\n".utf8)), ":2: NUL byte at byte 3 of the line"),
        ]
        for (name, path, expected) in cases {
            var readerError: Error?
            do {
                var reader = try RecordReader(path: path, format: .lines, columns: [RecordFormat.linesColumn])
                while try reader.next() != nil {}
            } catch { readerError = error }
            XCTAssertThrowsError(try ConfigValue.read(contentsOf: URL(fileURLWithPath: path)), name) { error in
                XCTAssertEqual((error as? ConfigError)?.kind, .cannotRead, "\(name): \(error)")
                XCTAssertEqual("\(error)", readerError.map { "\($0)" }, name)
                XCTAssertTrue("\(error)".hasPrefix(path) && "\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }

    func testAReadableFileIsParsedByItsExtension() throws {
        let temp = try TempFolder()
        let yaml = try ConfigValue.read(contentsOf: URL(fileURLWithPath: try temp.file("a.yaml", text: "a: [1, 2]\n")))
        let json = try ConfigValue.read(contentsOf: URL(fileURLWithPath: try temp.file("a.json", text: "{\"a\": [1, 2]}")))
        XCTAssertEqual(yaml, json)
        XCTAssertEqual(json["a"]?.location, ConfigLocation(source: temp.url.path + "/a.json", line: 1))
    }
}
