-- When each posting opened and closed. A listing is closed when its source landed two runs after
-- the last one that saw it (one missing run may be a partial fetch); it closed when the first of
-- them landed. A posting is closed when every listing of it is; it opened on its posted date (else
-- when first seen).
-- grain: posting_id
-- materialized: table
-- unique: posting_id
-- not_null: posting_id, opened_on, last_seen
-- relationships: posting_id -> silver.job_postings.posting_id
-- Runs are the envelopes' run_id (the one from landing to meta.runs; a streamed bronze file
-- holds records of several runs, so not its file name) and are
-- numbered per source in landing order, so that "two later runs" is a join on numbers, not a
-- scan of every run for every listing. A source fetched by pages with a page limit may miss
-- listings still open: raise the number of runs (here 2) for such a source.
-- Steps, in passes under a memory limit (joblake_pass, docs/models.md): the join of every
-- listing with its closing needed 3 GB of hash tables at ten million postings.
-- Every record's run, read once (the runs and the listings below both need it).
CREATE TABLE records AS
SELECT
    source,
    source_id,
    fetched_at,
    coalesce(run_id, regexp_replace(bronze_file, '^.*/|-[0-9]+\.ndjson(\.gz)?$', '', 'g')) AS run_id
FROM silver.posting_records;

CREATE TABLE runs AS
SELECT
    source,
    run_id,
    landed_at,
    row_number() OVER (PARTITION BY source ORDER BY landed_at, run_id) AS run_no
FROM (SELECT source, run_id, min(fetched_at) AS landed_at FROM records GROUP BY source, run_id) r;

-- Each listing of a posting, with when it closed (by listing).
CREATE TABLE listing_closed AS
WITH last_run AS (
    SELECT source, max(run_no) AS run_no FROM runs GROUP BY source
),
listings AS (
    SELECT r.source, r.source_id, max(n.run_no) AS last_seen_run
    FROM records r
    JOIN runs n ON n.source = r.source AND n.run_id = r.run_id
    WHERE joblake_pass(r.source_id)
    GROUP BY r.source, r.source_id
),
closed_listings AS (
    SELECT
        l.source,
        l.source_id,
        CASE WHEN lr.run_no >= l.last_seen_run + 2 THEN nx.landed_at END AS closed_at
    FROM listings l
    JOIN last_run lr ON lr.source = l.source
    LEFT JOIN runs nx ON nx.source = l.source AND nx.run_no = l.last_seen_run + 1
)
SELECT s.posting_id, s.posted_date, s.first_seen, s.last_seen, c.closed_at
FROM silver.posting_sources s
JOIN closed_listings c ON c.source = s.source AND c.source_id = s.source_id
WHERE joblake_pass(s.source_id);

-- Each posting (by posting).
CREATE TABLE lifecycle AS
SELECT
    posting_id,
    coalesce(min(posted_date), CAST(min(first_seen) AS DATE)) AS opened_on,
    max(last_seen) AS last_seen,
    CASE WHEN count(closed_at) = count(*) THEN max(closed_at) END AS closed_at,
    CASE WHEN count(closed_at) = count(*)
         THEN date_part('day', max(closed_at) - CAST(coalesce(min(posted_date), CAST(min(first_seen) AS DATE)) AS TIMESTAMP))
    END AS days_to_close
FROM listing_closed
WHERE joblake_pass(posting_id)
GROUP BY posting_id;

SELECT * FROM lifecycle
