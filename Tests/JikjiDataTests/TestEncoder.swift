import Foundation
import JikjiData
import JikjiWordPiece

/// A stand-in encoder for tests: splits on spaces and gives each word a stable id from its
/// bytes (FNV-1a), so lengths and ids are predictable without a trained vocabulary.
struct WhitespaceEncoder: DatasetEncoder {
    static let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<s>", "</s>"]
    var vocabularySize: Int { 1000 }
    var vocabularyReference: String { "whitespace@1" }

    func id(of token: String) -> TokenID? {
        Self.specials.firstIndex(of: token).map { TokenID($0) }
    }

    static func wordID(_ word: Substring) -> TokenID {
        var hash: UInt32 = 2_166_136_261
        for byte in word.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return TokenID(10 + hash % 990)
    }

    func encode(_ texts: [String], appendingTo ids: inout [TokenID], ends: inout [Int]) throws {
        for text in texts {
            for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) { ids.append(Self.wordID(word)) }
            ends.append(ids.count)
        }
    }
}

/// Writes `contents` to a fresh temporary file and returns its path.
func temporaryFile(_ name: String, _ contents: String) throws -> String {
    try temporaryFile(name, Data(contents.utf8))
}

func temporaryFile(_ name: String, _ data: Data) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jikji-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try data.write(to: url)
    return url.path
}

/// Reads every row of a file, good or bad.
func readAll(_ path: String, format: CorpusFormat, columns: [String]) throws -> [Result<CorpusRow, BadRow>] {
    var reader = try CorpusReader(path: path, format: format, columns: columns)
    var rows: [Result<CorpusRow, BadRow>] = []
    while let row = try reader.next() { rows.append(row) }
    return rows
}
