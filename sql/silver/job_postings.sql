-- One row per distinct posting across all sources: cleaned, normalized, enriched.
-- grain: posting_id
-- materialized: table
-- partition_by: posted_month
-- unique: posting_id
-- not_null: posting_id, title, company, primary_source, posted_date, posted_month, first_seen, last_seen, job_family
-- accepted_values: contract_type in ('permanent', 'fixed_term', 'temporary', 'freelance', 'internship', 'apprenticeship', 'working_student')
-- accepted_values: working_time in ('full_time', 'part_time')
-- The values come from the posting's best record: one with a salary, then the longest
-- description, then the latest fetch; sources, first/last seen and counts cover all of them.
WITH ranked AS (
    SELECT
        r.*,
        row_number() OVER (
            PARTITION BY r.posting_id
            ORDER BY CASE WHEN r.salary_min IS NULL THEN 1 ELSE 0 END,
                     length(r.description) DESC NULLS LAST,
                     r.fetched_at DESC, r.bronze_file DESC, r.bronze_line DESC) AS pick
    FROM silver.int_posting_records r
),
seen AS (
    SELECT
        posting_id,
        array_sort(array_distinct(array_agg(source))) AS sources,
        count(DISTINCT source || ':' || source_id) AS listings,
        count(*) AS records,
        min(posted_date) AS posted_date,
        min(fetched_at) AS first_seen,
        max(fetched_at) AS last_seen
    FROM silver.int_posting_records
    GROUP BY posting_id
)
SELECT
    p.posting_id,
    s.sources,
    p.source AS primary_source,
    p.source_id AS primary_source_id,
    p.url,
    p.title,
    p.company,
    p.city,
    p.region,
    p.country,
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
    s.posted_date,
    to_char(s.posted_date, '%Y-%m') AS posted_month,
    s.first_seen,
    s.last_seen,
    s.listings,
    s.records
FROM ranked p
JOIN seen s ON s.posting_id = p.posting_id
WHERE p.pick = 1
