import JikjiSQLite

/// The tables of the vocabulary store (migration domain `vocab`).
///
/// Tokens are one row each, keyed by `(vocabulary_id, token_id)` in a `WITHOUT ROWID` table so
/// a vocabulary's tokens sit together in id order and load with one range scan. Metadata that
/// is only ever read whole (trainer settings, pipeline, statistics) is JSON text.
enum VocabularySchema {
    static func migrator() -> Migrator {
        var migrator = Migrator(domain: "vocab")
        // Registration order is fixed here, so `register` cannot fail; `try?` would hide a
        // programming error, hence the explicit check.
        do {
            try migrator.register(1, "vocabularies, tokens and corpus files") { db in
                try db.execute("""
                    CREATE TABLE vocabularies (
                        id                       INTEGER PRIMARY KEY,
                        name                     TEXT    NOT NULL,
                        version                  INTEGER NOT NULL CHECK (version >= 1),
                        token_count              INTEGER NOT NULL,
                        unk_token                TEXT    NOT NULL,
                        prefix                   TEXT    NOT NULL,
                        max_input_chars_per_word INTEGER NOT NULL,
                        normalizer               TEXT    NOT NULL,
                        trainer_settings         TEXT,
                        pipeline                 TEXT,
                        corpus_column            TEXT,
                        statistics               TEXT,
                        origin                   TEXT    NOT NULL,
                        tool_version             TEXT    NOT NULL,
                        created_at               TEXT    NOT NULL,
                        UNIQUE (name, version)
                    );
                    -- The last version ever given to each name, so a deleted version's number is never reused.
                    CREATE TABLE vocabulary_names (
                        name         TEXT    PRIMARY KEY,
                        last_version INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE tokens (
                        vocabulary_id INTEGER NOT NULL REFERENCES vocabularies(id) ON DELETE CASCADE,
                        token_id      INTEGER NOT NULL,
                        token         TEXT    NOT NULL,
                        kind          INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),
                        count         INTEGER,
                        merge_rank    INTEGER,
                        PRIMARY KEY (vocabulary_id, token_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE corpus_files (
                        vocabulary_id INTEGER NOT NULL REFERENCES vocabularies(id) ON DELETE CASCADE,
                        position      INTEGER NOT NULL,
                        path          TEXT    NOT NULL,
                        size          INTEGER NOT NULL,
                        lines         INTEGER NOT NULL,
                        sha256        TEXT    NOT NULL,
                        PRIMARY KEY (vocabulary_id, position)
                    ) WITHOUT ROWID;
                    """)
            }
            // tokenizer.json settings beyond the vocabulary (added-token flags, post-processor,
            // decoder, truncation, padding) of an imported file, kept for export and encoding.
            try migrator.register(2, "tokenizer.json settings of imported vocabularies") { db in
                try db.execute("ALTER TABLE vocabularies ADD COLUMN hf_settings TEXT")
            }
        } catch {
            preconditionFailure("vocabulary migrations are registered out of order: \(error)")
        }
        return migrator
    }
}
