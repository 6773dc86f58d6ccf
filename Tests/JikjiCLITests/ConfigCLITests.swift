import Foundation
import XCTest
import JikjiTestSupport

/// Hostile configuration files end the command with an error naming file and line (status 1),
/// never a signal; the old spellings of renamed flags still work.
final class ConfigCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-config-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private static let deep = String(repeating: "[", count: 8000) + String(repeating: "]", count: 8000)

    private static var laughs: String {
        var text = "steps:\n  - a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            text += "  - a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        return text
    }

    func testDeepOrExplodingFilesAreErrorsNotCrashes() throws {
        let deepYAML = try file("deep.yaml", "steps: \(Self.deep)\n")
        let deepJSON = try file("deep.json", "{\"steps\": \(Self.deep)}")
        let bomb = try file("bomb.yaml", Self.laughs)
        let runs = folder.appendingPathComponent("runs").path
        let cases: [([String], String)] = [
            (["clean", "--pipeline", deepYAML], "\(deepYAML):1: nested more than 64 levels deep"),
            (["clean", "--pipeline", deepJSON], "\(deepJSON):1: nested more than 64 levels deep"),
            (["clean", "--pipeline", bomb], "\(bomb):"),
            (["job", "run", deepYAML, "--quiet", "--runs", runs], "\(deepYAML):1: nested more than 64 levels deep"),
            (["job", "run", bomb, "--quiet", "--runs", runs], "\(bomb):"),
            (["job", "run", try file("job.yaml", "data: {train: a.tsv}\n"), "--quiet", "--runs", runs, "--set", "vocab=\(Self.deep)"],
             "--set vocab:1: nested more than 64 levels deep"),
        ]
        for (arguments, message) in cases {
            let result = try JikjiCommand.run(arguments, input: Data())
            XCTAssertEqual(result.status, 1, "jikji \(arguments.prefix(3).joined(separator: " ")): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("Error: " + message), "\(message)\n\(result.stderr)")
        }
    }

    func testRenamedFlagsKeepTheirOldSpellingsAsHiddenAliases() throws {
        let input = try file("in.tsv", "id\tdocument\n1\t<b>좋다</b>\n")
        let new = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--text-column", "document"])
        let old = try JikjiCommand.run(["clean", "--pipeline", "korean-web", "--input", input, "--column", "document"])
        XCTAssertEqual(new.status, 0, new.stderr)
        XCTAssertEqual(new.output, "id\tdocument\n1\t좋다\n")
        XCTAssertEqual(old.output, new.output, old.stderr)
        let help = try JikjiCommand.run(["clean", "--help"])
        XCTAssertTrue(help.output.contains("--text-column"), help.output)
        XCTAssertFalse(help.output.contains("--column"), help.output)
        let batches = try JikjiCommand.run(["dataset", "batches", "--help"])
        XCTAssertTrue(batches.output.contains("--truncate-side"), batches.output)
        XCTAssertFalse(batches.output.contains("--truncation-side"), batches.output)
        XCTAssertTrue(batches.output.contains("(values: pre, post"), batches.output)
        XCTAssertTrue(batches.output.contains("(values: train, valid, test"), batches.output)
        let job = try JikjiCommand.run(["job", "run", "--help"])
        XCTAssertTrue(job.output.contains("model.encoder.cell, model.decoder.cell: rnn, rnn_relu, lstm, gru"), job.output)
    }
}
