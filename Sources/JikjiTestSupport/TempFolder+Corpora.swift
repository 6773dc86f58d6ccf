import Foundation

extension TempFolder {
    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Copies the first `lines` lines (header included) of the real corpus file `corpus`
    /// (`nsmc/ratings_train.txt`, relative to `corpora/`) into the folder as `name` (the corpus's
    /// own relative path when nil, its subfolder created), and returns the copy's path: the small
    /// corpus the CLI and example tests train and run jobs on. Throws when the corpus is missing.
    @discardableResult
    public func slice(_ corpus: String, lines: Int, to name: String? = nil) throws -> String {
        let text = try String(contentsOf: try ProjectPaths.corpus(corpus), encoding: .utf8)
        let head = text.split(separator: "\n", maxSplits: lines, omittingEmptySubsequences: false).prefix(lines)
        let destination = url.appendingPathComponent(name ?? corpus)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (head.joined(separator: "\n") + "\n").write(to: destination, atomically: true, encoding: .utf8)
        return destination.path
    }
}
