-- Distinct companies with postings: the dashboard says "of the top N" when it lists fewer.
SELECT count(DISTINCT company) AS companies FROM gold.dash_postings
