-- Every valid record with what places its listing among the openings of its title and place
-- (silver.int_listing_openings, its full form and its increment): the run it came in and when
-- that run began, its matching key with the place (dedup_key), the title and company keys,
-- and the facts that can tell two openings apart (contract, annual pay in EUR).
-- grain: bronze_file, bronze_line
-- materialized: view
-- Keys: records match when their title and company match (match_key) and they are in the same
-- place: the same city (city_key), else the same département, else the same region, else the
-- same country. A record that names no place below its country (remote boards often give only
-- a country, or nothing) joins the posting of its title and company when that posting is in
-- exactly one city and no country contradicts it. A record placed only in a département or a
-- region does not: an agency advertising the same title for "Ain" and for "Oyonnax" is two
-- placements, not one.
-- The cities and countries of each title and company are silver.int_match_places.
WITH valid AS (
    SELECT
        bronze_file,
        bronze_line,
        source,
        source_id,
        fetched_at,
        coalesce(run_id, bronze_file) AS run,
        -- The day, not the instant: a posting without a date of its own has its fetch time.
        posted_date,
        match_key,
        city_key,
        departement,
        normalize_key(region) AS region_key,
        country,
        contract_type,
        -- The annual range in EUR (salary_annual_mid_eur is NULL when implausible).
        CASE WHEN NOT salary_predicted AND salary_annual_mid_eur IS NOT NULL
             THEN salary_annual_min * salary_annual_mid_eur / ((salary_annual_min + salary_annual_max) / 2) END AS pay_min_eur,
        CASE WHEN NOT salary_predicted AND salary_annual_mid_eur IS NOT NULL
             THEN salary_annual_max * salary_annual_mid_eur / ((salary_annual_min + salary_annual_max) / 2) END AS pay_max_eur,
        salary_period AS pay_period
    FROM silver.posting_records
    WHERE reject_reason IS NULL
),
-- When each run began. A listing's place in the order is the run that first saw it, not the
-- instant: a run fetches its sources concurrently, so which of two listings of one run came
-- first is an accident of timing (milliseconds). Within a run they go by the day the employer
-- published them (an original before its re-posts), then whole ads first, then by name
-- (cluster_listings). Two ingests of the same pages, or a stream of them, cluster alike.
runs AS (
    SELECT run, min(fetched_at) AS started
    FROM valid
    GROUP BY run
)
SELECT
    v.*,
    r.started AS run_started,
    split_part(v.match_key, '|', 1) AS title_key,
    split_part(v.match_key, '|', 2) AS company_key,
    v.match_key || '|' || coalesce(
        v.city_key,
        CASE WHEN c.only_city = c.last_city
              AND v.departement IS NULL AND v.region_key IS NULL
              AND (v.country IS NULL OR c.only_country IS NULL
                   OR (c.only_country = c.last_country AND c.only_country = v.country))
             THEN c.only_city END,
        'd:' || v.departement,
        'r:' || v.region_key,
        v.country,
        '') AS dedup_key
-- The runs first: a hash join builds its table from its first input when it cannot tell
-- which is smaller (an aggregate's row count is unknown to the planner), and built from every
-- record it needed more than 3 GB at ten million postings; from the runs it is a few thousand
-- rows, and the records stream through.
FROM runs r
JOIN valid v ON v.run = r.run
LEFT JOIN silver.int_match_places c ON c.match_key = v.match_key
