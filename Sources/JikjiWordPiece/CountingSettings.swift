// What decides the words a corpus yields: recorded in every count shard so that shards counted
// differently are never merged into one table.
import Foundation
import JikjiIO
import JikjiText

/// Every setting that affects which words (and counts) counting produces: the cleaning
/// pipeline, the BERT normalizer flags, the pre-tokenizer and its character tables, the ICU
/// library the pipeline runs on, and the Jikji version. Two count shards merge only when their
/// settings are equal (``differences(from:)`` names what differs).
public struct CountingSettings: Codable, Equatable, Sendable {
    /// The Jikji version that counted.
    public var jikjiVersion: String
    /// The pre-tokenizer (HF's BertPreTokenizer: whitespace, then punctuation isolated).
    public var preTokenizer: String
    /// SHA-256 of the character tables the normalizer and pre-tokenizer classify with.
    public var characterTables: String
    /// The ICU version the cleaning pipeline runs on.
    public var icu: String
    /// The BERT normalizer flags.
    public var normalizer: BertNormalizerOptions
    /// The cleaning pipeline as JSON (``CleaningPipeline/jsonString``), nil for none.
    public var pipeline: String?

    /// The settings of counting with `normalizer` and `pipeline` by Jikji `toolVersion`.
    public init(normalizer: BertNormalizerOptions, pipeline: CleaningPipeline?, toolVersion: String) {
        jikjiVersion = toolVersion
        preTokenizer = "bert"
        characterTables = Self.tablesDigest
        icu = ICU.version
        self.normalizer = normalizer
        self.pipeline = pipeline?.jsonString
    }

    /// The settings as one line of JSON with sorted keys (what a count file's header holds).
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// SHA-256 of ``jsonLine``: the counting fingerprint.
    public var fingerprint: String {
        var sha = SHA256()
        sha.update(Array(jsonLine.utf8))
        return sha.finalizeHex()
    }

    /// One line per setting that differs from `other`: `name: this vs other`.
    public func differences(from other: CountingSettings) -> [String] {
        var lines: [String] = []
        func compare<T: Equatable>(_ name: String, _ a: T, _ b: T, _ text: (T) -> String) {
            if a != b { lines.append("\(name): \(text(a)) vs \(text(b))") }
        }
        compare("jikji version", jikjiVersion, other.jikjiVersion) { $0 }
        compare("pre-tokenizer", preTokenizer, other.preTokenizer) { $0 }
        compare("character tables", characterTables, other.characterTables) { String($0.prefix(12)) }
        compare("ICU", icu, other.icu) { $0 }
        compare("normalizer clean_text", normalizer.cleanText, other.normalizer.cleanText) { "\($0)" }
        compare("normalizer handle_chinese_chars", normalizer.handleChineseChars, other.normalizer.handleChineseChars) { "\($0)" }
        compare("normalizer strip_accents", normalizer.stripAccents, other.normalizer.stripAccents) { $0.map { "\($0)" } ?? "nil" }
        compare("normalizer lowercase", normalizer.lowercase, other.normalizer.lowercase) { "\($0)" }
        compare("pipeline", pipeline, other.pipeline) { $0 ?? "none" }
        return lines
    }

    /// The digest of the tables, computed once.
    private static let tablesDigest: String = {
        var sha = SHA256()
        for table in [BertCharacterTables.removed, BertCharacterTables.toSpace, BertCharacterTables.whitespace,
                      BertCharacterTables.punctuation, BertCharacterTables.chinese, BertCharacterTables.nonspacingMarks] {
            for value in table { withUnsafeBytes(of: value.littleEndian) { sha.update($0) } }
            sha.update([0xFF])
        }
        for packed in [BertCharacterTables.lowercasePacked, BertCharacterTables.lowercaseMultiPacked,
                       BertCharacterTables.decompositionPacked] {
            sha.update(Array(packed.utf8))
            sha.update([0xFF])
        }
        return sha.finalizeHex()
    }()
}

/// The part of a corpus one count shard read: a whole file, or the records of a byte range of
/// one (``InputShard``), with the fingerprint of exactly those bytes.
public struct CorpusPart: Codable, Equatable, Sendable {
    /// The bytes read: path, size, physical lines and SHA-256 of the part (not of the whole file).
    public var file: FileFingerprint
    /// Where the part starts in the file (0 for a whole file).
    public var start: Int64
    /// The column documents were read from (nil: whole lines).
    public var column: String?
    /// Documents read.
    public var documents: Int

    /// A part with every field given.
    public init(file: FileFingerprint, start: Int64, column: String?, documents: Int) {
        self.file = file
        self.start = start
        self.column = column
        self.documents = documents
    }
}
