-- Adzuna search results from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Adzuna publishes salaries as bare numbers (salary_is_predicted = "1" marks its own estimates)
-- in the currency of the searched country; location.area runs from country to city.
SELECT
    bronze_file,
    bronze_line,
    ingest_date,
    source,
    source_id,
    fetched_at,
    run_id,
    coalesce(json_get_str(payload, 'redirect_url'), url) AS url,
    parse_error,
    json_get_str(payload, 'title') AS title,
    json_get_str(payload, 'company', 'display_name') AS company,
    json_get_str(payload, 'description') AS description,
    -- display_name is "<deepest place>, <its parent>": an arrondissement gives its city; an
    -- area of one or two levels (a country, a region) names no city.
    CASE
        -- A city-state's region is its city (a listing placed in "Berlin" or "London").
        WHEN json_length(payload, 'location', 'area') = 2
             AND json_get_str(payload, 'location', 'area', 1) IN ('London', 'Berlin', 'Hamburg', 'Bremen', 'Wien')
            THEN json_get_str(payload, 'location', 'area', 1)
        WHEN json_length(payload, 'location', 'area') <= 2 THEN NULL
        -- Adzuna's UK region "London" holds only London's own districts ("Battersea").
        WHEN json_get_str(payload, 'location', 'area', 0) = 'UK'
             AND json_get_str(payload, 'location', 'area', 1) = 'London' THEN 'London'
        -- In France the third level is the département: a city only for Paris.
        WHEN json_length(payload, 'location', 'area') = 3
             AND json_get_str(payload, 'location', 'area', 0) = 'France'
             AND json_get_str(payload, 'location', 'area', 2) <> 'Paris' THEN NULL
        WHEN lower(split_part(json_get_str(payload, 'location', 'display_name'), ',', 1)) LIKE '%arrondissement%'
            THEN trim(split_part(json_get_str(payload, 'location', 'display_name'), ',', 2))
        ELSE trim(split_part(json_get_str(payload, 'location', 'display_name'), ',', 1))
    END AS city,
    json_get_str(payload, 'location', 'area', 1) AS region,
    json_get_str(payload, 'location', 'area', 0) AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    json_get_float(payload, 'latitude') AS latitude,
    json_get_float(payload, 'longitude') AS longitude,
    CAST(NULL AS BOOLEAN) AS remote,
    json_get_str(payload, 'contract_type') AS contract_raw,
    json_get_str(payload, 'contract_time') AS working_time_raw,
    json_get_float(payload, 'salary_min') AS salary_min,
    json_get_float(payload, 'salary_max') AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    -- No period: Adzuna's figures are yearly, monthly, hourly or day rates depending on the ad;
    -- the shared normaliser decides it from the magnitude, contract and wording.
    CAST(NULL AS VARCHAR) AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    json_get_str(payload, 'salary_is_predicted') = '1' AS salary_predicted,
    json_get_str(payload, 'created') AS posted_raw,
    json_get_str(payload, 'category', 'label') AS category_raw,
    -- The département, by name, when the place is in France (area: country, region, département, ...).
    CASE WHEN json_get_str(payload, 'location', 'area', 0) = 'France' THEN json_get_str(payload, 'location', 'area', 2) END AS departement_raw
FROM bronze.adzuna
