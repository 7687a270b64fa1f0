-- The trained models' answers per posting (gold.fact_posting_prediction).
CREATE TABLE fact_posting_prediction (
    posting_key          INTEGER PRIMARY KEY REFERENCES fact_job_posting (posting_key),
    posting_id           TEXT NOT NULL,
    family_model_version INTEGER,
    predicted_family     TEXT,
    family_probability   REAL,
    salary_model_version INTEGER,
    predicted_salary_eur REAL,
    salary_low_eur       REAL,
    salary_high_eur      REAL,
    interval_level       REAL,
    created_at           TEXT NOT NULL
);
-- fact_posting_prediction: Model estimates per posting (joblake train). Estimates, not published figures.
CREATE INDEX fact_posting_prediction_family ON fact_posting_prediction (predicted_family);
