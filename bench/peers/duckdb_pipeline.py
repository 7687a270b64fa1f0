"""DuckDB peer of joblake's silver and gold models.

    python bench/peers/duckdb_pipeline.py --bronze <lake>/bronze --out <dir>

Bronze is read with DuckDB's JSON reader, every model is a SQL statement run in one in-memory
DuckDB database (all cores, DuckDB's default), and each table is written with COPY ... TO
Parquet. joblake's Rust UDFs become SQL macros over DuckDB's own functions (regexp_*,
strip_accents, json_*, sha256); their rules come from common.py. See README.md for what differs
from joblake.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

# common.py sits next to this script (the Rust bench copies the directory elsewhere); no
# __pycache__ is written into it, since joblake embeds the directory at build time.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import rx  # noqa: E402

TOOL = "duckdb"


def lit(s: str) -> str:
    """A SQL string literal (DuckDB does not interpret backslashes in literals)."""
    return "'" + s.replace("'", "''") + "'"


def re2(pattern: str) -> str:
    return lit(rx(pattern, "re2"))


def replace_chain(expr: str, pairs: dict[str, str]) -> str:
    for old, new in pairs.items():
        expr = f"replace({expr}, {lit(old)}, {lit(new)})"
    return expr


# --------------------------------------------------------------------------------------------
# Macros: joblake's UDFs in SQL
# --------------------------------------------------------------------------------------------


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    c = common
    fold = replace_chain("lower(s)", c.SPECIAL_LETTERS)
    strip_tags = "regexp_replace(s, " + re2(c.SKIPPED_ELEMENTS) + ", '', 'g')"
    for pattern, repl in c.HTML_TAG_RULES:
        strip_tags = f"regexp_replace({strip_tags}, {re2(pattern)}, {lit(repl)}, 'g')"
    macros = [
        # JSON values the way datafusion-functions-json reads them: json_get_str only returns
        # strings, json_get_float numbers and numeric strings ("5"), json_get_bool booleans and
        # "true"/"false", json_as_text anything as text.
        "jstr(v) AS CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END",
        "jnum(v) AS CASE WHEN json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR') "
        "THEN TRY_CAST(json_extract_string(v, '$') AS DOUBLE) END",
        "jbool(v) AS CASE WHEN json_type(v) IN ('BOOLEAN', 'VARCHAR') "
        "THEN TRY_CAST(json_extract_string(v, '$') AS BOOLEAN) END",
        "jtext(v) AS CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') "
        "WHEN json_type(v) <> 'NULL' THEN CAST(v AS VARCHAR) END",
        # html_to_text
        f"unescape_html(s) AS CASE WHEN regexp_matches(s, {re2(c.ESCAPED_HTML)}) "
        f"THEN {replace_chain('s', c.ESCAPED_HTML_ENTITIES)} ELSE s END",
        f"html_newlines(s) AS CASE WHEN regexp_matches(s, {re2(c.LOOKS_LIKE_HTML)}) "
        f"THEN regexp_replace(s, {re2(c.RAW_NEWLINES)}, ' ', 'g') "
        "ELSE replace(replace(s, chr(13) || chr(10), chr(10)), chr(13), chr(10)) END",
        f"strip_tags(s) AS {strip_tags}",
        f"decode_entities(s) AS {replace_chain('s', c.HTML_ENTITIES)}",
        "tidy_text(s) AS trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace("
        f"regexp_replace(s, {re2(c.CONTROL_CHARS)}, '', 'g'), {re2(c.SPACE_CHARS)}, ' ', 'g'), "
        f"{re2(c.SPACE_RUN)}, ' ', 'g'), {re2(c.SPACES_AROUND_NEWLINE)}, chr(10), 'g'), "
        f"{re2(c.BLANK_LINES)}, chr(10) || chr(10), 'g'), ' ' || chr(10))",
        "html_to_text(s) AS tidy_text(decode_entities(strip_tags(html_newlines(unescape_html("
        f"regexp_replace(s, {re2(c.INVISIBLE_CHARS)}, '', 'g'))))))",
        # title and company: one line of text, NULL when empty
        "clean_line(s) AS nullif(trim(regexp_replace(html_to_text(s), '\\s+', ' ', 'g')), '')",
        # normalize_key / normalize_company
        f"fold(s) AS strip_accents({fold})",
        "normalize_key(s) AS trim(regexp_replace(regexp_replace(regexp_replace("
        f"trim(regexp_replace(fold(regexp_replace(s, {re2(c.INCLUSIVE_SUFFIX)}, '\\1\\2', 'g')), "
        f"{re2(c.NON_ALNUM_RUN)}, ' ', 'g')), {re2(c.GENDER_MARKERS)}, ' ', 'g'), "
        f"{re2(c.FINAL_GENDER_MARKER)}, ''), {re2(c.MULTI_SPACE)}, ' ', 'g'))",
        f"normalize_company(s) AS regexp_replace(regexp_replace(normalize_key(s), "
        f"{re2(c.GLASSDOOR_RATING)}, ''), {re2(c.LEGAL_SUFFIX_TAIL)}, '')",
        # France Travail places: "75 - Paris 11e Arrondissement"
        f"fr_department(label) AS nullif(regexp_extract(label, {re2(c.FT_LABEL)}, 1), '')",
        f"fr_city(label) AS CASE WHEN NOT regexp_matches(label, {re2(c.FT_DEPARTMENT_ONLY)}) "
        f"THEN nullif(regexp_extract(label, {re2(c.FT_LABEL)}, 2), '') END",
        # working_time: the first full/part-time phrase
        "working_time(s) AS CASE "
        f"WHEN regexp_extract(normalize_key(s), {re2(c.WORKING_TIME)}, 1) IN "
        f"({', '.join(lit(p) for p in c.FULL_TIME_PHRASES)}) THEN 'full_time' "
        f"WHEN regexp_extract(normalize_key(s), {re2(c.WORKING_TIME)}, 1) <> '' THEN 'part_time' END",
        # a salary amount as written: thousands separators, decimal comma or point
        "amount_digits(n) AS regexp_replace(n, '[ \u00a0\u202f''’]', '', 'g')",
        "parse_amount(n) AS TRY_CAST(CASE "
        "WHEN n IS NULL OR n = '' THEN NULL "
        # both separators: the last one is the decimal point
        "WHEN n LIKE '%.%' AND n LIKE '%,%' AND regexp_matches(n, ',[0-9]*$') "
        "THEN replace(replace(n, '.', ''), ',', '.') "
        "WHEN n LIKE '%.%' AND n LIKE '%,%' THEN replace(n, ',', '') "
        # one separator followed by exactly 3 digits: thousands (45.000, 46,000), unless 0.xxx
        "WHEN regexp_matches(n, '^[0-9]+[.,][0-9]{3}$') AND NOT regexp_matches(n, '^0[.,]') "
        "THEN regexp_replace(n, '[.,]', '') "
        "WHEN regexp_matches(n, '^[0-9]+[.,][0-9]+$') THEN replace(n, ',', '.') "
        "ELSE regexp_replace(n, '[.,]', '', 'g') END AS DOUBLE)",
        # stable_key(parts...): first 63 bits of SHA-256 of the parts joined by 0x1f
        "stable_key_of(s) AS CAST((CAST('0x' || substr(sha256(s), 1, 16) AS UBIGINT) >> 1) AS BIGINT)",
        "stable_key(a) AS stable_key_of(coalesce(a, ''))",
        "stable_key2(a, b) AS stable_key_of(coalesce(a, '') || chr(31) || coalesce(b, ''))",
        "stable_key3(a, b, c) AS stable_key_of(coalesce(a, '') || chr(31) || coalesce(b, '') "
        "|| chr(31) || coalesce(c, ''))",
    ]
    for m in macros:
        con.execute(f"CREATE MACRO {m}")


# --------------------------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------------------------


def create_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, tuple[str, list]]
) -> None:
    """A table from Python lists, one list per column (passed as list parameters and
    unnested side by side: one statement instead of one INSERT per row)."""
    select = ", ".join(f"unnest(?::{sqltype}[]) AS {col}" for col, (sqltype, _) in columns.items())
    con.execute(
        f"CREATE TABLE {name} AS SELECT {select}", [values for _, values in columns.values()]
    )


def load_reference(
    con: duckdb.DuckDBPyConnection, ref: Path
) -> tuple[common.SkillSpec, common.ContractSpec]:
    # The CSVs as joblake reads them (common.read_reference): DuckDB's CSV sniffer takes the
    # '#' of "C#" for a comment, so the rows are read in Python.
    for name in (
        "skills",
        "job_families",
        "countries",
        "country_currencies",
        "fr_departments",
        "currency_rates",
        "salary_periods",
        "sources",
    ):
        rows = common.read_reference(ref, name)
        create_table(con, f"ref_{name}", {c: ("VARCHAR", [r[c] for r in rows]) for c in rows[0]})
    con.execute(
        "CREATE TABLE ref_fx AS SELECT currency, CAST(eur_per_unit AS DOUBLE) AS eur_per_unit "
        "FROM ref_currency_rates"
    )
    con.execute(
        "CREATE TABLE ref_periods AS SELECT period, CAST(annual_factor AS DOUBLE) AS annual_factor "
        "FROM ref_salary_periods"
    )
    # Lookups compiled from the CSVs by common.py (keys already normalized)
    skills = common.skill_spec(ref, fold=True)  # RE2's \b is ASCII: match on folded text
    for name, table in (("skill_cs", skills.case_sensitive), ("skill_ci", skills.case_insensitive)):
        create_table(
            con, name, {"key": ("VARCHAR", list(table)), "skill": ("VARCHAR", list(table.values()))}
        )
    contracts = common.contract_spec(ref)
    named = [(p, t) for p, t in contracts.types.items() if t]  # phrases that name a contract
    create_table(
        con,
        "contract_phrases",
        {
            "phrase": ("VARCHAR", [p for p, _ in named]),
            "contract_type": ("VARCHAR", [t for _, t in named]),
            "rank": ("INTEGER", [common.CONTRACT_RANK[t] for _, t in named]),
        },
    )
    keys = common.country_keys(ref)
    create_table(
        con,
        "country_keys",
        {
            "key": ("VARCHAR", [k for k, _, _ in keys]),
            "iso2": ("VARCHAR", [c for _, c, _ in keys]),
            "is_code": ("BOOLEAN", [b for _, _, b in keys]),
        },
    )
    for name, col, table in (
        ("currency_tokens", "token", common.CURRENCY_TOKENS),
        ("period_words", "word", common.PERIOD_WORDS),
    ):
        value = "currency" if col == "token" else "period"
        create_table(
            con, name, {col: ("VARCHAR", list(table)), value: ("VARCHAR", list(table.values()))}
        )
    return skills, contracts


# --------------------------------------------------------------------------------------------
# Bronze and staging
# --------------------------------------------------------------------------------------------


def load_bronze(con: duckdb.DuckDBPyConnection, bronze: Path) -> None:
    prefix = str(bronze.resolve()) + "/"
    glob = prefix + common.BRONZE_GLOB
    # ignore_errors turns a line that is not a JSON object into a row of NULLs instead of
    # failing the read; such rows (and envelopes without payload or with a bad fetched_at)
    # become malformed_envelope rejects, like joblake's parse_error.
    con.execute(f"""
        CREATE TABLE bronze_raw AS
        SELECT * FROM read_json({lit(glob)},
            format = 'newline_delimited',
            columns = {{source: 'VARCHAR', source_id: 'VARCHAR', fetched_at: 'VARCHAR',
                        url: 'VARCHAR', run_id: 'VARCHAR', payload: 'JSON'}},
            filename = true, ignore_errors = true)
    """)
    # rowid follows the file order, so row_number gives the line (blank lines are not rows)
    con.execute(f"""
        CREATE TABLE bronze AS
        WITH checked AS (
            SELECT *, rowid AS rid,
                   CASE
                       WHEN payload IS NULL AND source_id IS NULL AND fetched_at IS NULL
                           THEN 'malformed envelope JSON'
                       WHEN payload IS NULL THEN 'envelope has no payload'
                       WHEN fetched_at IS NOT NULL AND TRY_CAST(fetched_at AS TIMESTAMPTZ) IS NULL
                           THEN 'bad fetched_at ' || fetched_at
                   END AS parse_error
            FROM bronze_raw
        )
        SELECT
            'bronze/' || substr(filename, {len(prefix) + 1}) AS bronze_file,
            row_number() OVER (PARTITION BY filename ORDER BY rid) AS bronze_line,
            CAST(regexp_extract(filename, 'ingest_date=([0-9-]+)', 1) AS DATE) AS ingest_date,
            split_part(substr(filename, {len(prefix) + 1}), '/', 1) AS source,
            -- a rejected envelope keeps nothing but where it is, like joblake's
            CASE WHEN parse_error IS NULL THEN source_id END AS source_id,
            CASE WHEN parse_error IS NULL THEN TRY_CAST(fetched_at AS TIMESTAMPTZ) END AS fetched_at,
            CASE WHEN parse_error IS NULL THEN url END AS url,
            CASE WHEN parse_error IS NULL THEN payload END AS payload,
            parse_error
        FROM checked
    """)
    con.execute("DROP TABLE bronze_raw")


def staging(source: str, columns: str) -> str:
    """One source's staging query (sql/silver/stg_<source>__postings.sql).

    `{$.path}` placeholders are JSON paths into the payload. They are all extracted with one
    json_extract(payload, [paths]) call, which parses each payload once instead of once per
    field (5x faster here than one json_extract_string per column)."""
    paths = list(dict.fromkeys(re.findall(r"\{(\$[^}]*)\}", columns)))
    body = re.sub(r"\{(\$[^}]*)\}", lambda m: f"j[{paths.index(m.group(1)) + 1}]", columns)
    return f"""
        SELECT bronze_file, bronze_line, ingest_date, source, source_id, fetched_at, parse_error,
               {body}
        FROM (SELECT *, json_extract(payload, [{", ".join(lit(p) for p in paths)}]) AS j
              FROM bronze WHERE source = {lit(source)})"""


# Columns of every staging query, in this order (posting_records unions them).
STAGING = {
    "adzuna": """
        coalesce(jstr({$.redirect_url}), url) AS url,
        jstr({$.title}) AS title,
        jstr({$.company.display_name}) AS company,
        jstr({$.description}) AS description,
        trim(split_part(jstr({$.location.display_name}), ',', 1)) AS city,
        jstr({$.location.area[1]}) AS region,
        jstr({$.location.area[0]}) AS country,
        NULL::VARCHAR AS postal_code,
        jnum({$.latitude}) AS latitude,
        jnum({$.longitude}) AS longitude,
        NULL::BOOLEAN AS remote,
        jstr({$.contract_type}) AS contract_raw,
        jstr({$.contract_time}) AS working_time_raw,
        jnum({$.salary_min}) AS salary_min,
        jnum({$.salary_max}) AS salary_max,
        NULL::VARCHAR AS salary_currency,
        CASE WHEN jnum({$.salary_min}) IS NOT NULL OR jnum({$.salary_max}) IS NOT NULL
             THEN 'year' END AS salary_period,
        NULL::VARCHAR AS salary_text,
        jstr({$.salary_is_predicted}) = '1' AS salary_predicted,
        jstr({$.created}) AS posted_raw,
        jstr({$.category.label}) AS category_raw""",
    "france_travail": """
        coalesce(jstr({$.origineOffre.urlOrigine}), url) AS url,
        jstr({$.intitule}) AS title,
        jstr({$.entreprise.nom}) AS company,
        jstr({$.description}) AS description,
        fr_city(jstr({$.lieuTravail.libelle})) AS city,
        fr_department(jstr({$.lieuTravail.libelle})) AS region,  -- code; region joined below
        'FR' AS country,
        jstr({$.lieuTravail.codePostal}) AS postal_code,
        jnum({$.lieuTravail.latitude}) AS latitude,
        jnum({$.lieuTravail.longitude}) AS longitude,
        NULL::BOOLEAN AS remote,
        jstr({$.typeContrat}) AS contract_raw,
        jstr({$.dureeTravailLibelleConverti}) AS working_time_raw,
        NULL::DOUBLE AS salary_min,
        NULL::DOUBLE AS salary_max,
        NULL::VARCHAR AS salary_currency,
        NULL::VARCHAR AS salary_period,
        jstr({$.salaire.libelle}) AS salary_text,
        false AS salary_predicted,
        jstr({$.dateCreation}) AS posted_raw,
        jstr({$.romeLibelle}) AS category_raw""",
    "remotive": """
        coalesce(jstr({$.url}), url) AS url,
        jstr({$.title}) AS title,
        jstr({$.company_name}) AS company,
        jstr({$.description}) AS description,
        NULL::VARCHAR AS city,
        jstr({$.candidate_required_location}) AS region,
        jstr({$.candidate_required_location}) AS country,
        NULL::VARCHAR AS postal_code,
        NULL::DOUBLE AS latitude,
        NULL::DOUBLE AS longitude,
        true AS remote,
        jstr({$.job_type}) AS contract_raw,
        jstr({$.job_type}) AS working_time_raw,
        NULL::DOUBLE AS salary_min,
        NULL::DOUBLE AS salary_max,
        NULL::VARCHAR AS salary_currency,
        NULL::VARCHAR AS salary_period,
        jstr({$.salary}) AS salary_text,
        false AS salary_predicted,
        jstr({$.publication_date}) AS posted_raw,
        jstr({$.category}) AS category_raw""",
    "arbeitnow": """
        coalesce(jstr({$.url}), url) AS url,
        jstr({$.title}) AS title,
        jstr({$.company_name}) AS company,
        jstr({$.description}) AS description,
        trim(split_part(jstr({$.location}), ',', 1)) AS city,
        CASE WHEN jstr({$.location}) LIKE '%,%,%'
             THEN trim(split_part(jstr({$.location}), ',', 2)) END AS region,
        CASE WHEN jstr({$.location}) LIKE '%,%'
             THEN trim(split_part(jstr({$.location}), ',', -1)) END AS country,
        NULL::VARCHAR AS postal_code,
        NULL::DOUBLE AS latitude,
        NULL::DOUBLE AS longitude,
        jbool({$.remote}) AS remote,
        jtext({$.job_types}) AS contract_raw,
        jtext({$.job_types}) AS working_time_raw,
        NULL::DOUBLE AS salary_min,
        NULL::DOUBLE AS salary_max,
        NULL::VARCHAR AS salary_currency,
        NULL::VARCHAR AS salary_period,
        NULL::VARCHAR AS salary_text,
        false AS salary_predicted,
        jtext({$.created_at}) AS posted_raw,
        NULL::VARCHAR AS category_raw""",
    "jsonld": """
        coalesce(jstr({$.url}), url) AS url,
        jstr({$.title}) AS title,
        coalesce(jstr({$.hiringOrganization.name}), jstr({$.hiringOrganization})) AS company,
        jstr({$.description}) AS description,
        coalesce(jstr({$.jobLocation.address.addressLocality}),
                 jstr({$.jobLocation[0].address.addressLocality})) AS city,
        coalesce(jstr({$.jobLocation.address.addressRegion}),
                 jstr({$.jobLocation[0].address.addressRegion})) AS region,
        coalesce(jstr({$.jobLocation.address.addressCountry}),
                 jstr({$.jobLocation.address.addressCountry.name}),
                 jstr({$.jobLocation[0].address.addressCountry}),
                 jstr({$.jobLocation[0].address.addressCountry.name})) AS country,
        coalesce(jstr({$.jobLocation.address.postalCode}),
                 jstr({$.jobLocation[0].address.postalCode})) AS postal_code,
        NULL::DOUBLE AS latitude,
        NULL::DOUBLE AS longitude,
        CASE WHEN jstr({$.jobLocationType}) = 'TELECOMMUTE' THEN true END AS remote,
        jtext({$.employmentType}) AS contract_raw,
        jtext({$.employmentType}) AS working_time_raw,
        coalesce(jnum({$.baseSalary.value.minValue}), jnum({$.baseSalary.value.value})) AS salary_min,
        coalesce(jnum({$.baseSalary.value.maxValue}), jnum({$.baseSalary.value.value})) AS salary_max,
        jstr({$.baseSalary.currency}) AS salary_currency,
        lower(jstr({$.baseSalary.value.unitText})) AS salary_period,
        jstr({$.joblakeSalaryText}) AS salary_text,
        false AS salary_predicted,
        jstr({$.datePosted}) AS posted_raw,
        jstr({$.occupationalCategory}) AS category_raw""",
    "remoteok": """
        coalesce(jstr({$.url}), url) AS url,
        jstr({$.position}) AS title,
        jstr({$.company}) AS company,
        jstr({$.description}) AS description,
        NULL::VARCHAR AS city,
        jstr({$.location}) AS region,
        jstr({$.location}) AS country,
        NULL::VARCHAR AS postal_code,
        NULL::DOUBLE AS latitude,
        NULL::DOUBLE AS longitude,
        true AS remote,
        NULL::VARCHAR AS contract_raw,
        NULL::VARCHAR AS working_time_raw,
        nullif(jnum({$.salary_min}), 0) AS salary_min,
        nullif(jnum({$.salary_max}), 0) AS salary_max,
        CASE WHEN nullif(jnum({$.salary_min}), 0) IS NOT NULL THEN 'USD' END AS salary_currency,
        CASE WHEN nullif(jnum({$.salary_min}), 0) IS NOT NULL THEN 'year' END AS salary_period,
        NULL::VARCHAR AS salary_text,
        false AS salary_predicted,
        jstr({$.date}) AS posted_raw,
        NULL::VARCHAR AS category_raw""",
}


# --------------------------------------------------------------------------------------------
# Silver
# --------------------------------------------------------------------------------------------


def build_silver(
    con: duckdb.DuckDBPyConnection,
    skills: common.SkillSpec,
    contracts: common.ContractSpec,
    family_rules: list[tuple[str, str]],
) -> None:
    c = common
    staged = "\nUNION ALL BY NAME\n".join(staging(s, cols) for s, cols in STAGING.items())
    # The France Travail staging returns the département code as region: its region name
    # comes from ref.fr_departments (joblake's fr_region UDF).
    con.execute(f"""
        CREATE TABLE staged AS
        SELECT s.* REPLACE (CASE WHEN s.source = 'france_travail' THEN d.region
                                 ELSE s.region END AS region)
        FROM ({staged}) s
        LEFT JOIN ref_fr_departments d ON s.source = 'france_travail' AND d.code = s.region
    """)

    # Lookups computed once per distinct value: countries, contract types, salary texts.
    con.execute(f"""
        CREATE TABLE country_lookup AS
        WITH vals AS (
            SELECT DISTINCT v FROM (SELECT country AS v FROM staged UNION ALL
                                    SELECT region FROM staged) WHERE v IS NOT NULL
        ),
        whole AS (  -- a code, name or alias
            SELECT v, any_value(k.iso2) AS iso2
            FROM vals JOIN country_keys k ON k.key = normalize_key(v) GROUP BY v
        ),
        parts AS (  -- "Munich, Bavaria, Germany": names only, the last part first
            SELECT v, unnest(p) AS part, unnest(range(1, len(p) + 1)) AS i
            FROM (SELECT v, string_split_regex(v, {re2(c.LOCATION_SEPARATORS)}) AS p FROM vals)
        ),
        located AS (
            SELECT v, arg_max(k.iso2, i) AS iso2
            FROM parts JOIN country_keys k ON k.key = normalize_key(part) AND NOT k.is_code
            GROUP BY v
        )
        SELECT v, coalesce(whole.iso2, located.iso2) AS iso2
        FROM vals LEFT JOIN whole USING (v) LEFT JOIN located USING (v)
    """)
    not_amounts = "fold(raw)"
    for pattern in c.SALARY_NOT_AMOUNTS:
        not_amounts = f"regexp_replace({not_amounts}, {re2(pattern)}, ' ', 'g')"
    con.execute(f"""
        CREATE TABLE salary_lookup AS
        WITH texts AS (
            SELECT DISTINCT salary_text AS raw FROM staged
            WHERE salary_text IS NOT NULL AND regexp_matches(salary_text, '[0-9]')
        ),
        cleaned AS (SELECT raw, {not_amounts} AS t FROM texts),
        found AS (
            SELECT raw,
                   regexp_extract(t, {re2(c.SALARY_RANGE)}, ['n1', 'k1', 'n2', 'k2']) AS r,
                   regexp_extract(t, {re2(c.SALARY_AMOUNT)}, ['n1', 'k1']) AS a,
                   regexp_extract(t, {re2(c.SALARY_CURRENCY)}) AS currency_token,
                   regexp_extract(regexp_extract(t, {re2(c.SALARY_PERIOD)}),
                                  {re2(c.PERIOD_LAST_WORD)}, 1) AS period_word
            FROM cleaned
        ),
        amounts AS (  -- the first range "A - B", else the first amount; k = thousands
            SELECT raw, currency_token, period_word, r.n1 <> '' AS is_range,
                   parse_amount(amount_digits(CASE WHEN r.n1 <> '' THEN r.n1 ELSE a.n1 END))
                       * CASE WHEN (CASE WHEN r.n1 <> '' THEN r.k1 ELSE a.k1 END) <> ''
                              THEN 1000 ELSE 1 END AS v1,
                   CASE WHEN r.n1 <> '' THEN parse_amount(amount_digits(r.n2))
                        * CASE WHEN r.k2 <> '' THEN 1000 ELSE 1 END END AS v2,
                   (CASE WHEN r.n1 <> '' THEN r.k1 ELSE a.k1 END) <> '' AS k1,
                   r.k2 <> '' AS k2
            FROM found
        ),
        carried AS (  -- "40-50K": the k of one bound carries over to a bare other bound
            SELECT *,
                   CASE WHEN is_range AND k2 AND NOT k1 AND v1 < 1000 THEN v1 * 1000 ELSE v1 END AS lo,
                   CASE WHEN is_range AND k1 AND NOT k2 AND v2 < 1000 THEN v2 * 1000 ELSE v2 END AS hi
            FROM amounts
        )
        SELECT raw,
               least(lo, coalesce(hi, lo)) AS min,
               greatest(lo, coalesce(hi, lo)) AS max,
               ct.currency,
               pw.period
        FROM carried
        LEFT JOIN currency_tokens ct ON ct.token = carried.currency_token
        LEFT JOIN period_words pw ON pw.word = carried.period_word
        WHERE greatest(lo, coalesce(hi, lo)) > 0
          -- bare numbers need a currency, a period or a k to count below 1000
          AND NOT (ct.currency IS NULL AND pw.period IS NULL AND NOT k1 AND NOT coalesce(k2, false)
                   AND greatest(lo, coalesce(hi, lo)) < 1000)
          -- a lone year is not a salary
          AND NOT (NOT is_range AND ct.currency IS NULL AND NOT k1 AND lo = floor(lo)
                   AND lo BETWEEN 1900 AND 2100)
    """)

    # job_family(title): the first rule that matches, in priority order (NULL title: NULL)
    family_case = (
        "CASE WHEN title_key IS NULL THEN NULL "
        + " ".join(
            f"WHEN regexp_matches(title_key, {lit(p)}) THEN {lit(f)}" for f, p in family_rules
        )
        + " ELSE 'other' END"
    )

    # posting_records.sql: typed -> normalized -> the final columns
    con.execute("""
        CREATE TABLE typed AS
        SELECT
            s.*,
            clean_line(s.title) AS title_clean,
            clean_line(s.company) AS company_clean,
            html_to_text(s.description) AS description_text,
            coalesce(cc1.iso2, cc2.iso2) AS country_code,
            CASE
                WHEN s.source = 'arbeitnow' AND s.posted_raw IS NOT NULL
                    THEN to_timestamp(TRY_CAST(s.posted_raw AS BIGINT))
                -- epochs: 9-11 digits are seconds, 12-14 milliseconds
                WHEN regexp_matches(trim(s.posted_raw), '^[0-9]{9,11}$')
                    THEN to_timestamp(CAST(trim(s.posted_raw) AS BIGINT))
                WHEN regexp_matches(trim(s.posted_raw), '^[0-9]{12,14}$')
                    THEN epoch_ms(CAST(trim(s.posted_raw) AS BIGINT))
                ELSE coalesce(
                    TRY_CAST(trim(s.posted_raw) AS TIMESTAMPTZ),
                    -- day first, never US month first
                    CAST(try_strptime(trim(s.posted_raw),
                        ['%d/%m/%Y', '%d.%m.%Y', '%d-%m-%Y', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S',
                         '%Y%m%d', '%Y/%m/%d']) AS TIMESTAMPTZ))
            END AS posted_at
        FROM staged s
        LEFT JOIN country_lookup cc1 ON cc1.v = s.country
        LEFT JOIN country_lookup cc2 ON cc2.v = s.region
    """)
    # contract_type(raw), else contract_type(title), per distinct value
    con.execute(f"""
        CREATE TABLE contract_lookup AS
        WITH vals AS (
            SELECT DISTINCT v FROM (SELECT contract_raw AS v FROM typed UNION ALL
                                    SELECT title_clean FROM typed) WHERE v IS NOT NULL
        ),
        hits AS (
            SELECT v, unnest(regexp_extract_all(normalize_key(v), {lit(contracts.pattern)})) AS phrase
            FROM vals
        )
        SELECT v, arg_max(p.contract_type, p.rank) AS contract_type
        FROM hits JOIN contract_phrases p USING (phrase)
        GROUP BY v
    """)
    con.execute("""
        CREATE TABLE normalized AS
        SELECT
            t.*,
            normalize_key(t.title_clean) AS title_key,
            coalesce(t.salary_min, sp.min) AS salary_min_n,
            coalesce(t.salary_max, sp.max) AS salary_max_n,
            coalesce(t.salary_period, sp.period,
                     CASE WHEN sp.max >= 10000 THEN 'year' WHEN sp.max >= 1000 THEN 'month'
                          WHEN sp.max >= 150 THEN 'day' WHEN sp.max > 0 THEN 'hour' END
            ) AS salary_period_n,
            coalesce(upper(t.salary_currency), sp.currency, cc.currency) AS salary_currency_n
        FROM typed t
        LEFT JOIN salary_lookup sp ON sp.raw = t.salary_text
        LEFT JOIN ref_country_currencies cc ON cc.iso2 = t.country_code
    """)
    # Skills: every alias, stop phrase and guard of the dictionary in one RE2 alternation,
    # on accent-folded text; matches are mapped to skills by join.
    con.execute(f"""
        CREATE TABLE record_skills AS
        WITH hits AS (
            SELECT bronze_file, bronze_line,
                   unnest(regexp_extract_all(strip_accents(concat_ws(' ', title_clean, description_text)),
                                             {lit(skills.pattern)})) AS hit
            FROM typed
        )
        SELECT h.bronze_file, h.bronze_line,
               list_sort(list_distinct(list(k.skill))) AS skills
        FROM hits h
        LEFT JOIN skill_cs cs ON cs.key = h.hit
        LEFT JOIN skill_ci ci ON ci.key = lower(h.hit)
        JOIN ref_skills k ON k.skill = coalesce(cs.skill, ci.skill) AND k.family <> 'ignore'
        GROUP BY h.bronze_file, h.bronze_line
    """)
    con.execute(f"""
        CREATE TABLE posting_records AS
        SELECT
            n.bronze_file,
            n.bronze_line,
            n.ingest_date,
            n.source_id,
            n.fetched_at,
            n.url,
            n.title_clean AS title,
            coalesce(n.company_clean, 'Unknown') AS company,
            n.description_text AS description,
            nullif(trim(n.city), '') AS city,
            CASE WHEN n.country_code IS NOT NULL AND upper(trim(n.region)) = n.country_code THEN NULL
                 ELSE coalesce(fr.region, nullif(trim(n.region), '')) END AS region,
            n.country_code AS country,
            n.postal_code,
            n.latitude,
            n.longitude,
            coalesce(n.remote, regexp_matches(lower(concat_ws(' ', n.title, n.city)),
                     {lit(c.REMOTE_WORDS)}), false) AS remote,
            coalesce(ct1.contract_type, ct2.contract_type) AS contract_type,
            working_time(n.working_time_raw) AS working_time,
            n.salary_min_n AS salary_min,
            n.salary_max_n AS salary_max,
            CASE WHEN n.salary_min_n IS NOT NULL THEN n.salary_currency_n END AS salary_currency,
            CASE WHEN n.salary_min_n IS NOT NULL THEN n.salary_period_n END AS salary_period,
            n.salary_min_n * p.annual_factor AS salary_annual_min,
            n.salary_max_n * p.annual_factor AS salary_annual_max,
            -- implausible annual figures are kept as published but left out of the EUR figure
            CASE WHEN (n.salary_min_n + n.salary_max_n) / 2 * p.annual_factor * fx.eur_per_unit
                      BETWEEN 3000 AND 2000000
                 THEN (n.salary_min_n + n.salary_max_n) / 2 * p.annual_factor * fx.eur_per_unit
            END AS salary_annual_mid_eur,
            coalesce(n.salary_predicted, false) AS salary_predicted,
            n.salary_text,
            coalesce(rs.skills, []::VARCHAR[]) AS skills,
            {family_case.replace("title_key", "n.title_key")} AS job_family,
            n.category_raw AS source_category,
            coalesce(n.posted_at, n.fetched_at) AS posted_at,
            CAST(coalesce(n.posted_at, n.fetched_at) AS DATE) AS posted_date,
            concat_ws('|', n.title_key, normalize_company(coalesce(n.company_clean, ''))) AS match_key,
            nullif(regexp_replace(normalize_key(n.city), {re2(c.CITY_KEY_TAIL)}, ''), '') AS city_key,
            CASE
                WHEN n.parse_error IS NOT NULL THEN 'malformed_envelope: ' || n.parse_error
                WHEN n.title_clean IS NULL THEN 'missing_title'
                WHEN n.posted_raw IS NOT NULL AND n.posted_at IS NULL
                    THEN 'invalid_posted_date: ' || n.posted_raw
                WHEN n.salary_min_n < 0 OR n.salary_max_n < 0 THEN 'negative_salary'
                WHEN n.salary_min_n > n.salary_max_n THEN 'salary_min_above_max'
            END AS reject_reason,
            n.source
        FROM normalized n
        LEFT JOIN ref_periods p ON p.period = n.salary_period_n
        LEFT JOIN ref_fx fx ON fx.currency = n.salary_currency_n
        LEFT JOIN contract_lookup ct1 ON ct1.v = n.contract_raw
        LEFT JOIN contract_lookup ct2 ON ct2.v = n.title_clean
        LEFT JOIN record_skills rs ON rs.bronze_file = n.bronze_file AND rs.bronze_line = n.bronze_line
        -- one spelling per French region ("Ile-de-France" from Adzuna is "Île-de-France")
        LEFT JOIN (SELECT DISTINCT region, normalize_key(region) AS region_key
                   FROM ref_fr_departments) fr
            ON n.country_code = 'FR' AND fr.region_key = normalize_key(n.region)
        ORDER BY n.bronze_file, n.bronze_line
    """)
    for t in ("staged", "typed", "normalized", "record_skills"):
        con.execute(f"DROP TABLE {t}")

    # int_posting_keys.sql
    con.execute("""
        CREATE TABLE int_posting_records AS
        WITH cities AS (
            SELECT match_key,
                   count(DISTINCT city_key) AS cities,
                   min(city_key) AS only_city,
                   count(DISTINCT country) AS countries,
                   min(country) AS only_country
            FROM posting_records
            WHERE reject_reason IS NULL AND city_key IS NOT NULL
            GROUP BY match_key
        ),
        keyed AS (
            SELECT r.*,
                   r.match_key || '|' || coalesce(
                       r.city_key,
                       CASE WHEN c.cities = 1
                             AND (r.country IS NULL OR c.only_country IS NULL
                                  OR (c.countries = 1 AND c.only_country = r.country))
                            THEN c.only_city END,
                       r.country,
                       '') AS dedup_key
            FROM posting_records r
            LEFT JOIN cities c ON c.match_key = r.match_key
            WHERE r.reject_reason IS NULL
        )
        SELECT k.*,
               substr(sha256(first_value(k.dedup_key) OVER (
                   PARTITION BY k.source, k.source_id
                   ORDER BY k.fetched_at, k.bronze_file, k.bronze_line
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)), 1, 16) AS posting_id
        FROM keyed k
    """)
    # job_postings.sql
    con.execute("""
        CREATE TABLE job_postings AS
        WITH ranked AS (
            SELECT r.*,
                   row_number() OVER (
                       PARTITION BY r.posting_id
                       ORDER BY CASE WHEN r.salary_min IS NULL THEN 1 ELSE 0 END,
                                length(r.description) DESC NULLS LAST,
                                r.fetched_at DESC, r.bronze_file DESC, r.bronze_line DESC) AS pick
            FROM int_posting_records r
        ),
        seen AS (
            SELECT posting_id,
                   list_sort(list_distinct(list(source))) AS sources,
                   count(DISTINCT source || ':' || source_id) AS listings,
                   count(*) AS records,
                   min(posted_date) AS posted_date,
                   min(fetched_at) AS first_seen,
                   max(fetched_at) AS last_seen
            FROM int_posting_records
            GROUP BY posting_id
        )
        SELECT p.posting_id, s.sources, p.source AS primary_source,
               p.source_id AS primary_source_id, p.url, p.title, p.company, p.city, p.region,
               p.country, p.postal_code, p.latitude, p.longitude, p.remote, p.contract_type,
               p.working_time, p.salary_min, p.salary_max, p.salary_currency, p.salary_period,
               p.salary_annual_min, p.salary_annual_max, p.salary_annual_mid_eur,
               p.salary_predicted, p.description, p.skills, p.job_family, p.source_category,
               s.posted_date, strftime(s.posted_date, '%Y-%m') AS posted_month,
               s.first_seen, s.last_seen, s.listings, s.records
        FROM ranked p JOIN seen s ON s.posting_id = p.posting_id
        WHERE p.pick = 1
        ORDER BY p.posting_id
    """)
    # posting_sources.sql and rejects.sql
    con.execute("""
        CREATE TABLE posting_sources AS
        SELECT posting_id, source, source_id, max(url) AS url, count(*) AS records,
               min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
        FROM int_posting_records
        GROUP BY posting_id, source, source_id
        ORDER BY posting_id, source, source_id
    """)
    con.execute("""
        CREATE TABLE rejects AS
        SELECT bronze_file, bronze_line, source, source_id, fetched_at, url, title, company,
               split_part(reject_reason, ':', 1) AS reject_code, reject_reason
        FROM posting_records
        WHERE reject_reason IS NOT NULL
        ORDER BY bronze_file, bronze_line
    """)


# --------------------------------------------------------------------------------------------
# Gold
# --------------------------------------------------------------------------------------------

GOLD = {
    "dim_company": """
        WITH names AS (
            SELECT normalize_company(company) AS company_norm, company, count(*) AS n
            FROM job_postings GROUP BY 1, 2
        )
        SELECT stable_key(company_norm) AS company_key, company_norm,
               first(company ORDER BY n DESC, company) AS company_name,
               CAST(sum(n) AS BIGINT) AS postings
        FROM names GROUP BY company_norm""",
    "dim_contract": """
        SELECT stable_key2(contract_type, working_time) AS contract_key, contract_type, working_time
        FROM (SELECT DISTINCT coalesce(contract_type, 'unknown') AS contract_type,
                              coalesce(working_time, 'unknown') AS working_time
              FROM job_postings)""",
    "dim_date": """
        WITH bounds AS (SELECT min(posted_date) AS lo, max(posted_date) AS hi FROM job_postings),
        days AS (
            SELECT CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP),
                                               INTERVAL 1 DAY)) AS DATE) AS d
            FROM bounds WHERE lo IS NOT NULL
        )
        SELECT CAST(strftime(d, '%Y%m%d') AS BIGINT) AS date_key, d AS date,
               CAST(year(d) AS INT) AS year, CAST(quarter(d) AS INT) AS quarter,
               CAST(month(d) AS INT) AS month, strftime(d, '%Y-%m') AS year_month,
               monthname(d) AS month_name, CAST(weekofyear(d) AS INT) AS iso_week,
               CAST(dayofweek(d) AS INT) AS day_of_week, dayname(d) AS day_name,
               dayofweek(d) IN (0, 6) AS is_weekend
        FROM days""",
    "dim_job_family": """
        SELECT stable_key(job_family) AS job_family_key, job_family,
               -- initcap(replace(job_family, '_', ' '))
               array_to_string(list_transform(string_split(job_family, '_'),
                   lambda w: upper(w[1]) || lower(w[2:])), ' ') AS job_family_name
        FROM (SELECT DISTINCT family AS job_family FROM ref_job_families
              UNION SELECT 'other'
              UNION SELECT DISTINCT job_family FROM job_postings)""",
    "dim_location": """
        SELECT stable_key3(country, region, city) AS location_key, country AS country_code,
               c.name AS country_name, region, city
        FROM (SELECT DISTINCT country, region, city FROM job_postings) l
        LEFT JOIN ref_countries c ON c.iso2 = l.country""",
    "dim_skill": """
        SELECT stable_key(skill) AS skill_key, skill, family AS skill_family
        FROM ref_skills WHERE family <> 'ignore'""",
    "dim_source": """
        SELECT stable_key(s.source) AS source_key, s.source,
               coalesce(r.display_name, s.source) AS source_name,
               coalesce(r.kind, 'unknown') AS source_kind, r.homepage
        FROM (SELECT source FROM ref_sources UNION SELECT DISTINCT source FROM posting_sources) s
        LEFT JOIN ref_sources r ON r.source = s.source""",
    "fact_job_posting": """
        SELECT stable_key(posting_id) AS posting_key, posting_id,
               CAST(strftime(posted_date, '%Y%m%d') AS BIGINT) AS date_key,
               stable_key(normalize_company(company)) AS company_key,
               stable_key3(country, region, city) AS location_key,
               stable_key(job_family) AS job_family_key,
               stable_key2(coalesce(contract_type, 'unknown'),
                           coalesce(working_time, 'unknown')) AS contract_key,
               stable_key(primary_source) AS source_key,
               title, url, remote, salary_currency, salary_period, salary_annual_min,
               salary_annual_max, salary_annual_mid_eur, salary_predicted,
               CAST(len(skills) AS BIGINT) AS skill_count,
               CAST(listings AS BIGINT) AS listings,
               CAST(len(sources) AS BIGINT) AS source_count,
               posted_date, first_seen, last_seen, posted_month
        FROM job_postings""",
    "bridge_posting_skill": """
        SELECT DISTINCT stable_key(posting_id) AS posting_key, stable_key(skill) AS skill_key
        FROM (SELECT posting_id, unnest(skills) AS skill FROM job_postings)""",
    "agg_postings_daily": """
        SELECT p.posted_date, s.source, p.job_family,
               count(DISTINCT p.posting_id) AS postings,
               count(DISTINCT CASE WHEN p.remote THEN p.posting_id END) AS remote_postings,
               count(DISTINCT CASE WHEN p.salary_annual_mid_eur IS NOT NULL
                                   THEN p.posting_id END) AS postings_with_salary
        FROM job_postings p JOIN posting_sources s ON s.posting_id = p.posting_id
        GROUP BY p.posted_date, s.source, p.job_family""",
    "agg_skill_demand_monthly": """
        WITH totals AS (
            SELECT posted_month, job_family, count(*) AS family_postings
            FROM job_postings GROUP BY posted_month, job_family
        ),
        skills AS (
            SELECT posted_month, job_family, skill, count(DISTINCT posting_id) AS postings
            FROM (SELECT posting_id, posted_month, job_family, unnest(skills) AS skill
                  FROM job_postings)
            GROUP BY posted_month, job_family, skill
        )
        SELECT s.posted_month, s.job_family, s.skill, d.family AS skill_family, s.postings,
               t.family_postings, CAST(s.postings AS DOUBLE) / t.family_postings AS share
        FROM skills s
        JOIN totals t ON t.posted_month = s.posted_month AND t.job_family = s.job_family
        LEFT JOIN ref_skills d ON d.skill = s.skill""",
    "agg_salary_by_family_region": """
        SELECT job_family, country, coalesce(region, '(unknown)') AS region,
               count(*) AS postings_with_salary,
               quantile_cont(salary_annual_mid_eur, 0.25) AS salary_p25_eur,
               quantile_cont(salary_annual_mid_eur, 0.5) AS salary_median_eur,
               quantile_cont(salary_annual_mid_eur, 0.75) AS salary_p75_eur,
               avg(salary_annual_mid_eur) AS salary_mean_eur
        FROM job_postings
        WHERE salary_annual_mid_eur IS NOT NULL AND NOT salary_predicted
        GROUP BY job_family, country, coalesce(region, '(unknown)')""",
    "agg_hiring_companies_monthly": """
        WITH monthly AS (
            SELECT posted_month, stable_key(normalize_company(company)) AS company_key,
                   count(*) AS postings, count(DISTINCT job_family) AS job_families,
                   CAST(sum(CASE WHEN remote THEN 1 ELSE 0 END) AS BIGINT) AS remote_postings
            FROM job_postings
            GROUP BY posted_month, stable_key(normalize_company(company))
        )
        SELECT m.posted_month, m.company_key, c.company_name, m.postings, m.job_families,
               m.remote_postings,
               rank() OVER (PARTITION BY m.posted_month ORDER BY m.postings DESC) AS rank_in_month
        FROM monthly m JOIN dim_company c ON c.company_key = m.company_key""",
}


def write_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    con.execute(f"COPY {table} TO {lit(str(path))} (FORMAT parquet, COMPRESSION zstd)")
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def main() -> None:
    args = common.parse_args(TOOL)
    con = duckdb.connect()  # in memory; DuckDB uses every core by default
    con.execute("SET TimeZone = 'UTC'")  # naive source times are UTC, like joblake

    silver_clock = common.Stopwatch()
    create_macros(con)
    skills, contracts = load_reference(con, args.reference)
    load_bronze(con, args.bronze)
    records = con.execute("SELECT count(*) FROM bronze").fetchone()[0]
    build_silver(con, skills, contracts, common.job_family_rules(args.reference))
    con.execute("DROP TABLE bronze")
    rows = {
        t: write_parquet(con, t, args.out / "silver" / f"{t}.parquet") for t in common.SILVER_TABLES
    }
    silver_seconds = silver_clock.seconds()

    gold_clock = common.Stopwatch()
    gold_rows = {}
    for table in common.GOLD_TABLES:
        con.execute(f"CREATE TABLE {table} AS {GOLD[table]}")
        gold_rows[table] = write_parquet(con, table, args.out / "gold" / f"{table}.parquet")
    gold_seconds = gold_clock.seconds()

    common.emit_result(
        TOOL,
        silver_seconds,
        gold_seconds,
        records,
        rows["posting_records"],
        rows["job_postings"],
        gold_rows,
        args.out,
    )


if __name__ == "__main__":
    main()
