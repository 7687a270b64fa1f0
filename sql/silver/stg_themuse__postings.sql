-- The Muse jobs from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- The Muse gives no salary and no contract type (a `levels` entry may say "Internship");
-- `contents` is HTML. A job lists its places: "City, ST" in the US and Canada ("Paramount,
-- CA"), "City, Country" elsewhere ("Madrid, Spain"), or "Flexible / Remote". The first place
-- is read: a US state or Canadian province after the comma (by code, or by name unless the name
-- is a country's) gives the region and the country (ref.subdivisions); anything else after the
-- last comma is taken for a country. publication_date is RFC 3339.
WITH jobs AS (
    SELECT
        b.*,
        nullif(trim(json_get_str(b.payload, 'locations', 0, 'name')), '') AS place
    FROM bronze.themuse b
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
    coalesce(json_get_str(payload, 'refs', 'landing_page'), url) AS url,
    parse_error,
    json_get_str(payload, 'name') AS title,
    json_get_str(payload, 'company', 'name') AS company,
    json_get_str(payload, 'contents') AS description,
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
    -- Any of its places may be "Flexible / Remote".
    CASE WHEN regexp_like(lower(json_get_json(payload, 'locations')), '\bremote\b') THEN true END AS remote,
    CASE WHEN json_get_json(payload, 'levels') LIKE '%"Internship"%' THEN 'Internship' END AS contract_raw,
    CAST(NULL AS VARCHAR) AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'publication_date') AS posted_raw,
    json_get_str(payload, 'categories', 0, 'name') AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM placed
