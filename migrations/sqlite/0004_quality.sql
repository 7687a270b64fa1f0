-- Data quality of each landing run and source (gold.quality_by_run_source, `joblake quality`).
CREATE TABLE quality_by_run_source (
    run_id             TEXT NOT NULL,
    source             TEXT NOT NULL,
    landed_at          TEXT NOT NULL,
    records            INTEGER NOT NULL,
    valid              INTEGER NOT NULL,
    rejected           INTEGER NOT NULL,
    reject_share       REAL NOT NULL,
    rejects_by_reason  TEXT,
    duplicates         INTEGER NOT NULL,
    company_share      REAL,
    description_share  REAL,
    city_share         REAL,
    country_share      REAL,
    salary_share       REAL,
    contract_share     REAL,
    posted_date_share  REAL,
    skills_share       REAL,
    job_family_share   REAL,
    latest_posted_date TEXT
);
-- quality_by_run_source: Per landing run and source: records, rejects, duplicates, completeness, freshness.
CREATE INDEX quality_by_run_source_landed_at ON quality_by_run_source (source, landed_at);
