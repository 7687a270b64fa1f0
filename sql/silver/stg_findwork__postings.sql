-- findwork.dev jobs from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- findwork.dev gathers jobs from other boards (`source`: Hacker News, We Work Remotely...): no
-- salary, a remote flag, employment_type ("full time", "contract", often null), text is HTML or
-- plain text, date_posted RFC 3339. location is free text, often null: "City, Country",
-- "Columbus, OH", "Remote (US)", "Onsite (SF)", a list of technologies, even a company's web
-- site. A web address is no place; a US state or Canadian province (by code after a comma, or
-- by name unless the name is a country's) gives the region and the country
-- (ref.subdivisions); a city is only a plain name before the comma of a place that ends in a
-- country or state (or has one comma), or a plain name alone.
WITH jobs AS (
    SELECT
        b.*,
        CASE WHEN NOT regexp_like(lower(json_get_str(b.payload, 'location')), '^\s*(https?://|www\.)')
             THEN nullif(trim(json_get_str(b.payload, 'location')), '') END AS place
    FROM bronze.findwork b
),
subdivisions AS (
    SELECT upper(code) AS place_key, true AS by_code, country FROM ref.subdivisions
    UNION ALL
    SELECT upper(name), false, country FROM ref.subdivisions
),
places AS (
    SELECT
        j.*,
        CASE WHEN j.place LIKE '%,%' THEN trim(split_part(j.place, ',', 1)) END AS place_first,
        trim(reverse(split_part(reverse(j.place), ',', 1))) AS place_last
    FROM jobs j
),
placed AS (
    SELECT
        p.*,
        CASE WHEN s.by_code AND p.place_first IS NOT NULL THEN s.country
             WHEN NOT s.by_code AND country_code(p.place_last) IS NULL THEN s.country
        END AS state_country,
        regexp_like(lower(p.place), '\b(remote|anywhere|worldwide)\b') AS place_remote
    FROM places p
    LEFT JOIN subdivisions s ON s.place_key = upper(p.place_last)
)
SELECT
    bronze_file,
    bronze_line,
    ingest_date,
    source,
    source_id,
    fetched_at,
    run_id,
    coalesce(json_get_str(payload, 'url'), url) AS url,
    parse_error,
    json_get_str(payload, 'role') AS title,
    json_get_str(payload, 'company_name') AS company,
    json_get_str(payload, 'text') AS description,
    -- A city is a plain name: letters, spaces, dots, apostrophes and hyphens.
    CASE
        WHEN place IS NULL OR place_remote THEN NULL
        WHEN place_first IS NOT NULL THEN
            CASE WHEN regexp_like(place_first, '^\p{L}[\p{L} .''-]*$') AND place_first NOT LIKE '% - %'
                  AND (place NOT LIKE '%,%,%' OR state_country IS NOT NULL OR country_code(place_last) IS NOT NULL)
                 THEN place_first END
        WHEN state_country IS NOT NULL OR country_code(place) IS NOT NULL THEN NULL
        WHEN regexp_like(place, '^\p{L}[\p{L} .''-]*$') AND place NOT LIKE '% - %' THEN place
    END AS city,
    CASE WHEN state_country IS NOT NULL THEN place_last END AS region,
    coalesce(state_country,
             CASE WHEN country_code(place_last) IS NOT NULL THEN place_last END,
             CASE WHEN country_code(place) IS NOT NULL THEN place END) AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    json_get_bool(payload, 'remote') AS remote,
    json_get_str(payload, 'employment_type') AS contract_raw,
    json_get_str(payload, 'employment_type') AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'date_posted') AS posted_raw,
    CAST(NULL AS VARCHAR) AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM placed
