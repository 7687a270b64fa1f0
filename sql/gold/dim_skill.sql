-- Skills of the dictionary (sql/reference/skills.csv) with their family.
-- grain: skill_key
-- materialized: table
-- mirror: star
-- unique: skill_key
-- not_null: skill_key, skill, skill_family
SELECT
    stable_key(skill) AS skill_key,
    skill,
    family AS skill_family
FROM ref.skills
WHERE family <> 'ignore'
