-- The history of every listing (source, source_id): one row per state it was seen in, type 2
-- (valid_from: the first fetch in that state; valid_to: the first fetch in the next one, NULL for
-- the current state). A state is the listing's title, company, city, contract, pay and
-- description; `changed` names what differs from the previous state (`new` for the first).
-- grain: source, source_id, valid_from
-- materialized: table
-- merge_on: source_id
-- unique: source, source_id, valid_from
-- not_null: source, source_id, valid_from, last_seen, is_current, changed, state_hash
-- A state seen again after another (A, B, A) is one state, from its first sighting: its
-- versions are told apart by content, and the window that orders them only runs over the few
-- listings that changed (a window over every listing took 16 s and 5 GB at 1M in DataFusion).
-- One row per state of a listing. The rows of one state hold the same values (state_hash is
-- their hash), so any of them gives the state's columns: min() is a plain grouped aggregate,
-- where an ordered first_value keeps each string with its ordering key. A step, not a CTE:
-- the query below reads it three times. Both steps run in passes by listing under a memory
-- limit (joblake_pass, docs/models.md).
CREATE TABLE versions AS
SELECT
    source,
    source_id,
    state_hash,
    min(fetched_at) AS valid_from,
    max(fetched_at) AS last_seen,
    min(title) AS title,
    min(company) AS company,
    min(city) AS city,
    min(contract_type) AS contract_type,
    min(salary_min) AS salary_min,
    min(salary_max) AS salary_max,
    min(salary_currency) AS salary_currency,
    min(salary_period) AS salary_period,
    min(description_hash) AS description_hash
FROM silver.posting_records
WHERE reject_reason IS NULL AND joblake_pass(source_id)
GROUP BY source, source_id, state_hash;

-- Each state with the one after it.
CREATE TABLE history AS
WITH mine AS (
    SELECT * FROM versions WHERE joblake_pass(source_id)
),
changed_listings AS (
    SELECT source, source_id FROM mine GROUP BY source, source_id HAVING count(*) > 1
),
multi AS (
    SELECT
        v.*,
        lead(v.valid_from) OVER w AS valid_to,
        CASE WHEN lag(v.state_hash) OVER w IS NULL THEN 'new' ELSE concat_ws(',',
            CASE WHEN v.title IS DISTINCT FROM lag(v.title) OVER w THEN 'title' END,
            CASE WHEN v.company IS DISTINCT FROM lag(v.company) OVER w THEN 'company' END,
            CASE WHEN v.city IS DISTINCT FROM lag(v.city) OVER w THEN 'city' END,
            CASE WHEN v.contract_type IS DISTINCT FROM lag(v.contract_type) OVER w THEN 'contract' END,
            CASE WHEN (v.salary_min IS DISTINCT FROM lag(v.salary_min) OVER w)
                   OR (v.salary_max IS DISTINCT FROM lag(v.salary_max) OVER w)
                   OR (v.salary_currency IS DISTINCT FROM lag(v.salary_currency) OVER w)
                   OR (v.salary_period IS DISTINCT FROM lag(v.salary_period) OVER w) THEN 'salary' END,
            CASE WHEN v.description_hash IS DISTINCT FROM lag(v.description_hash) OVER w THEN 'description' END)
        END AS changed
    FROM mine v
    JOIN changed_listings c ON c.source = v.source AND c.source_id = v.source_id
    WINDOW w AS (PARTITION BY v.source, v.source_id ORDER BY v.valid_from, v.state_hash)
),
single AS (
    -- valid_from's type: a bare TIMESTAMP is nanoseconds, and the union would make the
    -- column nanoseconds, which the Delta writer then casts back (with a warning).
    SELECT v.*, arrow_cast(NULL, 'Timestamp(Microsecond, Some("UTC"))') AS valid_to, 'new' AS changed
    FROM mine v
    LEFT JOIN changed_listings c ON c.source = v.source AND c.source_id = v.source_id
    WHERE c.source IS NULL
),
everything AS (
    SELECT * FROM multi
    UNION ALL
    SELECT * FROM single
)
SELECT
    source,
    source_id,
    valid_from,
    valid_to,
    valid_to IS NULL AS is_current,
    last_seen,
    changed,
    title,
    company,
    city,
    contract_type,
    salary_min,
    salary_max,
    salary_currency,
    salary_period,
    description_hash,
    state_hash
FROM everything;

SELECT * FROM history
