-- What `joblake train` reads of each posting: the classifier's text (the title, the opening of
-- the description, the skills) and the salary estimator's features and target. The prediction
-- model gold.fact_posting_prediction passes the same columns to predict_posting().
-- Descriptions are cut at 2,000 characters: the features read at most that much.
SELECT
    posting_id,
    coalesce(title, '') AS title,
    substr(coalesce(description, ''), 1, 2000) AS description,
    coalesce(array_to_string(skills, '|'), '') AS skills,
    coalesce(job_family, 'other') AS job_family,
    coalesce(country, '') AS country,
    coalesce(region, '') AS region,
    coalesce(contract_type, '') AS contract_type,
    coalesce(working_time, '') AS working_time,
    CAST(salary_annual_mid_eur AS DOUBLE) AS salary_eur,
    coalesce(salary_predicted, false) AS salary_predicted
FROM silver.job_postings
