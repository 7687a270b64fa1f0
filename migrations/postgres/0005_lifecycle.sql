-- Postings opened and closed per month and job family (gold.agg_postings_lifecycle_monthly).
CREATE TABLE gold.agg_postings_lifecycle_monthly (
    month                text,
    job_family           text,
    opened               bigint NOT NULL,
    closed               bigint NOT NULL,
    median_days_to_close double precision,
    mean_days_to_close   double precision
);
COMMENT ON TABLE gold.agg_postings_lifecycle_monthly IS 'Per month and job family: postings opened (posted) and closed (no longer listed by their sources), and the days the closed ones stayed open.';
CREATE INDEX agg_postings_lifecycle_monthly_month ON gold.agg_postings_lifecycle_monthly (month, job_family);
