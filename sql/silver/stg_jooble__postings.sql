-- Jooble search results from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Jooble aggregates other boards (`source`): salary is free text ("$140.25k - $189.75k",
-- "$50 - $55 per hour"), snippet a short text with HTML entities, type the contract or working
-- time ("Full-time", "Temporary", often empty), updated a naive date-time (taken as UTC) and the
-- only date given. location is "City, ST" in the US and Canada ("Key West, FL"), a state
-- ("Arizona"), a country ("United States") or a city: a US state or Canadian province (by code
-- after a comma, or by name unless the name is a country's) gives the region and the country
-- (ref.subdivisions); anything else after the last comma is taken for a country.
WITH jobs AS (
    SELECT
        b.*,
        nullif(trim(json_get_str(b.payload, 'location')), '') AS place
    FROM bronze.jooble b
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
    coalesce(json_get_str(payload, 'link'), url) AS url,
    parse_error,
    json_get_str(payload, 'title') AS title,
    json_get_str(payload, 'company') AS company,
    json_get_str(payload, 'snippet') AS description,
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
    coalesce(state_country, CASE WHEN country_code(place_last) IS NOT NULL THEN place_last END) AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    CASE WHEN place_remote THEN true END AS remote,
    nullif(trim(json_get_str(payload, 'type')), '') AS contract_raw,
    nullif(trim(json_get_str(payload, 'type')), '') AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    nullif(trim(json_get_str(payload, 'salary')), '') AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'updated') AS posted_raw,
    CAST(NULL AS VARCHAR) AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM placed
