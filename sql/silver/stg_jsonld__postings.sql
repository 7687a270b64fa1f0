-- schema.org JobPosting objects (JSON-LD extracted from job pages) from bronze, renamed and cast.
-- grain: bronze_file, bronze_line
-- materialized: view
-- jobLocation may be one Place or an array of them (the first is taken); baseSalary is a
-- MonetaryAmount whose value holds minValue/maxValue or a single value, per unitText.
-- joblakeSalaryText is not schema.org: the scraper's CSS selectors put a page's salary text
-- there when the page has no JSON-LD.
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
    json_get_str(payload, 'title') AS title,
    coalesce(json_get_str(payload, 'hiringOrganization', 'name'),
             json_get_str(payload, 'hiringOrganization')) AS company,
    json_get_str(payload, 'description') AS description,
    coalesce(json_get_str(payload, 'jobLocation', 'address', 'addressLocality'),
             json_get_str(payload, 'jobLocation', 0, 'address', 'addressLocality')) AS city,
    coalesce(json_get_str(payload, 'jobLocation', 'address', 'addressRegion'),
             json_get_str(payload, 'jobLocation', 0, 'address', 'addressRegion')) AS region,
    coalesce(json_get_str(payload, 'jobLocation', 'address', 'addressCountry'),
             json_get_str(payload, 'jobLocation', 'address', 'addressCountry', 'name'),
             json_get_str(payload, 'jobLocation', 0, 'address', 'addressCountry'),
             json_get_str(payload, 'jobLocation', 0, 'address', 'addressCountry', 'name')) AS country,
    coalesce(json_get_str(payload, 'jobLocation', 'address', 'postalCode'),
             json_get_str(payload, 'jobLocation', 0, 'address', 'postalCode')) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    CASE WHEN json_get_str(payload, 'jobLocationType') = 'TELECOMMUTE' THEN true END AS remote,
    json_as_text(payload, 'employmentType') AS contract_raw,
    json_as_text(payload, 'employmentType') AS working_time_raw,
    coalesce(json_get_float(payload, 'baseSalary', 'value', 'minValue'),
             json_get_float(payload, 'baseSalary', 'value', 'value')) AS salary_min,
    coalesce(json_get_float(payload, 'baseSalary', 'value', 'maxValue'),
             json_get_float(payload, 'baseSalary', 'value', 'value')) AS salary_max,
    json_get_str(payload, 'baseSalary', 'currency') AS salary_currency,
    lower(json_get_str(payload, 'baseSalary', 'value', 'unitText')) AS salary_period,
    json_get_str(payload, 'joblakeSalaryText') AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'datePosted') AS posted_raw,
    json_get_str(payload, 'occupationalCategory') AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM bronze.jsonld
