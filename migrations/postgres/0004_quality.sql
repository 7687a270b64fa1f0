-- Data quality of each landing run and source (gold.quality_by_run_source, `joblake quality`).
CREATE TABLE gold.quality_by_run_source (
    run_id             text NOT NULL,
    source             text NOT NULL,
    landed_at          timestamptz NOT NULL,
    records            bigint NOT NULL,
    valid              bigint NOT NULL,
    rejected           bigint NOT NULL,
    reject_share       double precision NOT NULL,
    rejects_by_reason  text,
    duplicates         bigint NOT NULL,
    company_share      double precision,
    description_share  double precision,
    city_share         double precision,
    country_share      double precision,
    salary_share       double precision,
    contract_share     double precision,
    posted_date_share  double precision,
    skills_share       double precision,
    job_family_share   double precision,
    latest_posted_date date
);
COMMENT ON TABLE gold.quality_by_run_source IS 'Per landing run and source: records, rejects by reason, duplicates of known postings, completeness of each field (share of valid records), freshness.';
CREATE INDEX quality_by_run_source_landed_at ON gold.quality_by_run_source (source, landed_at);
