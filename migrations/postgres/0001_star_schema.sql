-- The gold star schema and aggregates, mirrored from the lake by `joblake mirror`.
-- Schema `gold` is what BI tools read; schema `joblake` holds the loader's own tables
-- (staging tables and which Delta version of each gold table the warehouse holds).
-- Surrogate keys are computed in the lake from natural keys (stable_key: 63 bits of SHA-256),
-- so they do not change between refreshes and saved BI questions keep working.

CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS joblake;
COMMENT ON SCHEMA gold IS 'Job-market star schema mirrored from the joblake lake (gold layer). Read-only for BI tools.';
COMMENT ON SCHEMA joblake IS 'joblake loader internals: staging tables and mirror state. Not for BI tools.';

CREATE TABLE gold.dim_date (
    date_key    bigint PRIMARY KEY,
    date        date NOT NULL,
    year        integer,
    quarter     integer,
    month       integer,
    year_month  text,
    month_name  text,
    iso_week    integer,
    day_of_week integer,
    day_name    text,
    is_weekend  boolean
);
COMMENT ON TABLE gold.dim_date IS 'One row per calendar day from the first to the last posting date.';
COMMENT ON COLUMN gold.dim_date.date_key IS 'yyyymmdd as an integer, e.g. 20261124.';
COMMENT ON COLUMN gold.dim_date.year_month IS 'yyyy-mm, for monthly grouping.';
COMMENT ON COLUMN gold.dim_date.day_of_week IS 'ISO day of week: 1 = Monday ... 7 = Sunday.';

CREATE TABLE gold.dim_company (
    company_key  bigint PRIMARY KEY,
    company_norm text,
    company_name text,
    postings     bigint
);
COMMENT ON TABLE gold.dim_company IS 'One row per normalized company name (case, accents, legal forms removed).';
COMMENT ON COLUMN gold.dim_company.company_name IS 'The most frequent spelling of the name in the postings.';
COMMENT ON COLUMN gold.dim_company.postings IS 'Deduplicated postings of the company.';

CREATE TABLE gold.dim_location (
    location_key bigint PRIMARY KEY,
    country_code text,
    country_name text,
    region       text,
    city         text
);
COMMENT ON TABLE gold.dim_location IS 'One row per (country, region, city) seen in postings.';
COMMENT ON COLUMN gold.dim_location.country_code IS 'ISO 3166-1 alpha-2.';
COMMENT ON COLUMN gold.dim_location.region IS 'Region (for France: the région of the département).';

CREATE TABLE gold.dim_job_family (
    job_family_key  bigint PRIMARY KEY,
    job_family      text,
    job_family_name text
);
COMMENT ON TABLE gold.dim_job_family IS 'Job families (data engineer, data scientist, ...), from title rules in sql/reference/job_families.csv.';

CREATE TABLE gold.dim_source (
    source_key  bigint PRIMARY KEY,
    source      text,
    source_name text,
    source_kind text NOT NULL,
    homepage    text
);
COMMENT ON TABLE gold.dim_source IS 'Where postings come from: job APIs and scraped boards.';
COMMENT ON COLUMN gold.dim_source.source_kind IS 'api or scrape.';

CREATE TABLE gold.dim_contract (
    contract_key  bigint PRIMARY KEY,
    contract_type text NOT NULL,
    working_time  text NOT NULL
);
COMMENT ON TABLE gold.dim_contract IS 'Contract type and working time; unknown when the posting does not say.';

CREATE TABLE gold.dim_skill (
    skill_key    bigint PRIMARY KEY,
    skill        text,
    skill_family text
);
COMMENT ON TABLE gold.dim_skill IS 'Skills of the dictionary (sql/reference/skills.csv).';

