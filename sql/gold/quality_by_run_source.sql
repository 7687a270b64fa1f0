-- Data quality of each landing run and source: how many records it brought, how many were
-- quarantined and why, how many repeated a posting already known, how complete each field is,
-- and how fresh the postings are. `joblake quality` reads it and checks it against the
-- thresholds of joblake.toml ([quality]); a scheduled run logs the check as its `quality` step.
-- grain: run_id, source
-- materialized: table
-- mirror: aggregate
-- unique: run_id, source
-- not_null: run_id, source, landed_at, records, valid, rejected, reject_share, duplicates
-- The run is the envelope's run_id (the one from landing to meta.runs; a streamed batch holds
-- records of several producer runs), else the bronze file name's (<run_id>-<n>.ndjson.gz).
WITH records AS (
    SELECT
        coalesce(run_id, regexp_replace(bronze_file, '^.*/|-[0-9]+\.ndjson(\.gz)?$', '', 'g')) AS run_id,
        source,
        source_id,
        fetched_at,
        reject_reason,
        company,
        description_length,
        city,
        country,
        salary_min IS NOT NULL AND NOT salary_predicted AS has_salary,
        contract_type,
        posted_date,
        cardinality(skills) > 0 AS has_skills,
        job_family
    FROM silver.posting_records
),
-- Listings merged into a posting another listing founded.
merged AS (
    SELECT source, source_id FROM silver.posting_matches WHERE rule <> 'first_listing'
),
reasons AS (
    SELECT run_id, source, string_agg(reason || ': ' || CAST(n AS VARCHAR), ', ' ORDER BY n DESC, reason) AS rejects_by_reason
    FROM (
        SELECT run_id, source, split_part(reject_reason, ':', 1) AS reason, count(*) AS n
        FROM records
        WHERE reject_reason IS NOT NULL
        GROUP BY run_id, source, split_part(reject_reason, ':', 1)
    ) r
    GROUP BY run_id, source
),
counts AS (
    SELECT
        r.run_id,
        r.source,
        min(r.fetched_at) AS landed_at,
        count(*) AS records,
        count(*) FILTER (WHERE r.reject_reason IS NULL) AS valid,
        count(*) FILTER (WHERE r.reject_reason IS NOT NULL) AS rejected,
        count(DISTINCT CASE WHEN m.source_id IS NOT NULL AND r.reject_reason IS NULL THEN r.source_id END) AS duplicates,
        -- silver writes 'Unknown' for a posting without a company.
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.company <> 'Unknown') AS with_company,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.description_length > 0) AS with_description,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.city IS NOT NULL) AS with_city,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.country IS NOT NULL) AS with_country,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.has_salary) AS with_salary,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.contract_type IS NOT NULL) AS with_contract,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.posted_date IS NOT NULL) AS with_posted_date,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.has_skills) AS with_skills,
        count(*) FILTER (WHERE r.reject_reason IS NULL AND r.job_family <> 'other') AS with_job_family,
        max(r.posted_date) AS latest_posted_date
    FROM records r
    LEFT JOIN merged m ON m.source = r.source AND m.source_id = r.source_id
    GROUP BY r.run_id, r.source
)
SELECT
    c.run_id,
    c.source,
    c.landed_at,
    c.records,
    c.valid,
    c.rejected,
    CAST(c.rejected AS DOUBLE) / c.records AS reject_share,
    q.rejects_by_reason,
    c.duplicates,
    -- Completeness: the share of valid records with the field (NULL when none is valid).
    CAST(c.with_company AS DOUBLE) / nullif(c.valid, 0) AS company_share,
    CAST(c.with_description AS DOUBLE) / nullif(c.valid, 0) AS description_share,
    CAST(c.with_city AS DOUBLE) / nullif(c.valid, 0) AS city_share,
    CAST(c.with_country AS DOUBLE) / nullif(c.valid, 0) AS country_share,
    CAST(c.with_salary AS DOUBLE) / nullif(c.valid, 0) AS salary_share,
    CAST(c.with_contract AS DOUBLE) / nullif(c.valid, 0) AS contract_share,
    CAST(c.with_posted_date AS DOUBLE) / nullif(c.valid, 0) AS posted_date_share,
    CAST(c.with_skills AS DOUBLE) / nullif(c.valid, 0) AS skills_share,
    CAST(c.with_job_family AS DOUBLE) / nullif(c.valid, 0) AS job_family_share,
    c.latest_posted_date
FROM counts c
LEFT JOIN reasons q ON q.run_id = c.run_id AND q.source = c.source
