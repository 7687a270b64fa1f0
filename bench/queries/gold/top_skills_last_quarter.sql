-- The skills most asked for over the last three months, with their share of postings.
WITH months AS (
    SELECT DISTINCT posted_month FROM gold.agg_skill_demand_monthly
    ORDER BY posted_month DESC
    LIMIT 3
)
SELECT a.skill, sum(a.postings) AS postings, round(avg(a.share), 3) AS avg_share
FROM gold.agg_skill_demand_monthly a
JOIN months m ON m.posted_month = a.posted_month
GROUP BY a.skill
ORDER BY postings DESC
LIMIT 20
