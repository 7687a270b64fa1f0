-- RemoteOK API jobs from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- RemoteOK writes 0 for an unknown salary (USD, yearly); every job is remote.
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
    json_get_str(payload, 'position') AS title,
    json_get_str(payload, 'company') AS company,
    json_get_str(payload, 'description') AS description,
    -- location is free text: "Los Angeles", "Londonderry, New Hampshire", "United States",
    -- "Remote". Its first part is a city unless it names a country or says remote.
    CASE WHEN country_code(split_part(json_get_str(payload, 'location'), ',', 1)) IS NULL
              AND NOT regexp_like(lower(json_get_str(payload, 'location')),
                                  'remote|worldwide|anywhere|global|europe|americas|asia|apac|emea|latam|timezone')
         THEN nullif(trim(split_part(json_get_str(payload, 'location'), ',', 1)), '') END AS city,
    json_get_str(payload, 'location') AS region,
    json_get_str(payload, 'location') AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    true AS remote,
    CAST(NULL AS VARCHAR) AS contract_raw,
    CAST(NULL AS VARCHAR) AS working_time_raw,
    nullif(json_get_float(payload, 'salary_min'), 0) AS salary_min,
    nullif(json_get_float(payload, 'salary_max'), 0) AS salary_max,
    CASE WHEN nullif(json_get_float(payload, 'salary_min'), 0) IS NOT NULL THEN 'USD' END AS salary_currency,
    CASE WHEN nullif(json_get_float(payload, 'salary_min'), 0) IS NOT NULL THEN 'year' END AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'date') AS posted_raw,
    CAST(NULL AS VARCHAR) AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM bronze.remoteok
