-- Views for analysts: the star joined, names instead of keys.

CREATE VIEW v_postings AS
SELECT
    f.posting_key,
    f.posting_id,
    f.posted_date,
    d.year_month,
    d.iso_week,
    f.title,
    c.company_name,
    l.country_code,
    l.country_name,
    l.region,
    l.city,
    jf.job_family,
    jf.job_family_name,
    ct.contract_type,
    ct.working_time,
    s.source,
    s.source_name,
    f.remote,
    f.salary_currency,
    f.salary_period,
    f.salary_annual_min,
    f.salary_annual_max,
    f.salary_annual_mid_eur,
    f.salary_predicted,
    f.skill_count,
    f.listings,
    f.source_count,
    f.url,
    f.first_seen,
    f.last_seen
FROM fact_job_posting f
LEFT JOIN dim_date d ON d.date_key = f.date_key
LEFT JOIN dim_company c ON c.company_key = f.company_key
LEFT JOIN dim_location l ON l.location_key = f.location_key
LEFT JOIN dim_job_family jf ON jf.job_family_key = f.job_family_key
LEFT JOIN dim_contract ct ON ct.contract_key = f.contract_key
LEFT JOIN dim_source s ON s.source_key = f.source_key;
-- v_postings: One row per deduplicated posting with every dimension attribute joined: the table to start from in a BI tool.

CREATE VIEW v_skill_demand AS
SELECT
    a.posted_month,
    a.job_family,
    coalesce(jf.job_family_name, a.job_family) AS job_family_name,
    a.skill,
    a.skill_family,
    a.postings,
    a.family_postings,
    a.share
FROM agg_skill_demand_monthly a
LEFT JOIN dim_job_family jf ON jf.job_family = a.job_family;
-- v_skill_demand: Monthly skill demand per job family, with the family's display name.

CREATE VIEW v_posting_skills AS
SELECT f.posting_key, f.posted_date, f.title, jf.job_family_name, sk.skill, sk.skill_family
FROM bridge_posting_skill b
JOIN fact_job_posting f ON f.posting_key = b.posting_key
JOIN dim_skill sk ON sk.skill_key = b.skill_key
LEFT JOIN dim_job_family jf ON jf.job_family_key = f.job_family_key;
-- v_posting_skills: One row per (posting, skill): for skill filters and co-occurrence.
