-- The pipeline's run log, mirrored from the lake's `_meta/runs` and `_meta/run_steps` after
-- each scheduled or manual run that mirrors: what ran, when, with what outcome and cost.
-- Rows are only ever inserted (by run_id); they are never changed.

CREATE SCHEMA IF NOT EXISTS meta;
COMMENT ON SCHEMA meta IS 'joblake run log: one row per pipeline run and per step, with rows, bytes, time, memory and an energy estimate.';

CREATE TABLE meta.runs (
    run_id            text PRIMARY KEY,
    job               text NOT NULL,
    trigger           text NOT NULL,
    attempt           bigint NOT NULL,
    slot              timestamptz,
    host              text NOT NULL,
    "user"            text NOT NULL,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz NOT NULL,
    status            text NOT NULL,
    failed_step       text,
    error             text,
    rows_in           bigint,
    rows_out          bigint,
    bytes_read        bigint,
    bytes_written     bigint,
    wall_seconds      double precision NOT NULL,
    cpu_seconds       double precision,
    peak_memory_bytes bigint,
    energy_wh         double precision NOT NULL,
    co2e_g            double precision NOT NULL
);
CREATE INDEX runs_job_started ON meta.runs (job, started_at);
COMMENT ON TABLE meta.runs IS 'One row per run of a job (pipeline, maintain...). status: succeeded, partial, failed, cancelled or lost.';
COMMENT ON COLUMN meta.runs.trigger IS 'manual (joblake run) or scheduled (joblake schedule).';
COMMENT ON COLUMN meta.runs.slot IS 'The cron slot a scheduled run ran for; retries share it.';
COMMENT ON COLUMN meta.runs.energy_wh IS 'Estimated energy in watt-hours: PUE x (CPU seconds x W per core + wall seconds x peak GB x W per GB) / 3600. See docs/operations.md.';
COMMENT ON COLUMN meta.runs.co2e_g IS 'energy_wh / 1000 x the configured grid intensity (g CO2e per kWh).';

CREATE TABLE meta.run_steps (
    run_id            text NOT NULL REFERENCES meta.runs (run_id),
    job               text NOT NULL,
    position          bigint NOT NULL,
    step              text NOT NULL,
    status            text NOT NULL,
    error             text,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz NOT NULL,
    rows_in           bigint,
    rows_out          bigint,
    bytes_read        bigint,
    bytes_written     bigint,
    wall_seconds      double precision NOT NULL,
    cpu_seconds       double precision,
    peak_memory_bytes bigint,
    energy_wh         double precision NOT NULL,
    co2e_g            double precision NOT NULL,
    detail            text,
    PRIMARY KEY (run_id, position)
);
COMMENT ON TABLE meta.run_steps IS 'One row per step of a run: ingest, refresh, test, mirror or maintain; skipped steps say why.';
COMMENT ON COLUMN meta.run_steps.detail IS 'Step-specific figures as JSON (per source, per table).';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'joblake_reader') THEN
        GRANT USAGE ON SCHEMA meta TO joblake_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA meta TO joblake_reader;
    END IF;
END
$$;
