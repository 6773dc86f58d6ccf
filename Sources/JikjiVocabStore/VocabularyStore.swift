import JikjiIO
import Foundation
import JikjiSQLite
import JikjiWordPiece

/// A short description of one stored vocabulary version, for listings.
public struct VocabularySummary: Equatable, Sendable {
    public var name: String
    public var version: Int
    public var tokenCount: Int
    public var origin: String
    public var toolVersion: String
    public var createdAt: Date

    /// `name@version`.
    public var reference: String { "\(name)@\(version)" }
}

/// Vocabularies kept in one SQLite database, by name and version.
///
/// ```swift
/// let store = try VocabularyStore(path: "vocab/jikji.sqlite")
/// let version = try store.save(vocabulary)          // 1, 2, … per name
/// let latest = try store.load("nsmc")               // or "nsmc@1"
/// ```
///
/// Every save and delete is one transaction: a failure or a killed process leaves either the
/// whole vocabulary or none of it. Several processes may use one file at once (WAL mode; a
/// second writer waits for the first). Version numbers are never reused, even after a delete,
/// so `name@version` always means the same tokens.
public final class VocabularyStore {
    /// Where the CLI keeps vocabularies unless `--db` says otherwise.
    public static let defaultPath = "vocab/jikji.sqlite"

    /// The database file.
    public let path: String
    /// The connection (exposed for tools that query the tables directly).
    public let database: Database

