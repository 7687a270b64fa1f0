-- The pipeline's run log (see postgres/0003_run_log.sql): `meta.runs` and `meta.run_steps`
-- of the lake, as meta_runs and meta_run_steps. Timestamps are RFC 3339 text in UTC.

CREATE TABLE meta_runs (
    run_id            TEXT PRIMARY KEY,
    job               TEXT NOT NULL,
    trigger           TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    slot              TEXT,
    host              TEXT NOT NULL,
    user              TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    ended_at          TEXT NOT NULL,
    status            TEXT NOT NULL,
    failed_step       TEXT,
    error             TEXT,
    rows_in           INTEGER,
    rows_out          INTEGER,
    bytes_read        INTEGER,
    bytes_written     INTEGER,
    wall_seconds      REAL NOT NULL,
    cpu_seconds       REAL,
    peak_memory_bytes INTEGER,
    energy_wh         REAL NOT NULL,
    co2e_g            REAL NOT NULL
);
CREATE INDEX meta_runs_job_started ON meta_runs (job, started_at);

CREATE TABLE meta_run_steps (
    run_id            TEXT NOT NULL REFERENCES meta_runs (run_id),
    job               TEXT NOT NULL,
    position          INTEGER NOT NULL,
    step              TEXT NOT NULL,
    status            TEXT NOT NULL,
    error             TEXT,
    started_at        TEXT NOT NULL,
    ended_at          TEXT NOT NULL,
    rows_in           INTEGER,
    rows_out          INTEGER,
    bytes_read        INTEGER,
    bytes_written     INTEGER,
    wall_seconds      REAL NOT NULL,
    cpu_seconds       REAL,
    peak_memory_bytes INTEGER,
    energy_wh         REAL NOT NULL,
    co2e_g            REAL NOT NULL,
    detail            TEXT,
    PRIMARY KEY (run_id, position)
);
