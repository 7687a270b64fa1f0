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
    -- Planned away when no model was trained: nothing to predict, no description read.
    WHERE trained_models() > 0
),
-- The struct's fields as columns, in the function's order, from one call per posting: reading
-- p['field'] instead makes DataFusion push each field access into a call of its own (ten
-- predictions per row: 29 s instead of 6 at 1M postings).
fields (
    posting_id, family_model_version, predicted_family, family_probability, salary_model_version,
    predicted_salary_eur, salary_low_eur, salary_high_eur, interval_level
) AS (
    SELECT posting_id, unnest(p) FROM predicted
)
SELECT
    stable_key(posting_id) AS posting_key,
    posting_id,
    family_model_version,
    predicted_family,
    family_probability,
    salary_model_version,
    predicted_salary_eur,
    salary_low_eur,
    salary_high_eur,
    interval_level,
    arrow_cast(now(), 'Timestamp(Microsecond, Some("UTC"))') AS created_at
FROM fields
WHERE family_model_version IS NOT NULL OR salary_model_version IS NOT NULL
