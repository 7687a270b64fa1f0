-- Every bronze record, normalized, exactly once: valid ones with their matching keys, the others with a reject_reason.
-- grain: bronze_file, bronze_line
-- materialized: incremental
-- partition_by: source
-- unique: bronze_file, bronze_line
-- not_null: bronze_file, bronze_line, source
-- Incremental: each refresh appends the records of bronze files not read before (the runner
-- reads the set of consumed files from bronze_file). Matching across sources uses match_key
-- (title and company normalized: case, accents, punctuation, gender markers, legal forms),
-- city_key (the city without arrondissement numbers) and country.
WITH staged AS (
    SELECT * FROM silver.stg_adzuna__postings
    UNION ALL SELECT * FROM silver.stg_france_travail__postings
    UNION ALL SELECT * FROM silver.stg_remotive__postings
    UNION ALL SELECT * FROM silver.stg_arbeitnow__postings
    UNION ALL SELECT * FROM silver.stg_jsonld__postings
    UNION ALL SELECT * FROM silver.stg_remoteok__postings
    UNION ALL SELECT * FROM silver.stg_themuse__postings
    UNION ALL SELECT * FROM silver.stg_reed__postings
    UNION ALL SELECT * FROM silver.stg_jooble__postings
    UNION ALL SELECT * FROM silver.stg_findwork__postings
),
typed AS (
    SELECT
        s.*,
        nullif(trim(regexp_replace(html_to_text(s.title), '\s+', ' ', 'g')), '') AS title_clean,
        nullif(trim(regexp_replace(html_to_text(s.company), '\s+', ' ', 'g')), '') AS company_clean,
        -- Recruiters' e-mails, phones and names stay in bronze (docs/security.md).
        redact_personal(html_to_text(s.description)) AS description_text,
        -- Else the country of a well-known city ("Los Angeles"); the text and the board's
        -- own country come after (see contracted).
        coalesce(country_code(s.country), country_code(s.region), known.country) AS country_stated,
        nullif(src.home_country, '') AS home_country,
        CASE
            WHEN s.source = 'arbeitnow' AND s.posted_raw IS NOT NULL
                THEN to_timestamp_seconds(try_cast(s.posted_raw AS BIGINT))
            ELSE parse_timestamp(s.posted_raw)
        END AS posted_at
    FROM staged s
    LEFT JOIN ref.sources src ON src.source = s.source
    -- A well-known city names its country (ref.cities).
    LEFT JOIN (SELECT normalize_key(city) AS city_key, min(country) AS country
               FROM ref.cities GROUP BY normalize_key(city)) known
        ON known.city_key = normalize_key(s.city)
),
contracted AS (
    SELECT
        t.*,
        -- A training contract named in the title or announced at the top of the description
        -- beats the source's contract code (an apprenticeship is signed as a CDD).
        -- Agency (interim) and freelance work announced there beat a fixed-term or missing code.
        CASE
            WHEN t.contract_title IN ('apprenticeship', 'internship', 'working_student')
                THEN t.contract_title
            WHEN t.contract_text IN ('apprenticeship', 'working_student') THEN t.contract_text
            WHEN t.contract_text IS NOT NULL AND coalesce(t.contract_field, 'fixed_term') = 'fixed_term'
                THEN t.contract_text
            ELSE coalesce(t.contract_field, t.contract_title)
        END AS contract_type_n
    -- Each classifier once per record (the CASE reads them several times).
    FROM (
        SELECT
            t.*,
            contract_type(t.title_clean) AS contract_title,
            contract_type(t.contract_raw) AS contract_field,
            contract_from_text(t.description_text) AS contract_text,
            -- No place in the fields: the country the text requires the worker to be in
            -- ("remotely anywhere in the United States"), else the board's own when it serves
            -- one country (sources.csv home_country: Arbeitnow's "Regensburg").
            coalesce(t.country_stated,
                     CASE WHEN t.country_stated IS NULL THEN country_in_text(t.description_text) END,
                     t.home_country) AS country_code
        FROM typed t
    ) t
),
normalized AS (
    SELECT
        t.*,
        -- Fields, else the salary text, else a sentence of the description; the period stated
        -- or decided from the magnitude, contract and wording; "sur 13 mois", stated hours.
        -- salary_basis says how (joblake_enrich::PayRules, docs/data_quality.md).
        normalize_pay(t.salary_min, t.salary_max, t.salary_currency, t.salary_period,
                      t.salary_text, t.description_text, t.country_code, cc.currency,
                      t.contract_type_n, t.working_time_raw) AS pay
    FROM contracted t
    LEFT JOIN ref.country_currencies cc ON cc.iso2 = t.country_code
),
located AS (
    SELECT
        n.*,
        -- The city of the fields, else the town of a British postcode, else the one the text
        -- places the worker in ("candidates located in Campinas, Brazil").
        coalesce(clean_city(n.city), pc.town,
                 CASE WHEN n.city IS NULL AND pc.town IS NULL
                      THEN city_in_text(n.description_text, n.country_code) END) AS city_any,
        fr.region AS fr_region
    FROM normalized n
    -- A British posting located by its postcode alone takes its postcode area's town.
    LEFT JOIN ref.uk_postcode_areas pc
        ON n.country_code = 'GB' AND n.postal_code IS NOT NULL
       AND pc.area = regexp_replace(upper(trim(n.postal_code)), '^([A-Z]{1,2}).*$', '\1')
    -- One spelling per French region ("Ile-de-France" from Adzuna is "Île-de-France").
    LEFT JOIN (SELECT DISTINCT region, normalize_key(region) AS region_key FROM ref.fr_departments) fr
        ON n.country_code = 'FR' AND fr.region_key = normalize_key(n.region)
),
placed AS (
    SELECT
        l.*,
        -- A borough is its city (Brooklyn is New York); a county or a state is no city (Reed's
        -- "Kent", "based in Texas, USA"), but the region when none is given.
        CASE WHEN part.city IS NOT NULL THEN part.city
             WHEN sub.name_key IS NULL THEN l.city_any END AS city_n,
        CASE WHEN part.city IS NULL AND sub.name_key IS NOT NULL THEN l.city_any END AS region_in_city
    FROM located l
    LEFT JOIN (SELECT normalize_key(place) AS place_key, country, min(city) AS city
               FROM ref.city_districts GROUP BY normalize_key(place), country) part
        ON part.country = l.country_code AND part.place_key = normalize_key(l.city_any)
    -- A state named like a well-known city is the city there ("New York").
    LEFT JOIN (SELECT DISTINCT country, normalize_key(name) AS name_key FROM ref.subdivisions
               WHERE normalize_key(name) NOT IN (SELECT normalize_key(city) FROM ref.cities)) sub
        ON sub.country = l.country_code AND sub.name_key = normalize_key(l.city_any)
),
records AS (
    SELECT
        n.bronze_file,
        n.bronze_line,
        n.ingest_date,
        n.source,
        n.source_id,
        n.fetched_at,
        -- The run that fetched it (the envelope's: meta.runs), for the models that count a
        -- source's runs; a streamed batch holds records of several runs.
        n.run_id,
        -- An apply link that is an e-mail address is personal data: bronze only.
        CASE WHEN NOT regexp_like(n.url, '^\s*mailto:', 'i') THEN n.url END AS url,
        n.title_clean AS title,
        coalesce(n.company_clean, 'Unknown') AS company,
        n.description_text AS description,
        n.city_n AS city,
        -- A "region" that names the country itself (Remote OK's "Germany") is none.
        CASE WHEN n.country_code IS NOT NULL
                  AND (upper(trim(n.region)) = n.country_code OR country_code(n.region) = n.country_code)
             THEN n.region_in_city
             ELSE coalesce(n.fr_region, nullif(trim(n.region), ''), n.region_in_city) END AS region,
        n.country_code AS country,
        CASE WHEN n.country_code = 'FR' THEN fr_departement(n.departement_raw, n.postal_code, n.city) END AS departement,
        n.postal_code,
        n.latitude,
        n.longitude,
        coalesce(n.remote, regexp_like(lower(concat_ws(' ', n.title, n.city)),
                 '\b(remote|full remote|télétravail|teletravail|home office|homeoffice)\b'), false) AS remote,
        n.contract_type_n AS contract_type,
        working_time(n.working_time_raw) AS working_time,
        n.pay['min'] AS salary_min,
        n.pay['max'] AS salary_max,
        n.pay['currency'] AS salary_currency,
        n.pay['period'] AS salary_period,
        n.pay['annual_min'] AS salary_annual_min,
        n.pay['annual_max'] AS salary_annual_max,
        -- Implausible annual figures in EUR are kept as published but left out of the comparable
        -- figure.
        CASE WHEN (n.pay['annual_min'] + n.pay['annual_max']) / 2 * fx.eur_per_unit BETWEEN 3000 AND 2000000
             THEN (n.pay['annual_min'] + n.pay['annual_max']) / 2 * fx.eur_per_unit END AS salary_annual_mid_eur,
        coalesce(n.salary_predicted, false) AS salary_predicted,
        n.salary_text,
        n.pay['basis'] AS salary_basis,
        -- Not the employer's own products (AWS in Amazon's blurb).
        extract_skills_for(concat_ws(' ', n.title_clean, n.description_text), n.company_clean) AS skills,
        job_family(n.title_clean) AS job_family,
        n.category_raw AS source_category,
        coalesce(n.posted_at, n.fetched_at) AS posted_at,
        CAST(coalesce(n.posted_at, n.fetched_at) AS DATE) AS posted_date,
        concat_ws('|', normalize_key(n.title_clean), normalize_company(coalesce(n.company_clean, ''))) AS match_key,
        nullif(normalize_key(n.city_n), '') AS city_key,
        CASE
            WHEN n.parse_error IS NOT NULL THEN 'malformed_envelope: ' || n.parse_error
            WHEN n.title_clean IS NULL THEN 'missing_title'
            WHEN n.posted_raw IS NOT NULL AND n.posted_at IS NULL THEN 'invalid_posted_date: ' || n.posted_raw
            WHEN n.salary_min < 0 OR n.salary_max < 0 THEN 'negative_salary'
            WHEN n.salary_min > n.salary_max THEN 'salary_min_above_max'
        END AS reject_reason
    FROM placed n
    LEFT JOIN ref.currency_rates fx ON fx.currency = n.pay['currency']
)
-- Each record's state, hashed once as it is read rather than on every refresh: the history of
-- a listing (silver.listing_history) is the sequence of its states. The description's length
-- too: ranking records and counting descriptions then read a number, not every text.
SELECT
    r.*,
    length(r.description) AS description_length,
    substr(encode(sha256(coalesce(r.description, '')), 'hex'), 1, 16) AS description_hash,
    substr(encode(sha256(concat(
        coalesce(r.title, ''), '|', coalesce(r.company, ''), '|', coalesce(r.city, ''), '|',
        coalesce(r.contract_type, ''), '|', coalesce(CAST(r.salary_min AS VARCHAR), ''), '|',
        coalesce(CAST(r.salary_max AS VARCHAR), ''), '|', coalesce(r.salary_currency, ''), '|',
        coalesce(r.salary_period, ''), '|', coalesce(r.description, ''))), 'hex'), 1, 16) AS state_hash
FROM records r
