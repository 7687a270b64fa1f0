-- The trained models' answers per posting (gold.fact_posting_prediction): estimates, to be
-- shown as such beside the published figures of gold.fact_job_posting.
CREATE TABLE gold.fact_posting_prediction (
    posting_key          bigint PRIMARY KEY REFERENCES gold.fact_job_posting (posting_key),
    posting_id           text NOT NULL,
    family_model_version bigint,
    predicted_family     text,
    family_probability   double precision,
    salary_model_version bigint,
    predicted_salary_eur double precision,
    salary_low_eur       double precision,
    salary_high_eur      double precision,
    interval_level       double precision,
    created_at           timestamptz NOT NULL
);
COMMENT ON TABLE gold.fact_posting_prediction IS 'Model estimates per posting (joblake train): job family where the rules say other, annual salary in EUR with an interval of nominal coverage interval_level. Estimates, not published figures.';
CREATE INDEX fact_posting_prediction_family ON gold.fact_posting_prediction (predicted_family);
