-- One row per distinct posting across all sources: cleaned, normalized, enriched.
-- grain: posting_id
-- materialized: table
-- partition_by: posted_month
-- merge_on: posting_id
-- unique: posting_id
-- not_null: posting_id, title, company, primary_source, posted_date, posted_month, first_seen, last_seen, job_family
-- accepted_values: contract_type in ('permanent', 'fixed_term', 'temporary', 'freelance', 'internship', 'apprenticeship', 'working_student')
-- accepted_values: working_time in ('full_time', 'part_time')
-- The values come from the posting's best current record (each listing's latest fetch: a
-- listing whose salary or title changed shows its current state): one with a salary, then the
-- longest description, then the latest fetch; sources, first/last seen and counts cover all of
-- them.
-- The best record is picked on the thin key table; its wide columns (description, skills) are
-- read once, by joining posting_records on the record's position in bronze.
-- The best record of each posting and what all its records say, in passes by posting under
-- a memory limit (joblake_pass, docs/models.md): the two hash joins over every posting
-- needed 2.8 GB at ten million postings.
CREATE TABLE picked AS
WITH best AS (
    SELECT posting_id, bronze_file, bronze_line
    FROM (
        SELECT
            posting_id,
            bronze_file,
            bronze_line,
            row_number() OVER (
                PARTITION BY posting_id
                ORDER BY is_current DESC, has_salary DESC, description_length DESC NULLS LAST,
                         fetched_at DESC, bronze_file DESC, bronze_line DESC) AS pick
        FROM silver.int_posting_keys
        WHERE joblake_pass(posting_id)
    ) ranked
    WHERE pick = 1
),
seen AS (
    SELECT
        posting_id,
        array_sort(array_distinct(array_agg(source))) AS sources,
        count(*) AS listings,
        sum(records) AS records,
        min(posted_date) AS posted_date,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen
    FROM silver.posting_sources
    WHERE joblake_pass(posting_id)
    GROUP BY posting_id
)
SELECT
    b.posting_id,
    b.bronze_file,
    b.bronze_line,
    s.sources,
    s.posted_date,
    s.first_seen,
    s.last_seen,
    s.listings,
    s.records
FROM best b
JOIN seen s ON s.posting_id = b.posting_id;

SELECT
    b.posting_id,
    b.sources,
    p.source AS primary_source,
    p.source_id AS primary_source_id,
    p.url,
    p.title,
    p.company,
    p.city,
    p.region,
    p.country,
    p.departement,
    p.postal_code,
    p.latitude,
    p.longitude,
    p.remote,
    p.contract_type,
    p.working_time,
    p.salary_min,
    p.salary_max,
    p.salary_currency,
    p.salary_period,
    p.salary_annual_min,
    p.salary_annual_max,
    p.salary_annual_mid_eur,
    p.salary_predicted,
    p.description,
    p.skills,
    p.job_family,
    p.source_category,
    b.posted_date,
    to_char(b.posted_date, '%Y-%m') AS posted_month,
    b.first_seen,
    b.last_seen,
    b.listings,
    b.records
FROM picked b
JOIN silver.posting_records p ON p.bronze_file = b.bronze_file AND p.bronze_line = b.bronze_line
-- Whole, unless it runs out of memory (its build side held 1 GB at ten million postings):
-- then in passes by posting, each scanning posting_records again (docs/models.md).
WHERE joblake_pass(b.posting_id)
