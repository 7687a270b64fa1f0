-- The increment of silver.int_listing_openings: the rows of the listings whose rows in the
-- table its full form (../int_listing_openings.sql) would write are not the stored ones, from
-- the version the last refresh wrote (silver.int_listing_openings, read here before their rows
-- are replaced) and the records that arrived since.
-- A listing's opening depends only on the openings founded before it in its block (title and
-- place), oldest first. So the listings placed before that come before every listing placed
-- now keep their openings, and a new listing is compared with the founders before it only
-- (taken as founders, not compared again: cluster_listings). Placed now are the new listings,
-- and the listings placed before that moved: a record that sorts before their first one, or a
-- run that began before their first sighting (a late backfill, a run landed in parts), or a
-- first record that now has another key (a new record named the one city of its title and
-- company); then every listing after them in their block too.
-- Incremental = full is tested after several batches, landed in order, out of order and as one
-- run in parts, after a founder moves to another block, and at 100k postings in CI
-- (tests/it/pipeline.rs).
-- The steps are tables kept for this model only (`CREATE TABLE`, dropped after it; in memory,
-- or on a cluster as Delta tables): DataFusion inlines a CTE wherever it is named, so the join
-- of every record with the stored listings would run once per use.

-- Every record's keys, computed once: the view aggregates every record (runs, cities), and the
-- three steps below read it (1.6 s a read at 1M postings). One pass, as in the full form.
CREATE TABLE records AS
SELECT
    source, source_id, run_started, fetched_at, bronze_file, bronze_line, dedup_key, title_key,
    company_key, posted_date, contract_type, pay_min_eur, pay_max_eur, pay_period
FROM silver.int_listing_records;

-- The listings this refresh places: the new ones, and those placed before whose first sighting
-- or key is no longer the stored one. In passes by listing under a memory limit: the join of
-- every record with every stored listing held 2 GB of hash tables at ten million postings.
CREATE TABLE fresh_ids AS
SELECT DISTINCT k.source, k.source_id, p.source IS NOT NULL AS moved
FROM records k
LEFT JOIN (
    SELECT source, source_id, first_seen, first_fetched_at, first_file, first_line, first_key
    FROM silver.int_listing_openings
    WHERE joblake_pass(source_id)
) p ON p.source = k.source AND p.source_id = k.source_id
WHERE joblake_pass(k.source_id)
  AND (p.source IS NULL
   OR k.run_started < p.first_seen
   OR k.fetched_at < p.first_fetched_at
   OR (k.fetched_at = p.first_fetched_at
       AND (k.bronze_file < p.first_file
            OR (k.bronze_file = p.first_file AND k.bronze_line < p.first_line)))
   OR (k.bronze_file = p.first_file AND k.bronze_line = p.first_line
       AND k.dedup_key <> p.first_key));