CREATE TABLE gold.fact_job_posting (
    posting_key           bigint PRIMARY KEY,
    posting_id            text,
    date_key              bigint REFERENCES gold.dim_date (date_key),
    company_key           bigint REFERENCES gold.dim_company (company_key),
    location_key          bigint REFERENCES gold.dim_location (location_key),
    job_family_key        bigint REFERENCES gold.dim_job_family (job_family_key),
    contract_key          bigint REFERENCES gold.dim_contract (contract_key),
    source_key            bigint REFERENCES gold.dim_source (source_key),
    title                 text,
    url                   text,
    remote                boolean NOT NULL,
    salary_currency       text,
    salary_period         text,
    salary_annual_min     double precision,
    salary_annual_max     double precision,
    salary_annual_mid_eur double precision,
    salary_predicted      boolean NOT NULL,
    skill_count           bigint NOT NULL,
    listings              bigint NOT NULL,
    source_count          bigint,
    posted_date           date,
    first_seen            timestamptz,
    last_seen             timestamptz,
    posted_month          text
);
COMMENT ON TABLE gold.fact_job_posting IS 'One row per deduplicated job posting (the same job on several sources is one row).';
COMMENT ON COLUMN gold.fact_job_posting.posting_id IS 'Stable id of the deduplicated posting in the lake (silver.job_postings).';
COMMENT ON COLUMN gold.fact_job_posting.salary_annual_mid_eur IS 'Midpoint of the annual salary range in EUR; NULL when unknown or implausible.';
COMMENT ON COLUMN gold.fact_job_posting.salary_predicted IS 'True when the source estimated the salary (Adzuna) rather than the employer publishing it.';
COMMENT ON COLUMN gold.fact_job_posting.listings IS 'How many source records were merged into this posting.';
COMMENT ON COLUMN gold.fact_job_posting.source_count IS 'How many distinct sources published it.';
COMMENT ON COLUMN gold.fact_job_posting.posted_month IS 'yyyy-mm of posted_date.';
CREATE INDEX fact_job_posting_date_key ON gold.fact_job_posting (date_key);
CREATE INDEX fact_job_posting_company_key ON gold.fact_job_posting (company_key);
CREATE INDEX fact_job_posting_location_key ON gold.fact_job_posting (location_key);
CREATE INDEX fact_job_posting_job_family_key ON gold.fact_job_posting (job_family_key);
CREATE INDEX fact_job_posting_contract_key ON gold.fact_job_posting (contract_key);
CREATE INDEX fact_job_posting_source_key ON gold.fact_job_posting (source_key);
CREATE INDEX fact_job_posting_posted_date ON gold.fact_job_posting (posted_date);

CREATE TABLE gold.bridge_posting_skill (
    posting_key bigint NOT NULL REFERENCES gold.fact_job_posting (posting_key),
    skill_key   bigint NOT NULL REFERENCES gold.dim_skill (skill_key),
    PRIMARY KEY (posting_key, skill_key)
);
COMMENT ON TABLE gold.bridge_posting_skill IS 'Skills mentioned by each posting (many to many).';
CREATE INDEX bridge_posting_skill_skill_key ON gold.bridge_posting_skill (skill_key);

CREATE TABLE gold.agg_postings_daily (
    posted_date          date,
    source               text NOT NULL,
    job_family           text,
    postings             bigint NOT NULL,
    remote_postings      bigint NOT NULL,
    postings_with_salary bigint NOT NULL
);
COMMENT ON TABLE gold.agg_postings_daily IS 'Postings per day, source and job family.';
CREATE INDEX agg_postings_daily_posted_date ON gold.agg_postings_daily (posted_date);

CREATE TABLE gold.agg_skill_demand_monthly (
    posted_month    text,
    job_family      text,
    skill           text,
    skill_family    text,
    postings        bigint NOT NULL,
    family_postings bigint NOT NULL,
    share           double precision NOT NULL
);
COMMENT ON TABLE gold.agg_skill_demand_monthly IS 'Per month and job family: postings mentioning each skill, and their share of the family''s postings.';
COMMENT ON COLUMN gold.agg_skill_demand_monthly.share IS 'postings / family_postings, between 0 and 1.';
CREATE INDEX agg_skill_demand_monthly_month ON gold.agg_skill_demand_monthly (posted_month, job_family);

CREATE TABLE gold.agg_salary_by_family_region (
    job_family           text,
    country              text,
    region               text NOT NULL,
    postings_with_salary bigint NOT NULL,
    salary_p25_eur       double precision,
    salary_median_eur    double precision,
    salary_p75_eur       double precision,
    salary_mean_eur      double precision
);
COMMENT ON TABLE gold.agg_salary_by_family_region IS 'Annual salary quartiles in EUR per job family and region (exact percentiles; excludes salaries estimated by sources).';

CREATE TABLE gold.agg_hiring_companies_monthly (
    posted_month    text,
    company_key     bigint,
    company_name    text,
    postings        bigint NOT NULL,
    job_families    bigint NOT NULL,
    remote_postings bigint,
    rank_in_month   bigint NOT NULL
);
COMMENT ON TABLE gold.agg_hiring_companies_monthly IS 'Companies by postings per month, with their rank in the month.';
CREATE INDEX agg_hiring_companies_monthly_month ON gold.agg_hiring_companies_monthly (posted_month, rank_in_month);

CREATE TABLE joblake.mirror_state (
    table_name    text PRIMARY KEY,
    delta_version bigint NOT NULL,
    row_count     bigint NOT NULL,
    mirrored_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE joblake.mirror_state IS 'Which Delta version of each gold table the warehouse holds; written in the same transaction as the data.';
