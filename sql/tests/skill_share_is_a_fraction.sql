-- A skill's share of a family's postings lies in (0, 1].
SELECT posted_month, job_family, skill, share
FROM gold.agg_skill_demand_monthly
WHERE share <= 0 OR share > 1
