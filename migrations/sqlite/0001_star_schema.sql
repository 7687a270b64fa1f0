-- The gold star schema and aggregates in SQLite (the embedded default warehouse), the same
-- tables and columns as migrations/postgres. SQLite has no schemas: the loader's own tables
-- are prefixed `joblake_`. Types: dates are TEXT 'YYYY-MM-DD', timestamps TEXT in RFC 3339
-- UTC, booleans INTEGER 0/1.
-- Surrogate keys are computed in the lake from natural keys (stable_key: 63 bits of SHA-256),
-- so they do not change between refreshes and saved BI questions keep working.


CREATE TABLE dim_date (
    date_key    INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    year        INTEGER,
    quarter     INTEGER,
    month       INTEGER,
    year_month  TEXT,
    month_name  TEXT,
    iso_week    INTEGER,
    day_of_week INTEGER,
    day_name    TEXT,
    is_weekend  INTEGER
);
-- dim_date: One row per calendar day from the first to the last posting date.
-- dim_date.date_key: yyyymmdd as an integer, e.g. 20261124.
-- dim_date.year_month: yyyy-mm, for monthly grouping.
-- dim_date.day_of_week: ISO day of week: 1 = Monday ... 7 = Sunday.

CREATE TABLE dim_company (
    company_key  INTEGER PRIMARY KEY,
    company_norm TEXT,
    company_name TEXT,
    postings     INTEGER
);
-- dim_company: One row per normalized company name (case, accents, legal forms removed).
-- dim_company.company_name: The most frequent spelling of the name in the postings.
-- dim_company.postings: Deduplicated postings of the company.

CREATE TABLE dim_location (
    location_key INTEGER PRIMARY KEY,
    country_code TEXT,
    country_name TEXT,
    region       TEXT,
    city         TEXT
);
-- dim_location: One row per (country, region, city) seen in postings.
-- dim_location.country_code: ISO 3166-1 alpha-2.
-- dim_location.region: Region (for France: the région of the département).

CREATE TABLE dim_job_family (
    job_family_key  INTEGER PRIMARY KEY,
    job_family      TEXT,
    job_family_name TEXT
);
-- dim_job_family: Job families (data engineer, data scientist, ...), from title rules in sql/reference/job_families.csv.

CREATE TABLE dim_source (
    source_key  INTEGER PRIMARY KEY,
    source      TEXT,
    source_name TEXT,
    source_kind TEXT NOT NULL,
    homepage    TEXT
);
-- dim_source: Where postings come from: job APIs and scraped boards.
-- dim_source.source_kind: api or scrape.

CREATE TABLE dim_contract (
    contract_key  INTEGER PRIMARY KEY,
    contract_type TEXT NOT NULL,
    working_time  TEXT NOT NULL
);
-- dim_contract: Contract type and working time; unknown when the posting does not say.

CREATE TABLE dim_skill (
    skill_key    INTEGER PRIMARY KEY,
    skill        TEXT,
    skill_family TEXT
);
-- dim_skill: Skills of the dictionary (sql/reference/skills.csv).

