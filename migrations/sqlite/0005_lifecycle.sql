-- Postings opened and closed per month and job family (gold.agg_postings_lifecycle_monthly).
CREATE TABLE agg_postings_lifecycle_monthly (
    month                TEXT,
    job_family           TEXT,
    opened               INTEGER NOT NULL,
    closed               INTEGER NOT NULL,
    median_days_to_close REAL,
    mean_days_to_close   REAL
);
-- agg_postings_lifecycle_monthly: Postings opened and closed per month and job family.
CREATE INDEX agg_postings_lifecycle_monthly_month ON agg_postings_lifecycle_monthly (month, job_family);