-- Each of them as first seen, with its block and text (as in the full form).
CREATE TABLE fresh AS
WITH listings AS (
    SELECT
        k.source,
        k.source_id,
        k.source || '|' || k.source_id AS listing,
        min(k.run_started) AS first_seen,
        min(k.fetched_at) AS first_fetched_at,
        first_value(k.dedup_key ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS first_key,
        first_value(k.title_key ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS title_key,
        first_value(k.company_key ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS company_key,
        first_value(k.posted_date ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS posted_date,
        first_value(k.bronze_file ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS first_file,
        first_value(k.bronze_line ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS first_line,
        first_value(k.contract_type ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS contract_type,
        first_value(k.pay_min_eur ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS pay_min_eur,
        first_value(k.pay_max_eur ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS pay_max_eur,
        first_value(k.pay_period ORDER BY k.fetched_at, k.bronze_file, k.bronze_line) AS pay_period
    FROM records k
    JOIN fresh_ids f ON f.source = k.source AND f.source_id = k.source_id
    GROUP BY k.source, k.source_id
)
SELECT
    l.*,
    l.title_key || substr(l.first_key, length(l.title_key) + length(l.company_key) + 2) AS block,
    -- NULL (a source without a row in ref.sources) reads as false in cluster_listings. Not
    -- coalesced: a column declared NOT NULL comes back nullable from the Delta table a step is
    -- under a memory limit, and the union below then fails DataFusion's schema check.
    s.description = 'full' AS full_text,
    text_head(r.description, 1500) AS text_head
FROM listings l
JOIN silver.posting_records r ON r.bronze_file = l.first_file AND r.bronze_line = l.first_line
LEFT JOIN ref.sources s ON s.source = l.source;

-- The blocks whose every stored listing is read again, because a listing placed now may come
-- before some of them: those a moved listing enters, those a founder leaves (moved away, or to
-- another place in its order), and those where a new listing's run began no later than
-- theirs. A listing that joined an opening and leaves changes nothing for the others.
CREATE TABLE redo AS
SELECT p.block
FROM silver.int_listing_openings p
JOIN fresh_ids f ON f.source = p.source AND f.source_id = p.source_id
WHERE p.rule = 'first_listing'
UNION
SELECT f.block
FROM fresh f
JOIN fresh_ids i ON i.source = f.source AND i.source_id = f.source_id
WHERE i.moved
UNION
SELECT f.block
FROM fresh f
JOIN (
    -- The blocks new listings enter only: grouping every stored listing by block is a hash
    -- table of every block.
    SELECT p.block, max(p.first_seen) AS last_seen
    FROM silver.int_listing_openings p
    JOIN (SELECT DISTINCT block FROM fresh) n ON n.block = p.block
    GROUP BY p.block
) b ON b.block = f.block
WHERE f.first_seen <= b.last_seen;

-- The listings placed before that take part again: every one of the blocks redone, and the
-- founders of the other blocks that receive new listings (new listings come after them all:
-- they are settled, joblake_enrich::cluster_again). A founder placed again (moved away, or to
-- another place in its order) is there too, where it was (`gone`): the listings after it are
-- placed again, the ones before it keep their openings. Each comes with what was decided for
-- it (its leader, overlap and conflict): placing it again compares it only with the openings
-- it did not meet then; and with its first record's facts, stored with it (joining every
-- record to find them took most of this step's 63 s at ten million postings). In passes by
-- block under a memory limit: at ten million postings a +1% reads 5.7 million listings again.
-- (In one pass it took 13 s of a 10M +1% against 59 s, each pass reading the whole table
-- again; but `met` and `placed`, which read this step in passes, took 8 and 31 s longer, each
-- of their passes 30-40% slower: written in passes, each of its files holds one pass's
-- blocks, and the row filter of a later pass skips the other files' pages.)
CREATE TABLE stored AS
WITH touched AS (
    SELECT block FROM fresh
    UNION
    SELECT block FROM redo
)
SELECT
    p.*,
    f.source IS NOT NULL AS gone,
    r.block IS NOT NULL AS redone,
    p.source || '|' || p.source_id AS listing,
    p.first_company_key AS company_key,
    p.first_posted_date AS posted_date,
    p.first_contract_type AS contract_type,
    p.first_pay_min_eur AS pay_min_eur,
    p.first_pay_max_eur AS pay_max_eur,
    p.first_pay_period AS pay_period,
    coalesce(s.description = 'full', false) AS full_text
FROM silver.int_listing_openings p
JOIN touched t ON t.block = p.block
LEFT JOIN redo r ON r.block = p.block
LEFT JOIN fresh_ids f ON f.source = p.source AND f.source_id = p.source_id
LEFT JOIN ref.sources s ON s.source = p.source
WHERE joblake_pass(p.block)
  AND ((f.source IS NULL AND (r.block IS NOT NULL OR p.rule = 'first_listing'))
       OR (f.source IS NOT NULL AND p.rule = 'first_listing'));

-- Of the settled founders, only those a new listing of their block may be compared with take
-- part, and only their texts are read: at 1M postings the blocks receiving 1% new listings
-- hold ~440k founders and ~490 MB of their texts, most of which no new listing meets. A
-- listing meets (joblake_enrich::listings, Openings::candidates) the oldest openings of its
-- block when its company is unknown (the 64 oldest, MAX_LEADERS; kept only where a new
-- listing's company is unknown: 110,571 founders were kept at 1M +1% without that), the openings of a company
-- it may be one with (company_candidate: the same, unknown, a variant of its name), and those
-- whose text starts as its own (text_start). Leaving the others out changes no placing, and no
-- opening key (an opening of the same key has the same company): the clustering looks its
-- variants up among every company of the block. In passes by block under a memory limit.
CREATE TABLE met AS
WITH settled AS (
    SELECT * FROM stored WHERE NOT redone AND joblake_pass(block)
),
fresh_here AS (
    SELECT * FROM fresh WHERE joblake_pass(block)
),
-- In the clustering's order (cluster_listings): first seen, published, whole ads first, name.
aged AS (
    SELECT
        source, source_id, block, company_key, first_key, text_start,
        row_number() OVER (
            PARTITION BY block
            ORDER BY first_seen NULLS LAST, posted_date NULLS LAST, full_text DESC, listing
        ) AS age
    FROM settled
),
met_companies AS (
    SELECT DISTINCT c.block, c.company_key
    FROM (SELECT DISTINCT block, company_key FROM settled) c
    JOIN (SELECT DISTINCT block, company_key FROM fresh_here) n ON n.block = c.block
    WHERE company_candidate(c.company_key, n.company_key)
),
new_starts AS (
    SELECT DISTINCT block, text_start(text_head) AS text_start FROM fresh_here
),
-- The blocks where a new listing's company is unknown: it meets their oldest openings.
unknown AS (
    SELECT DISTINCT block FROM fresh_here WHERE coalesce(trim(company_key), '') = ''
),
-- The openings of a new listing's own key: a new opening's key is numbered after them
-- (`#n`, cluster_listings), so they are kept even where they cannot be met (a key of unknown
-- company with more than 64 openings).
new_keys AS (
    SELECT DISTINCT block, first_key FROM fresh_here
),
-- The keys of the openings kept. An opening's key is numbered after the openings founded under
-- it before (`#n`), so every opening of a kept one's key is kept with it: without them a new
-- listing that joined the 56th opening of another company's key by its text took the key
-- without its `#55` (1M postings, +1%: 2 listings).
kept_keys AS (
    SELECT DISTINCT a.block, a.first_key
    FROM aged a
    LEFT JOIN unknown u ON u.block = a.block
    LEFT JOIN met_companies m
      ON m.block = a.block AND m.company_key IS NOT DISTINCT FROM a.company_key
    LEFT JOIN new_starts t ON t.block = a.block AND t.text_start = a.text_start
    LEFT JOIN new_keys n ON n.block = a.block AND n.first_key = a.first_key
    WHERE (a.age <= 64 AND u.block IS NOT NULL) OR m.block IS NOT NULL OR t.block IS NOT NULL
       OR n.block IS NOT NULL
)
-- Joined with the settled founders, not with `aged`: DataFusion inlines a CTE wherever it is
-- named, and the window's sort would run twice in every pass (met took 35.6 s of a 10M +1%,
-- 13.7 s before the key closure).
SELECT s.source, s.source_id
FROM settled s
JOIN kept_keys k ON k.block = s.block AND k.first_key = s.first_key;

-- The texts of the stored listings that take part again (their block redone, or met): read
-- from their first records once. In the passes below each pass joined every record again, a
-- scan of every description (placed took 142 s of a 10M +1% in 22 passes). One pass: its hash
-- table holds their record positions, the texts stream through.
CREATE TABLE texts AS
SELECT p.block, p.source, p.source_id, text_head(r.description, 1500) AS text_head
FROM stored p
LEFT JOIN met m ON m.source = p.source AND m.source_id = p.source_id
JOIN silver.posting_records r ON r.bronze_file = p.first_file AND r.bronze_line = p.first_line
WHERE p.redone OR m.source IS NOT NULL;

-- Every listing placed by this refresh, with its opening. In passes by block under a memory
-- limit.
CREATE TABLE placed AS
WITH
fresh_here AS (
    SELECT * FROM fresh WHERE joblake_pass(block)
),
stored_here AS (
    SELECT * FROM stored WHERE joblake_pass(block)
),
-- The listings placed now and those taking part again, with their texts.
candidates AS (
    SELECT
        block, listing, first_seen, posted_date, first_key, company_key, text_head,
        contract_type, pay_min_eur, pay_max_eur, pay_period, full_text,
        false AS placed, false AS founder, false AS gone,
        CAST(NULL AS VARCHAR) AS leader, CAST(NULL AS DOUBLE) AS overlap,
        CAST(NULL AS VARCHAR) AS kept_apart
    FROM fresh_here
    UNION ALL
    SELECT
        p.block,
        p.listing,
        p.first_seen,
        p.posted_date,
        p.first_key,
        p.company_key,
        t.text_head,
        p.contract_type,
        p.pay_min_eur,
        p.pay_max_eur,
        p.pay_period,
        p.full_text,
        NOT p.gone,
        p.rule = 'first_listing',
        p.gone,
        p.leader_source || '|' || p.leader_source_id,
        p.overlap,
        p.kept_apart
    FROM stored_here p
    JOIN (SELECT * FROM texts WHERE joblake_pass(block)) t
      ON t.source = p.source AND t.source_id = p.source_id
),
shared AS (
    SELECT
        block,
        -- The short strings as plain Utf8: a string view taken from joined Parquet batches
        -- keeps every buffer of its source, and array_agg measures its batches' memory after
        -- each batch by walking them (6.3 -> 4.9 s for this step at 1M; the text is long
        -- enough that copying it costs more than that).
        cluster_listings(array_agg(named_struct(
            'listing', arrow_cast(listing, 'Utf8'),
            'first_seen', first_seen,
            'posted', posted_date,
            'key', arrow_cast(first_key, 'Utf8'),
            'company', arrow_cast(company_key, 'Utf8'),
            'text', text_head,
            'contract', arrow_cast(contract_type, 'Utf8'),
            'pay_min', pay_min_eur,
            'pay_max', pay_max_eur,
            'pay_period', arrow_cast(pay_period, 'Utf8'),
            'full_text', full_text,
            'placed', placed,
            'founder', founder,
            'gone', gone,
            'leader', arrow_cast(leader, 'Utf8'),
            'overlap', overlap,
            'kept_apart', arrow_cast(kept_apart, 'Utf8')))) AS openings
    FROM candidates
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
),
-- What is kept of each listing placed now: its first sighting. A stored listing placed again
-- keeps the one stored, and brings what was decided for it then (`was_*`): its row changes
-- only if the placing decides otherwise (`changed`).
sightings AS (
    SELECT source, source_id, listing, block, first_key, first_seen, first_fetched_at, first_file,
           first_line, company_key, posted_date, contract_type, pay_min_eur, pay_max_eur,
           pay_period, false AS was_stored, CAST(NULL AS VARCHAR) AS was_opening_key,
           CAST(NULL AS VARCHAR) AS was_rule, CAST(NULL AS VARCHAR) AS was_leader_source,
           CAST(NULL AS VARCHAR) AS was_leader_source_id, CAST(NULL AS DOUBLE) AS was_overlap,
           CAST(NULL AS VARCHAR) AS was_kept_apart, CAST(NULL AS BIGINT) AS was_text_start
    FROM fresh_here
    UNION ALL
    SELECT p.source, p.source_id, p.source || '|' || p.source_id, p.block, p.first_key,
           p.first_seen, p.first_fetched_at, p.first_file, p.first_line, p.company_key,
           p.posted_date, p.contract_type, p.pay_min_eur, p.pay_max_eur, p.pay_period,
           true, p.opening_key, p.rule, p.leader_source, p.leader_source_id, p.overlap,
           p.kept_apart, p.text_start
    FROM stored_here p
    WHERE NOT p.gone
)
SELECT
    l.source,
    l.source_id,
    a.opening_key,
    a.rule,
    split_part(a.leader, '|', 1) AS leader_source,
    substr(a.leader, length(split_part(a.leader, '|', 1)) + 2) AS leader_source_id,
    a.overlap,
    a.kept_apart,
    l.block,
    l.first_key,
    l.first_seen,
    l.first_fetched_at,
    l.first_file,
    l.first_line,
    a.text_start,
    l.company_key AS first_company_key,
    l.posted_date AS first_posted_date,
    l.contract_type AS first_contract_type,
    l.pay_min_eur AS first_pay_min_eur,
    l.pay_max_eur AS first_pay_max_eur,
    l.pay_period AS first_pay_period,
    l.was_stored,
    l.was_opening_key,
    l.was_rule,
    l.was_leader_source,
    l.was_leader_source_id,
    l.was_overlap,
    l.was_kept_apart,
    l.was_text_start
FROM sightings l
JOIN assigned a ON a.block = l.block AND a.listing = l.listing;

-- The listings placed now whose row is not the stored one: new, moved, or placed elsewhere. A
-- listing placed again where it was changes nothing, and the tables that read this one compute
-- again the listings whose rows it replaced (docs/models.md). The listings placed from their
-- first record (`fresh`: new, or moved to an earlier run, fetch or position, or to another key
-- at the same position) are changed whatever their stored row. A stored listing placed again
-- keeps its first sighting and facts (`sightings`), so only what the placing decides can
-- differ, and `placed` carries what was decided before: no join with the stored rows. (Joined
-- with them, in passes `changed` took 50 s of a 10M +1%; built from `stored`, the join ran out
-- of a 2 GB limit when a 10M +1% placed 2.3 million listings again.)
CREATE TABLE changed AS
SELECT source, source_id, opening_key, rule, leader_source, leader_source_id, overlap,
       kept_apart, block, first_key, first_seen, first_fetched_at, first_file, first_line,
       text_start, first_company_key, first_posted_date, first_contract_type, first_pay_min_eur,
       first_pay_max_eur, first_pay_period
FROM placed
WHERE NOT was_stored
   OR (opening_key, rule, leader_source, leader_source_id, overlap, kept_apart, text_start)
      IS DISTINCT FROM
      (was_opening_key, was_rule, was_leader_source, was_leader_source_id, was_overlap,
       was_kept_apart, was_text_start);

-- The rows this refresh replaces (merge_on: source_id, in the model's header): the changed
-- listings, and the other listings with one of their source ids (another source's), as they
-- were. The rest of the table stays where it is.
SELECT p.source, p.source_id, p.opening_key, p.rule, p.leader_source, p.leader_source_id,
       p.overlap, p.kept_apart, p.block, p.first_key, p.first_seen, p.first_fetched_at,
       p.first_file, p.first_line, p.text_start, p.first_company_key, p.first_posted_date,
       p.first_contract_type, p.first_pay_min_eur, p.first_pay_max_eur, p.first_pay_period
FROM silver.int_listing_openings p
JOIN (SELECT DISTINCT source_id FROM changed) k ON k.source_id = p.source_id
LEFT JOIN changed n ON n.source = p.source AND n.source_id = p.source_id
WHERE n.source IS NULL
UNION ALL
SELECT * FROM changed