    /// Opens the store at `path`, upgrading its schema when needed.
    ///
    /// - Parameter create: create the file and its folder when missing; when false, a missing
    ///   file throws ``VocabularyStoreError/databaseMissing(path:)`` (reading commands use this,
    ///   so a typo in `--db` does not leave an empty database behind).
    /// - Throws: ``SchemaError`` for a file that is not Jikji's or comes from a newer Jikji,
    ///   ``SQLiteError`` (`SQLITE_NOTADB`) for a file that is not SQLite at all.
    /// - Parameter readOnly: open the file read-only (it must exist): what the commands that only
    ///   read use, so that they work on a database in a read-only folder or on read-only media.
    public init(path: String = VocabularyStore.defaultPath, create: Bool = true, readOnly: Bool = false) throws {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists {
            guard create, !readOnly else { throw VocabularyStoreError.databaseMissing(path: path) }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        self.path = path
        self.database = try Database(path: path, options: Database.Options(readOnly: readOnly))
        // Read-only: an up-to-date schema is only read; an older one cannot be upgraded here.
        try VocabularySchema.migrator().migrate(database)
    }

    // MARK: Saving

    /// Saves `vocabulary` as the next version of its name and returns that version.
    ///
    /// The `version` field of the argument is ignored. Throws
    /// ``VocabularyStoreError/invalidVocabulary(name:reason:)`` for an empty vocabulary or
    /// settings that are not JSON objects, and ``VocabularyStoreError/badName(_:reason:)`` for a
    /// bad name. A vocabulary without its unknown token is stored (HF allows it); encoding with
    /// it fails only when a word needs the unknown token.
    @discardableResult
    public func save(_ vocabulary: StoredVocabulary) throws -> Int {
        try VocabularyReference.validateName(vocabulary.name)
        try Self.validate(vocabulary)
        let normalizerJSON = try jsonText(vocabulary.normalizer)
        return try database.write { db in
            let last = try db.scalarInt("SELECT last_version FROM vocabulary_names WHERE name = ?",
                                        [.text(vocabulary.name)]) ?? 0
            let version = last + 1
            try db.execute("INSERT INTO vocabulary_names (name, last_version) VALUES (?, ?) "
                           + "ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version",
                           [.text(vocabulary.name), .int(version)])
            try db.execute("""
                INSERT INTO vocabularies (name, version, token_count, unk_token, prefix, max_input_chars_per_word,
                    normalizer, trainer_settings, pipeline, corpus_column, statistics, origin, tool_version, created_at,
                    hf_settings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    .text(vocabulary.name), .int(version), .int(vocabulary.tokens.count),
                    .text(vocabulary.unknownToken), .text(vocabulary.continuingSubwordPrefix),
                    .int(vocabulary.maxInputCharactersPerWord), .text(normalizerJSON),
                    .optionalText(vocabulary.trainerSettings), .optionalText(vocabulary.pipeline),
                    .optionalText(vocabulary.corpus?.column), .optionalText(vocabulary.statistics),
                    .text(vocabulary.origin), .text(vocabulary.toolVersion),
                    .text(Self.formatDate(vocabulary.createdAt)), .optionalText(vocabulary.hfSettings),
                ])
            let rowID = Int(db.lastInsertRowID)
            // One prepared statement reused for every token: parsing once keeps 30k rows in tens of ms.
            let insert = try db.prepare(
                "INSERT INTO tokens (vocabulary_id, token_id, token, kind, count, merge_rank) VALUES (?, ?, ?, ?, ?, ?)")
            for (id, token) in vocabulary.tokens.enumerated() {
                try insert.bind(rowID, at: 1)
                try insert.bind(id, at: 2)
                try insert.bind(token.text, at: 3)
                try insert.bind(token.kind.code, at: 4)
                try insert.bind(token.count.map { .integer($0) } ?? .null, at: 5)
                try insert.bind(.optionalInt(token.mergeRank), at: 6)
                try insert.step()
                insert.reset()
            }
            if let corpus = vocabulary.corpus {
                let file = try db.prepare(
                    "INSERT INTO corpus_files (vocabulary_id, position, path, size, lines, sha256) VALUES (?, ?, ?, ?, ?, ?)")
                for (position, entry) in corpus.files.enumerated() {
                    try file.run([.int(rowID), .int(position), .text(entry.path), .integer(entry.bytes),
                                  .integer(Int64(entry.lines)), .text(entry.sha256)])
                }
            }
            return version
        }
    }

    private static func validate(_ vocabulary: StoredVocabulary) throws {
        guard !vocabulary.tokens.isEmpty else {
            throw VocabularyStoreError.invalidVocabulary(name: vocabulary.name, reason: "it has no tokens")
        }
        guard vocabulary.maxInputCharactersPerWord > 0 else {
            throw VocabularyStoreError.invalidVocabulary(name: vocabulary.name,
                                                         reason: "max input characters per word must be positive")
        }
        if let json = vocabulary.trainerSettings { try checkJSONObject(json, what: "trainer settings", name: vocabulary.name) }
        if let json = vocabulary.statistics { try checkJSONObject(json, what: "statistics", name: vocabulary.name) }
    }

    private static func checkJSONObject(_ text: String, what: String, name: String) throws {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else {
            throw VocabularyStoreError.invalidVocabulary(name: name, reason: "its \(what) are not a JSON object")
        }
    }

    // MARK: Loading

    /// Loads `NAME` (latest version) or `NAME@VERSION`.
    public func load(_ reference: String) throws -> StoredVocabulary {
        try load(VocabularyReference(parsing: reference))
    }

    /// Loads the vocabulary `reference` names, with all its tokens and metadata.
    public func load(_ reference: VocabularyReference) throws -> StoredVocabulary {
        try database.read { db in
            let rowID = try resolve(reference, in: db)
            var loaded: StoredVocabulary?
            var tokenCount = 0
            try db.forEachRow("""
                SELECT name, version, token_count, unk_token, prefix, max_input_chars_per_word, normalizer,
                       trainer_settings, pipeline, corpus_column, statistics, origin, tool_version, created_at, hf_settings
                FROM vocabularies WHERE id = ?
                """, [.int(rowID)]) { row in
                let name = row.text(0)
                let normalizer: BertNormalizerOptions
                do {
                    normalizer = try JSONDecoder().decode(BertNormalizerOptions.self, from: Data(row.text(6).utf8))
                } catch {
                    throw VocabularyStoreError.corruptRecord(database: path, vocabulary: name,
                                                             problem: "normalizer flags are not readable JSON")
                }
                tokenCount = row.int(2)
                loaded = StoredVocabulary(
                    name: name, tokens: [], normalizer: normalizer, unknownToken: row.text(3),
                    continuingSubwordPrefix: row.text(4), maxInputCharactersPerWord: row.int(5),
                    trainerSettings: row.optionalText(7), pipeline: row.optionalText(8),
                    corpus: nil, statistics: row.optionalText(10), origin: row.text(11),
                    toolVersion: row.text(12), createdAt: Self.parseDate(row.text(13)) ?? Date(timeIntervalSince1970: 0),
                    version: row.int(1))
                if let column = row.optionalText(9) { loaded?.corpus = CorpusFingerprint(files: [], column: column) }
                loaded?.hfSettings = row.optionalText(14)
            }
            guard var vocabulary = loaded else {
                throw VocabularyStoreError.corruptRecord(database: path, vocabulary: reference.description,
                                                         problem: "its row vanished while loading")
            }
            var tokens: [StoredToken] = []
            tokens.reserveCapacity(tokenCount)
            var problem: String?
            try db.forEachRow("""
                SELECT token_id, token, kind, count, merge_rank FROM tokens
                WHERE vocabulary_id = ? ORDER BY token_id
                """, [.int(rowID)]) { row in
                guard problem == nil else { return }
                guard row.int(0) == tokens.count else {
                    problem = "token ids jump from \(tokens.count - 1) to \(row.int(0))"
                    return
                }
                guard let kind = TokenKind(code: row.int(2)) else {
                    problem = "token \(row.int(0)) has unknown kind \(row.int(2))"
                    return
                }
                tokens.append(StoredToken(text: row.text(1), kind: kind,
                                          count: row.isNull(3) ? nil : row.int64(3),
                                          mergeRank: row.optionalInt(4)))
            }
            if problem == nil, tokens.count != tokenCount {
                problem = "it should have \(tokenCount) tokens but has \(tokens.count)"
            }
            if let problem {
                throw VocabularyStoreError.corruptRecord(database: path, vocabulary: vocabulary.reference, problem: problem)
            }
            vocabulary.tokens = tokens
            var files: [FileFingerprint] = []
            try db.forEachRow("SELECT path, size, lines, sha256 FROM corpus_files WHERE vocabulary_id = ? ORDER BY position",
                              [.int(rowID)]) { row in
                files.append(FileFingerprint(path: row.text(0), bytes: row.int64(1), lines: Int(row.int64(2)), sha256: row.text(3)))
            }
            if !files.isEmpty || vocabulary.corpus != nil {
                vocabulary.corpus = CorpusFingerprint(files: files, column: vocabulary.corpus?.column)
            }
            return vocabulary
        }
    }

    /// The row id of the vocabulary `reference` names; throws naming what exists when there is none.
    private func resolve(_ reference: VocabularyReference, in db: Database) throws -> Int {
        let sql = reference.version == nil
            ? "SELECT id FROM vocabularies WHERE name = ? ORDER BY version DESC LIMIT 1"
            : "SELECT id FROM vocabularies WHERE name = ? AND version = ?"
        var values: [SQLiteValue] = [.text(reference.name)]
        if let version = reference.version { values.append(.int(version)) }
        if let id = try db.scalarInt(sql, values) { return id }
        let versions = try self.versions(of: reference.name)
        if versions.isEmpty {
            throw VocabularyStoreError.unknownName(reference.name, available: try names(), database: path)
        }
        throw VocabularyStoreError.unknownVersion(name: reference.name, version: reference.version ?? 0,
                                                  available: versions, database: path)
    }

    // MARK: Listing and deleting

    /// Every stored version, by name then version.
    public func list() throws -> [VocabularySummary] {
        var summaries: [VocabularySummary] = []
        try database.forEachRow("""
            SELECT name, version, token_count, origin, tool_version, created_at
            FROM vocabularies ORDER BY name, version
            """) { row in
            summaries.append(VocabularySummary(
                name: row.text(0), version: row.int(1), tokenCount: row.int(2), origin: row.text(3),
                toolVersion: row.text(4), createdAt: Self.parseDate(row.text(5)) ?? Date(timeIntervalSince1970: 0)))
        }
        return summaries
    }

    /// The distinct names, sorted.
    public func names() throws -> [String] {
        var names: [String] = []
        try database.forEachRow("SELECT DISTINCT name FROM vocabularies ORDER BY name") { names.append($0.text(0)) }
        return names
    }

    /// The stored versions of `name`, ascending (empty when there are none).
    public func versions(of name: String) throws -> [Int] {
        var versions: [Int] = []
        try database.forEachRow("SELECT version FROM vocabularies WHERE name = ? ORDER BY version",
                                [.text(name)]) { versions.append($0.int(0)) }
        return versions
    }

    /// Deletes one version (`NAME@VERSION`) or every version of a name (`NAME`), tokens included,
    /// and returns the references deleted. Throws when nothing matches.
    @discardableResult
    public func delete(_ reference: VocabularyReference) throws -> [String] {
        try database.write { db in
            let existing = try versions(of: reference.name)
            let doomed: [Int]
            if let version = reference.version {
                guard existing.contains(version) else {
                    if existing.isEmpty {
                        throw VocabularyStoreError.unknownName(reference.name, available: try names(), database: path)
                    }
                    throw VocabularyStoreError.unknownVersion(name: reference.name, version: version,
                                                              available: existing, database: path)
                }
                doomed = [version]
            } else {
                guard !existing.isEmpty else {
                    throw VocabularyStoreError.unknownName(reference.name, available: try names(), database: path)
                }
                doomed = existing
            }
            let statement = try db.prepare("DELETE FROM vocabularies WHERE name = ? AND version = ?")
            for version in doomed { try statement.run([.text(reference.name), .int(version)]) }
            return doomed.map { "\(reference.name)@\($0)" }
        }
    }

    /// Deletes `NAME` (all versions) or `NAME@VERSION`; see ``delete(_:)-(VocabularyReference)``.
    @discardableResult
    public func delete(_ reference: String) throws -> [String] {
        try delete(VocabularyReference(parsing: reference))
    }

    // MARK: Helpers

    private func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func formatDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    private static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
