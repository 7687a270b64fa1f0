-- The trained models' answers for every posting: the job family (the rules' family where a
-- rule matched, the classifier's where the rules say `other` and it is confident) and an
-- estimated annual salary in EUR with its interval. Estimates, not published figures: a BI
-- tool must label them so. Empty until `joblake train` has stored a model
-- (_meta/models/job_family, _meta/models/salary); each refresh predicts with the newest ones.
-- grain: posting_key
-- materialized: table
-- mirror: star
-- unique: posting_key
-- not_null: posting_key, posting_id, created_at
-- relationships: posting_key -> gold.fact_job_posting.posting_key
WITH predicted AS (
    SELECT
        posting_id,
        predict_posting(
            coalesce(title, ''),
            coalesce(description, ''),
            coalesce(array_to_string(skills, '|'), ''),
            coalesce(job_family, 'other'),
            coalesce(country, ''),
            coalesce(region, ''),
            coalesce(contract_type, ''),
            coalesce(working_time, '')
        ) AS p
    FROM silver.job_postings
)
SELECT
    stable_key(posting_id) AS posting_key,
    posting_id,
    p['family_model_version'] AS family_model_version,
    p['predicted_family'] AS predicted_family,
    p['family_probability'] AS family_probability,
    p['salary_model_version'] AS salary_model_version,
    p['predicted_salary_eur'] AS predicted_salary_eur,
    p['salary_low_eur'] AS salary_low_eur,
    p['salary_high_eur'] AS salary_high_eur,
    p['interval_level'] AS interval_level,
    arrow_cast(now(), 'Timestamp(Microsecond, Some("UTC"))') AS created_at
FROM predicted
WHERE p['family_model_version'] IS NOT NULL OR p['salary_model_version'] IS NOT NULL
