-- The opening each listing (source, source_id) advertises: its matching key and, when several
-- listings share that key, which of them are one opening (re-posts, copies) and which are
-- different openings of one title (another store, client site, shift, contract or pay).
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- not_null: source, source_id, opening_key, rule, leader_source, leader_source_id, overlap
-- Keys: records match when their title and company match (match_key) and they are in the same
-- place: the same city (city_key), else the same département, else the same region, else the
-- same country. A record that names no place below its country (remote boards often give only
-- a country, or nothing) joins the posting of its title and company when that posting is in
-- exactly one city and no country contradicts it. A record placed only in a département or a
-- region does not: an agency advertising the same title for "Ain" and for "Oyonnax" is two
-- placements, not one.
-- A listing keeps the key of its first sighting, so a source editing a title later does not
-- split one posting in two.
-- Openings: the listings of one title and place, oldest first (by run), go to the first earlier opening
-- of a compatible company (the same, a variant of its name, unknown on either side, or any
-- company republishing the same text) whose founding listing states no conflicting fact
-- (contract, pay ranges apart, calendar days, one template filled in with another name or number, or two
-- whole ads with little text in common);
-- otherwise they found a new one (cluster_listings, joblake_enrich::listings). An opening is
-- keyed by its founder's matching key, so a key's first opening keeps the key itself: posting
-- ids do not move, and newer listings never move older ones.
-- "One city" is min = max rather than count(DISTINCT ...) = 1: two DISTINCT aggregates over
-- different columns keep a hash set per group in DataFusion, which took 1.3 GB at 100k
-- records (docs/performance.md); min and max keep two values.
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
),
cities AS (
    SELECT
        match_key,
        min(city_key) AS only_city,
        max(city_key) AS last_city,
        min(country) AS only_country,
        max(country) AS last_country
    FROM valid
    WHERE city_key IS NOT NULL
    GROUP BY match_key
),
keyed AS (
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
    FROM valid v
    JOIN runs r ON r.run = v.run
    LEFT JOIN cities c ON c.match_key = v.match_key
),
-- Each listing as first seen, as an aggregate: a window partitioned by listing (a million
-- partitions of one or two rows at 1M postings) took 16 s and 5 GB in DataFusion 55.
listings AS (
    SELECT
        source,
        source_id,
        source || '|' || source_id AS listing,
        min(run_started) AS first_seen,
        first_value(dedup_key ORDER BY fetched_at, bronze_file, bronze_line) AS first_key,
        first_value(title_key ORDER BY fetched_at, bronze_file, bronze_line) AS title_key,
        first_value(company_key ORDER BY fetched_at, bronze_file, bronze_line) AS company_key,
        first_value(posted_date ORDER BY fetched_at, bronze_file, bronze_line) AS posted_date,
        -- The first record's position, to read its text after the aggregate: a string
        -- carried through an ordered first_value costs a copy per listing (+1.5 GB at 1M).
        first_value(bronze_file ORDER BY fetched_at, bronze_file, bronze_line) AS first_file,
        first_value(bronze_line ORDER BY fetched_at, bronze_file, bronze_line) AS first_line,
        first_value(contract_type ORDER BY fetched_at, bronze_file, bronze_line) AS contract_type,
        first_value(pay_min_eur ORDER BY fetched_at, bronze_file, bronze_line) AS pay_min_eur,
        first_value(pay_max_eur ORDER BY fetched_at, bronze_file, bronze_line) AS pay_max_eur,
        first_value(pay_period ORDER BY fetched_at, bronze_file, bronze_line) AS pay_period
    FROM keyed
    GROUP BY source, source_id
),
-- Whether a source publishes the whole ad (ref.sources.description): two whole ads that
-- differ are two openings; snippets and rewrites of one ad differ too. The text is the first
-- record's; the facts that tell openings of one key apart come early in it.
whole AS (
    SELECT
        l.*,
        coalesce(s.description = 'full', false) AS full_text,
        substr(r.description, 1, 1500) AS text_head
    FROM listings l
    JOIN silver.posting_records r ON r.bronze_file = l.first_file AND r.bronze_line = l.first_line
    LEFT JOIN ref.sources s ON s.source = l.source
),
-- The key without its company: the listings that may be one opening. Only blocks of several
-- listings are clustered; most have one.
blocked AS (
    SELECT
        *,
        -- dedup_key is match_key (title|company) | place: drop the company.
        title_key || substr(first_key, length(title_key) + length(company_key) + 2) AS block
    FROM whole
),
shared AS (
    SELECT
        block,
        -- One list of structs, unordered: cluster_listings orders it (first_seen, posted, ...).
        -- Nine array_agg(... ORDER BY first_seen, listing) kept every value as a ScalarValue
        -- beside its own copy of the ordering keys: 10.8 GB at 1M postings.
        cluster_listings(array_agg(named_struct(
            'listing', listing,
            'first_seen', first_seen,
            'posted', posted_date,
            'key', first_key,
            'company', company_key,
            'text', text_head,
            'contract', contract_type,
            'pay_min', pay_min_eur,
            'pay_max', pay_max_eur,
            'pay_period', pay_period,
            'full_text', full_text))) AS openings
    FROM blocked
    GROUP BY block
    HAVING count(*) > 1
),
assigned AS (
    SELECT
        block,
        o['listing'] AS listing,
        o['leader'] AS leader,
        o['opening_key'] AS opening_key,
        o['rule'] AS rule,
        o['overlap'] AS overlap,
        o['kept_apart'] AS kept_apart
    FROM (SELECT block, unnest(openings) AS o FROM shared) s
)
SELECT
    l.source,
    l.source_id,
    coalesce(a.opening_key, l.first_key) AS opening_key,
    coalesce(a.rule, 'first_listing') AS rule,
    coalesce(split_part(a.leader, '|', 1), l.source) AS leader_source,
    coalesce(substr(a.leader, length(split_part(a.leader, '|', 1)) + 2), l.source_id) AS leader_source_id,
    coalesce(a.overlap, 1.0) AS overlap,
    a.kept_apart
FROM blocked l
LEFT JOIN assigned a ON a.block = l.block AND a.listing = l.listing
