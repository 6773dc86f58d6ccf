import JikjiSQLite

/// The run registry's tables and their migrations.
extension RunRegistry {
    static let migrator: Migrator = {
        var m = Migrator(domain: "runs")
        // Registration order is fixed in source; a failure here is a programming error caught by tests.
        try? m.register(1, "runs, metrics, checkpoints") { db in
            try db.execute("""
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    job_name TEXT NOT NULL,
                    job_file TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    machine TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    resolved_config TEXT NOT NULL,
                    directory TEXT NOT NULL
                );
                CREATE TABLE run_metrics (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    split TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    recorded_at REAL NOT NULL
                );
                CREATE INDEX run_metrics_by_run ON run_metrics(run_id, step);
                CREATE TABLE run_checkpoints (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    metric REAL,
                    is_best INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (run_id, step)
                );
                """)
        }
        // Runs pin what they used and say why they failed; paths become relative to the registry's
        // folder (run folders) and to the run folder (checkpoints), so a registry read from any
        // directory, or moved with its runs, finds them. Version 1 stored them as given, relative to
        // the working directory of the run; its run folders were `<runs folder>/<id>`.
        try? m.register(2, "pins, errors, paths relative to the registry") { db in
            try db.execute("""
                ALTER TABLE runs ADD COLUMN error TEXT;
                ALTER TABLE runs ADD COLUMN vocabulary TEXT;
                ALTER TABLE runs ADD COLUMN vocabulary_database TEXT;
                ALTER TABLE runs ADD COLUMN datasets TEXT;
                ALTER TABLE run_checkpoints ADD COLUMN metrics_before INTEGER;
                UPDATE run_checkpoints SET path = substr(path, length((SELECT directory FROM runs WHERE runs.id = run_id)) + 2)
                    WHERE substr(path, 1, length((SELECT directory FROM runs WHERE runs.id = run_id)) + 1)
                          = (SELECT directory FROM runs WHERE runs.id = run_id) || '/';
                UPDATE runs SET directory = CAST(id AS TEXT)
                    WHERE directory = CAST(id AS TEXT) OR substr(directory, -length(CAST(id AS TEXT)) - 1) = '/' || id;
                """)
        }
        return m
    }()
}
