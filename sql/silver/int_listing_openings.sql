-- The opening each listing (source, source_id) advertises: its matching key and, when several
-- listings share that key, which of them are one opening (re-posts, copies) and which are
-- different openings of one title (another store, client site, shift, contract or pay).
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- merge_on: source_id
-- deletion_vectors: keep
-- not_null: source, source_id, opening_key, rule, leader_source, leader_source_id, overlap, block, first_key, first_seen, first_fetched_at, first_file, first_line
-- How records are keyed and placed: silver.int_listing_records.
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
-- This is the full form. A refresh that is not --full runs the increment
-- (increments/int_listing_openings.sql), which places only the new listings and returns their
-- rows, which replace the stored ones in place (merge_on; the vectors stay until `joblake
-- maintain`: only models read this table); the last seven
-- columns are what it needs of each listing placed before: its block, its key, its first
-- sighting (run start, fetch time, position in bronze) and its text's start (the digest of its
-- first words, by which copies find it: the increment reads only the openings a new listing
-- may meet, and their texts).
-- The steps are tables kept for this model only (CREATE TABLE, dropped after it). With
-- `[engine] memory_limit_mb` set they run in passes (joblake_pass, docs/models.md): the
-- listings by listing, then the openings by block, since a listing's records and a block's
-- listings must be in one pass; at ten million postings one pass holds a twentieth of them.
-- (The records' keys are one step, written to the lake under a memory limit.)

-- Every record's keys, computed once: the view aggregates every record (runs, cities), and
-- the listings below read it twice. One pass, also under a memory limit: the view's joins
-- hold the runs and the cities of each title and company, and the records stream through (in
-- passes, each pass read every record again: 56 s in 23 passes at ten million postings).
CREATE TABLE records AS
SELECT
    source, source_id, run_started, fetched_at, bronze_file, bronze_line, dedup_key, title_key,
    company_key, posted_date, contract_type, pay_min_eur, pay_max_eur, pay_period
FROM silver.int_listing_records;

-- Each listing as first seen: its first record is its earliest fetch, then the first in
-- bronze. As min() and joins back: ten first_value(... ORDER BY fetched_at, bronze_file,
-- bronze_line) took 8.9-11 s and 4.3 GB at 1M postings, and a window partitioned by listing
-- (a million partitions of one or two rows) 16 s and 5 GB before them, in DataFusion 55.
CREATE TABLE listings AS
WITH mine AS (
    SELECT * FROM records WHERE joblake_pass(source_id)
),
firsts AS (
    SELECT source, source_id, min(run_started) AS first_seen, min(fetched_at) AS first_fetched_at
    FROM mine
    GROUP BY source, source_id
),
-- The records of the first fetch (one, unless a listing was fetched twice at one instant).
at_first AS (
    SELECT r.*, f.first_seen, f.first_fetched_at
    FROM mine r
    JOIN firsts f
      ON f.source = r.source AND f.source_id = r.source_id
     AND r.fetched_at IS NOT DISTINCT FROM f.first_fetched_at
),
first_file AS (
    SELECT source, source_id, min(bronze_file) AS bronze_file
    FROM at_first
    GROUP BY source, source_id
),
-- Grouped by listing, the file as an aggregate too (one file per listing here): the stored
-- table keeps first_file and first_line nullable, as the increment's unions declare them; a
-- union whose sides differ in nullability fails Ballista's shuffle writer (debug builds).
first_line AS (
    SELECT a.source, a.source_id, min(a.bronze_file) AS bronze_file, min(a.bronze_line) AS bronze_line
    FROM at_first a
    JOIN first_file f
      ON f.source = a.source AND f.source_id = a.source_id AND f.bronze_file = a.bronze_file
    GROUP BY a.source, a.source_id
)
SELECT
    a.source,
    a.source_id,
    a.source || '|' || a.source_id AS listing,
    a.first_seen,
    a.first_fetched_at,
    a.dedup_key AS first_key,
    a.company_key,
    a.posted_date,
    l.bronze_file AS first_file,
    l.bronze_line AS first_line,
    a.contract_type,
    a.pay_min_eur,
    a.pay_max_eur,
    a.pay_period,
    -- The key without its company: the listings that may be one opening. dedup_key is
    -- match_key (title|company) | place: drop the company.
    a.title_key || substr(a.dedup_key, length(a.title_key) + length(a.company_key) + 2) AS block
FROM at_first a
JOIN first_line l
  ON l.source = a.source AND l.source_id = a.source_id
 AND l.bronze_file = a.bronze_file AND l.bronze_line = a.bronze_line;

-- Each listing's opening, block by block.
CREATE TABLE placed AS
WITH blocked AS (
    SELECT * FROM listings WHERE joblake_pass(block)
),
-- Whether a source publishes the whole ad (ref.sources.description): two whole ads that
-- differ are two openings; snippets and rewrites of one ad differ too. The text is the first
-- record's; the facts that tell openings of one key apart come early in it.
whole AS (
    SELECT
        l.*,
        coalesce(s.description = 'full', false) AS full_text,
        text_head(r.description, 1500) AS text_head
    FROM blocked l
    JOIN silver.posting_records r ON r.bronze_file = l.first_file AND r.bronze_line = l.first_line
    LEFT JOIN ref.sources s ON s.source = l.source
),
-- Every block, one listing or several: the clustering also gives each listing's text start.
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
    FROM whole
    GROUP BY block
),
assigned AS (
    SELECT
        block,
        o['listing'] AS listing,
        o['leader'] AS leader,
        o['opening_key'] AS opening_key,
        o['rule'] AS rule,
        o['overlap'] AS overlap,
        o['kept_apart'] AS kept_apart,
        o['text_start'] AS text_start
    FROM (SELECT block, unnest(openings) AS o FROM shared) s
)
-- Every listing has its row in `assigned` (one alone in its block founds its opening). The
-- LEFT JOIN and CASE rather than coalesce(..., literal): the columns stay nullable, as the
-- increment (unnested struct fields) stores them, so the stored schema does not depend on which
-- form wrote the table.
SELECT
    l.source,
    l.source_id,
    coalesce(a.opening_key, l.first_key) AS opening_key,
    CASE WHEN a.listing IS NULL THEN 'first_listing' ELSE a.rule END AS rule,
    CASE WHEN a.listing IS NULL THEN l.source ELSE split_part(a.leader, '|', 1) END AS leader_source,
    coalesce(substr(a.leader, length(split_part(a.leader, '|', 1)) + 2), l.source_id) AS leader_source_id,
    CASE WHEN a.listing IS NULL THEN 1.0 ELSE a.overlap END AS overlap,
    a.kept_apart,
    l.block,
    l.first_key,
    l.first_seen,
    l.first_fetched_at,
    l.first_file,
    l.first_line,
    a.text_start,
    -- The first record's facts the clustering compares: the increment places a stored listing
    -- again with them, without joining every record to find its first one.
    l.company_key AS first_company_key,
    l.posted_date AS first_posted_date,
    l.contract_type AS first_contract_type,
    l.pay_min_eur AS first_pay_min_eur,
    l.pay_max_eur AS first_pay_max_eur,
    l.pay_period AS first_pay_period
FROM blocked l
LEFT JOIN assigned a ON a.block = l.block AND a.listing = l.listing;

SELECT * FROM placed