CREATE TABLE fact_job_posting (
    posting_key           INTEGER PRIMARY KEY,
    posting_id            TEXT,
    date_key              INTEGER REFERENCES dim_date (date_key),
    company_key           INTEGER REFERENCES dim_company (company_key),
    location_key          INTEGER REFERENCES dim_location (location_key),
    job_family_key        INTEGER REFERENCES dim_job_family (job_family_key),
    contract_key          INTEGER REFERENCES dim_contract (contract_key),
    source_key            INTEGER REFERENCES dim_source (source_key),
    title                 TEXT,
    url                   TEXT,
    remote                INTEGER NOT NULL,
    salary_currency       TEXT,
    salary_period         TEXT,
    salary_annual_min     REAL,
    salary_annual_max     REAL,
    salary_annual_mid_eur REAL,
    salary_predicted      INTEGER NOT NULL,
    skill_count           INTEGER NOT NULL,
    listings              INTEGER NOT NULL,
    source_count          INTEGER,
    posted_date           TEXT,
    first_seen            TEXT,
    last_seen             TEXT,
    posted_month          TEXT
);
-- fact_job_posting: One row per deduplicated job posting (the same job on several sources is one row).
-- fact_job_posting.posting_id: Stable id of the deduplicated posting in the lake (silver.job_postings).
-- fact_job_posting.salary_annual_mid_eur: Midpoint of the annual salary range in EUR; NULL when unknown or implausible.
-- fact_job_posting.salary_predicted: True when the source estimated the salary (Adzuna) rather than the employer publishing it.
-- fact_job_posting.listings: How many source records were merged into this posting.
-- fact_job_posting.source_count: How many distinct sources published it.
-- fact_job_posting.posted_month: yyyy-mm of posted_date.
CREATE INDEX fact_job_posting_date_key ON fact_job_posting (date_key);
CREATE INDEX fact_job_posting_company_key ON fact_job_posting (company_key);
CREATE INDEX fact_job_posting_location_key ON fact_job_posting (location_key);
CREATE INDEX fact_job_posting_job_family_key ON fact_job_posting (job_family_key);
CREATE INDEX fact_job_posting_contract_key ON fact_job_posting (contract_key);
CREATE INDEX fact_job_posting_source_key ON fact_job_posting (source_key);
CREATE INDEX fact_job_posting_posted_date ON fact_job_posting (posted_date);

CREATE TABLE bridge_posting_skill (
    posting_key INTEGER NOT NULL REFERENCES fact_job_posting (posting_key),
    skill_key   INTEGER NOT NULL REFERENCES dim_skill (skill_key),
    PRIMARY KEY (posting_key, skill_key)
);
-- bridge_posting_skill: Skills mentioned by each posting (many to many).
CREATE INDEX bridge_posting_skill_skill_key ON bridge_posting_skill (skill_key);

CREATE TABLE agg_postings_daily (
    posted_date          TEXT,
    source               TEXT NOT NULL,
    job_family           TEXT,
    postings             INTEGER NOT NULL,
    remote_postings      INTEGER NOT NULL,
    postings_with_salary INTEGER NOT NULL
);
-- agg_postings_daily: Postings per day, source and job family.
CREATE INDEX agg_postings_daily_posted_date ON agg_postings_daily (posted_date);

CREATE TABLE agg_skill_demand_monthly (
    posted_month    TEXT,
    job_family      TEXT,
    skill           TEXT,
    skill_family    TEXT,
    postings        INTEGER NOT NULL,
    family_postings INTEGER NOT NULL,
    share           REAL NOT NULL
);
-- agg_skill_demand_monthly: Per month and job family: postings mentioning each skill, and their share of the family's postings.
-- agg_skill_demand_monthly.share: postings / family_postings, between 0 and 1.
CREATE INDEX agg_skill_demand_monthly_month ON agg_skill_demand_monthly (posted_month, job_family);

CREATE TABLE agg_salary_by_family_region (
    job_family           TEXT,
    country              TEXT,
    region               TEXT NOT NULL,
    postings_with_salary INTEGER NOT NULL,
    salary_p25_eur       REAL,
    salary_median_eur    REAL,
    salary_p75_eur       REAL,
    salary_mean_eur      REAL
);
-- agg_salary_by_family_region: Annual salary quartiles in EUR per job family and region (exact percentiles; excludes salaries estimated by sources).

CREATE TABLE agg_hiring_companies_monthly (
    posted_month    TEXT,
    company_key     INTEGER,
    company_name    TEXT,
    postings        INTEGER NOT NULL,
    job_families    INTEGER NOT NULL,
    remote_postings INTEGER,
    rank_in_month   INTEGER NOT NULL
);
-- agg_hiring_companies_monthly: Companies by postings per month, with their rank in the month.
CREATE INDEX agg_hiring_companies_monthly_month ON agg_hiring_companies_monthly (posted_month, rank_in_month);

CREATE TABLE joblake_mirror_state (
    table_name    TEXT PRIMARY KEY,
    delta_version INTEGER NOT NULL,
    row_count     INTEGER NOT NULL,
    mirrored_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- joblake_mirror_state: Which Delta version of each gold table the warehouse holds; written in the same transaction as the data.
