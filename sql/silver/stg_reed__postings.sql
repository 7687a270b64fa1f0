-- Reed.co.uk search results from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Reed is a UK board. minimumSalary/maximumSalary are the employer's figures, yearly, daily or
-- hourly with no period stated (the shared normaliser decides it), 0 or null when not given,
-- in `currency`. locationName is a town or a postcode ("BS15HH", "WC2H0HF"): a postcode goes to
-- postal_code. date and expirationDate are dd/mm/yyyy; jobDescription is a snippet. Search
-- results say nothing of the contract or the working time.
SELECT
    bronze_file,
    bronze_line,
    ingest_date,
    source,
    source_id,
    fetched_at,
    run_id,
    coalesce(json_get_str(payload, 'jobUrl'), url) AS url,
    parse_error,
    json_get_str(payload, 'jobTitle') AS title,
    json_get_str(payload, 'employerName') AS company,
    json_get_str(payload, 'jobDescription') AS description,
    CASE WHEN NOT regexp_like(trim(json_get_str(payload, 'locationName')),
                              '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$')
         THEN nullif(trim(json_get_str(payload, 'locationName')), '') END AS city,
    CAST(NULL AS VARCHAR) AS region,
    'GB' AS country,
    CASE WHEN regexp_like(trim(json_get_str(payload, 'locationName')),
                          '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$')
         THEN trim(json_get_str(payload, 'locationName')) END AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    CAST(NULL AS BOOLEAN) AS remote,
    CAST(NULL AS VARCHAR) AS contract_raw,
    CAST(NULL AS VARCHAR) AS working_time_raw,
    nullif(json_get_float(payload, 'minimumSalary'), 0) AS salary_min,
    nullif(json_get_float(payload, 'maximumSalary'), 0) AS salary_max,
    json_get_str(payload, 'currency') AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'date') AS posted_raw,
    CAST(NULL AS VARCHAR) AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM bronze.reed
