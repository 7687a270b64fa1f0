-- Every bronze record, normalized, exactly once: valid ones with their matching keys, the others with a reject_reason.
-- grain: bronze_file, bronze_line
-- materialized: incremental
-- partition_by: source
-- unique: bronze_file, bronze_line
-- not_null: bronze_file, bronze_line, source
-- Incremental: each refresh appends the records of bronze files not read before (the runner
-- reads the set of consumed files from bronze_file). Matching across sources uses match_key
-- (title and company normalized: case, accents, punctuation, gender markers, legal forms),
-- city_key (the city without arrondissement numbers) and country.
WITH staged AS (
    SELECT * FROM silver.stg_adzuna__postings
    UNION ALL SELECT * FROM silver.stg_france_travail__postings
    UNION ALL SELECT * FROM silver.stg_remotive__postings
    UNION ALL SELECT * FROM silver.stg_arbeitnow__postings
    UNION ALL SELECT * FROM silver.stg_jsonld__postings
    UNION ALL SELECT * FROM silver.stg_remoteok__postings
),
typed AS (
    SELECT
        s.*,
        nullif(trim(regexp_replace(html_to_text(s.title), '\s+', ' ', 'g')), '') AS title_clean,
        nullif(trim(regexp_replace(html_to_text(s.company), '\s+', ' ', 'g')), '') AS company_clean,
        html_to_text(s.description) AS description_text,
        coalesce(country_code(s.country), country_code(s.region)) AS country_code,
        parse_salary(s.salary_text) AS salary_parsed,
        CASE
            WHEN s.source = 'arbeitnow' AND s.posted_raw IS NOT NULL
                THEN to_timestamp_seconds(try_cast(s.posted_raw AS BIGINT))
            ELSE parse_timestamp(s.posted_raw)
        END AS posted_at
    FROM staged s
),
normalized AS (
    SELECT
        t.*,
        coalesce(t.salary_min, t.salary_parsed['min']) AS salary_min_n,
        coalesce(t.salary_max, t.salary_parsed['max']) AS salary_max_n,
        coalesce(t.salary_period, t.salary_parsed['period'],
                 guess_salary_period(t.salary_parsed['max'])) AS salary_period_n,
        coalesce(upper(t.salary_currency), t.salary_parsed['currency'], cc.currency) AS salary_currency_n
    FROM typed t
    LEFT JOIN ref.country_currencies cc ON cc.iso2 = t.country_code
)
SELECT
    n.bronze_file,
    n.bronze_line,
    n.ingest_date,
    n.source,
    n.source_id,
    n.fetched_at,
    n.url,
    n.title_clean AS title,
    coalesce(n.company_clean, 'Unknown') AS company,
    n.description_text AS description,
    nullif(trim(n.city), '') AS city,
    CASE WHEN n.country_code IS NOT NULL AND upper(trim(n.region)) = n.country_code THEN NULL
         ELSE coalesce(fr.region, nullif(trim(n.region), '')) END AS region,
    n.country_code AS country,
    n.postal_code,
    n.latitude,
    n.longitude,
    coalesce(n.remote, regexp_like(lower(concat_ws(' ', n.title, n.city)),
             '\b(remote|full remote|télétravail|teletravail|home office|homeoffice)\b'), false) AS remote,
    coalesce(contract_type(n.contract_raw), contract_type(n.title_clean)) AS contract_type,
    working_time(n.working_time_raw) AS working_time,
    n.salary_min_n AS salary_min,
    n.salary_max_n AS salary_max,
    CASE WHEN n.salary_min_n IS NOT NULL THEN n.salary_currency_n END AS salary_currency,
    CASE WHEN n.salary_min_n IS NOT NULL THEN n.salary_period_n END AS salary_period,
    n.salary_min_n * sp.annual_factor AS salary_annual_min,
    n.salary_max_n * sp.annual_factor AS salary_annual_max,
    -- Implausible annual figures (e.g. Adzuna's 5-5 or 11-15 "annual" salaries) are kept as
    -- published but left out of the comparable EUR figure.
    CASE WHEN (n.salary_min_n + n.salary_max_n) / 2 * sp.annual_factor * fx.eur_per_unit BETWEEN 3000 AND 2000000
         THEN (n.salary_min_n + n.salary_max_n) / 2 * sp.annual_factor * fx.eur_per_unit END AS salary_annual_mid_eur,
    coalesce(n.salary_predicted, false) AS salary_predicted,
    n.salary_text,
    extract_skills(concat_ws(' ', n.title_clean, n.description_text)) AS skills,
    job_family(n.title_clean) AS job_family,
    n.category_raw AS source_category,
    coalesce(n.posted_at, n.fetched_at) AS posted_at,
    CAST(coalesce(n.posted_at, n.fetched_at) AS DATE) AS posted_date,
    concat_ws('|', normalize_key(n.title_clean), normalize_company(coalesce(n.company_clean, ''))) AS match_key,
    nullif(regexp_replace(normalize_key(n.city), '\s+(\d+|\d+e|\d+er|\d+eme|cedex)(\s.*)?$', ''), '') AS city_key,
    CASE
        WHEN n.parse_error IS NOT NULL THEN 'malformed_envelope: ' || n.parse_error
        WHEN n.title_clean IS NULL THEN 'missing_title'
        WHEN n.posted_raw IS NOT NULL AND n.posted_at IS NULL THEN 'invalid_posted_date: ' || n.posted_raw
        WHEN n.salary_min_n < 0 OR n.salary_max_n < 0 THEN 'negative_salary'
        WHEN n.salary_min_n > n.salary_max_n THEN 'salary_min_above_max'
    END AS reject_reason
FROM normalized n
LEFT JOIN ref.salary_periods sp ON sp.period = n.salary_period_n
LEFT JOIN ref.currency_rates fx ON fx.currency = n.salary_currency_n
-- One spelling per French region ("Ile-de-France" from Adzuna is "Île-de-France").
LEFT JOIN (SELECT DISTINCT region, normalize_key(region) AS region_key FROM ref.fr_departments) fr
    ON n.country_code = 'FR' AND fr.region_key = normalize_key(n.region)
