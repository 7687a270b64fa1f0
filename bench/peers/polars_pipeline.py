"""Polars peer of joblake's silver and gold models.

    python bench/peers/polars_pipeline.py --bronze <lake>/bronze --out <dir>

Written against the lazy API: bronze is scanned, every model is a LazyFrame, and the plans are
collected together (collect_all) so that Polars shares the common parts; tables are written
with write_parquet. joblake's Rust UDFs become functions that build Polars expressions over
Polars' own string kernels (Rust regex, Unicode normalization, JSONPath); their rules come from
common.py. SHA-256 ids (posting_id, the gold surrogate keys) are the one place that calls
Python per value: Polars has no cryptographic hash. See README.md for what differs from joblake.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

# common.py sits next to this script (the Rust bench copies the directory elsewhere); no
# __pycache__ is written into it, since joblake embeds the directory at build time.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import rx  # noqa: E402

TOOL = "polars"
C = common


def r(pattern: str) -> str:
    return rx(pattern, "rust")


# --------------------------------------------------------------------------------------------
# joblake's UDFs as expression builders
# --------------------------------------------------------------------------------------------


def html_to_text(e: pl.Expr) -> pl.Expr:
    e = e.str.replace_all(C.INVISIBLE_CHARS, "")
    # HTML escaped once more (JSON-LD pages): unescape it before stripping tags
    e = (
        pl.when(e.str.contains(C.ESCAPED_HTML))
        .then(
            e.str.replace_many(
                list(C.ESCAPED_HTML_ENTITIES), list(C.ESCAPED_HTML_ENTITIES.values())
            )
        )
        .otherwise(e)
    )
    # in HTML, raw line breaks are plain whitespace; in plain text they are kept
    e = (
        pl.when(e.str.contains(C.LOOKS_LIKE_HTML))
        .then(e.str.replace_all(C.RAW_NEWLINES, " "))
        .otherwise(e.str.replace_all("\r\n?", "\n"))
    )
    e = e.str.replace_all(C.SKIPPED_ELEMENTS, "")
    for pattern, repl in C.HTML_TAG_RULES:
        e = e.str.replace_all(pattern, repl, literal=False)
    # one pass, leftmost: "&amp;lt;" becomes "&lt;"
    e = e.str.replace_many(list(C.HTML_ENTITIES), list(C.HTML_ENTITIES.values()))
    e = (
        e.str.replace_all(C.CONTROL_CHARS, "")
        .str.replace_all(C.SPACE_CHARS, " ")
        .str.replace_all(C.SPACE_RUN, " ")
        .str.replace_all(C.SPACES_AROUND_NEWLINE, "\n")
        .str.replace_all(C.BLANK_LINES, "\n\n")
    )
    return e.str.strip_chars(" \n")


def clean_line(e: pl.Expr) -> pl.Expr:
    """Title and company: html_to_text on one line, NULL when empty."""
    e = html_to_text(e).str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def fold(e: pl.Expr) -> pl.Expr:
    """Lowercase, ß -> ss and friends, accents stripped (NFKD without combining marks)."""
    return (
        e.str.to_lowercase()
        .str.replace_many(C.SPECIAL_LETTERS)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
    )


def normalize_key(e: pl.Expr) -> pl.Expr:
    e = e.str.replace_all(r(C.INCLUSIVE_SUFFIX), "${1}${2}")
    e = fold(e).str.replace_all(r(C.NON_ALNUM_RUN), " ").str.strip_chars()
    e = e.str.replace_all(C.GENDER_MARKERS, " ").str.replace(C.FINAL_GENDER_MARKER, "")
    return e.str.replace_all(C.MULTI_SPACE, " ").str.strip_chars()


def normalize_company(e: pl.Expr) -> pl.Expr:
    return normalize_key(e).str.replace(C.GLASSDOOR_RATING, "").str.replace(C.LEGAL_SUFFIX_TAIL, "")


def parse_timestamp(e: pl.Expr) -> pl.Expr:
    """Lenient timestamps as sources publish them, in UTC (naive times are UTC)."""
    e = e.str.strip_chars()
    formats = [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",  # RFC 3339, offsets, Z
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",  # naive: UTC
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y%m%d",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%d-%m-%Y",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",  # day first
    ]
    parsed = [e.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC") for f in formats]
    digits = e.cast(pl.Int64, strict=False)
    return (
        # epochs: 9-11 digits are seconds, 12-14 milliseconds
        pl.when(e.str.contains(r"^[0-9]{9,11}$"))
        .then(pl.from_epoch(digits, "s").dt.replace_time_zone("UTC"))
        .when(e.str.contains(r"^[0-9]{12,14}$"))
        .then(pl.from_epoch(digits, "ms").dt.cast_time_unit("us").dt.replace_time_zone("UTC"))
        .otherwise(pl.coalesce(parsed))
    )


def parse_amount(e: pl.Expr) -> pl.Expr:
    """An amount as written: thousands separators, decimal comma or point."""
    n = e.str.replace_all("[ \u00a0\u202f'’]", "")
    both = n.str.contains(r"\.") & n.str.contains(",")
    text = (
        pl.when(n.is_null() | (n == ""))
        .then(None)
        # both separators: the last one is the decimal point
        .when(both & n.str.contains(",[0-9]*$"))
        .then(n.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(both)
        .then(n.str.replace_all(",", ""))
        # one separator followed by exactly 3 digits: thousands (45.000, 46,000), unless 0.xxx
        .when(n.str.contains(r"^[0-9]+[.,][0-9]{3}$") & ~n.str.contains(r"^0[.,]"))
        .then(n.str.replace(r"[.,]", ""))
        .when(n.str.contains(r"^[0-9]+[.,][0-9]+$"))
        .then(n.str.replace(",", "."))
        .otherwise(n.str.replace_all(r"[.,]", ""))
    )
    return text.cast(pl.Float64, strict=False)


def working_time(e: pl.Expr) -> pl.Expr:
    first = normalize_key(e).str.extract(C.WORKING_TIME, 1)
    return (
        pl.when(first.is_in(C.FULL_TIME_PHRASES))
        .then(pl.lit("full_time"))
        .when(first.is_not_null())
        .then(pl.lit("part_time"))
    )


def sha_ids(e: pl.Expr, fn) -> pl.Expr:
    """SHA-256 based ids (posting_id, stable_key): Python's hashlib, per value."""
    dtype = pl.Int64 if fn is C.stable_key else pl.String
    return e.map_elements(fn, return_dtype=dtype, skip_nulls=False)


def stable_key(*cols: pl.Expr) -> pl.Expr:
    """stable_key(parts...): SHA-256 over the parts joined by 0x1f (NULL parts count as empty)."""
    joined = pl.concat_str([c.fill_null("") for c in cols], separator="\x1f")
    return sha_ids(joined, C.stable_key)


# --------------------------------------------------------------------------------------------
# Bronze and staging
# --------------------------------------------------------------------------------------------


def scan_bronze(bronze: Path) -> pl.LazyFrame:
    files = C.bronze_files(bronze)
    by_path = pl.LazyFrame(
        {
            "path": [f.path for f in files],
            "bronze_file": [f.relative for f in files],
            "source": [f.source for f in files],
            "ingest_date": [f.ingest_date for f in files],
        }
    ).with_columns(pl.col("ingest_date").str.to_date())
    # scan_ndjson fails a whole file on one line that is not JSON, so lines are scanned as
    # text (one column, no quoting) and the envelope is read with JSONPath, which gives NULL
    # for malformed lines: they become malformed_envelope rejects, like joblake's parse_error.
    lines = pl.scan_csv(
        [f.path for f in files],
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        include_file_paths="path",
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
    )
    env = pl.col("line")
    fields = {
        k: env.str.json_path_match(f"$.{k}") for k in ("source_id", "fetched_at", "url", "payload")
    }
    fetched = parse_timestamp(pl.col("fetched_raw"))
    parse_error = (
        # JSONPath gives NULL for every field of a line that is not a JSON object
        pl.when(
            pl.all_horizontal(
                pl.col(k).is_null() for k in ("source_id", "fetched_raw", "url", "payload")
            )
        )
        .then(pl.lit("malformed envelope JSON"))
        .when(pl.col("payload").is_null())
        .then(pl.lit("envelope has no payload"))
        .when(pl.col("fetched_raw").is_not_null() & fetched.is_null())
        .then(pl.lit("bad fetched_at ") + pl.col("fetched_raw"))
    )
    ok = pl.col("parse_error").is_null()
    return (
        lines.with_columns(bronze_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("path"))
        # blank lines count in the numbering but are not records (joblake's rule)
        .filter(env.is_not_null() & (env.str.strip_chars() != ""))
        .select("path", "bronze_line", **fields)
        .rename({"fetched_at": "fetched_raw"})
        .with_columns(parse_error=parse_error)
        .select(
            "path",
            "bronze_line",
            # a rejected envelope keeps nothing but where it is, like joblake's
            *[pl.when(ok).then(pl.col(k)).alias(k) for k in ("source_id", "url", "payload")],
            fetched_at=pl.when(ok).then(fetched),
            parse_error=pl.col("parse_error"),
        )
        .join(by_path, on="path", how="left")
        .drop("path")
    )


class Payload:
    """How the staging expressions read payload fields.

    decoded=True: the payload is parsed once per row by str.json_decode into a struct whose
    shape comes from the paths the staging reads (every leaf a string, numbers cast after);
    fields are struct fields. decoded=False: every field is a str.json_path_match, which parses
    the payload again for each field (3x slower here) but never fails. json_decode fails a whole
    column on one payload of another shape, so a source falls back to JSONPath when that
    happens (stage_source). Fields whose JSON type varies between postings of one source
    (JSON-LD jobLocation: a Place or a list of them) always use JSONPath.
    """

    def __init__(self, decoded: bool) -> None:
        self.decoded = decoded
        self.paths: set[str] = set()

    @staticmethod
    def steps(path: str) -> list[str | int]:
        """'$.location.area[1]' -> ['location', 'area', 1]"""
        out: list[str | int] = []
        for part in path.removeprefix("$.").split("."):
            name, *indices = part.replace("]", "").split("[")
            out += [name, *(int(i) for i in indices)]
        return out

    def dtype(self) -> pl.DataType:
        tree: dict = {}
        for path in self.paths:
            node, steps = tree, self.steps(path)
            for i, step in enumerate(steps):
                key = "[]" if isinstance(step, int) else step
                node = (
                    node.setdefault(key, {}) if i < len(steps) - 1 else node.setdefault(key, None)
                )

        def build(node: dict | None) -> pl.DataType:
            if node is None:
                return pl.String
            if "[]" in node:
                return pl.List(build(node["[]"]))
            return pl.Struct({k: build(v) for k, v in node.items()})

        return build(tree)

    def text(self, path: str) -> pl.Expr:
        """The value at path as text (json_as_text); strings only when decoded."""
        if not self.decoded:
            return pl.col("payload").str.json_path_match(path)
        self.paths.add(path)
        e = pl.col("_p")
        for step in self.steps(path):
            e = (
                e.list.get(step, null_on_oob=True)
                if isinstance(step, int)
                else e.struct.field(step)
            )
        return e

    def str(self, path: str) -> pl.Expr:
        """json_get_str: strings only (JSONPath also renders objects and arrays as text)."""
        v = self.text(path)
        return v if self.decoded else pl.when(v.str.contains(r"^[\[{]")).then(None).otherwise(v)

    def num(self, path: str) -> pl.Expr:
        return self.text(path).cast(pl.Float64, strict=False)

    @staticmethod
    def any(path: str) -> pl.Expr:
        """Always JSONPath: fields whose JSON type varies (objects, arrays or strings)."""
        return pl.col("payload").str.json_path_match(path)

    @staticmethod
    def any_str(path: str) -> pl.Expr:
        v = Payload.any(path)
        return pl.when(v.str.contains(r"^[\[{]")).then(None).otherwise(v)


NULL_STR = pl.lit(None, dtype=pl.String)
NULL_F64 = pl.lit(None, dtype=pl.Float64)
NULL_BOOL = pl.lit(None, dtype=pl.Boolean)

STAGING_COLUMNS = [
    "url",
    "title",
    "company",
    "description",
    "city",
    "region",
    "country",
    "postal_code",
    "latitude",
    "longitude",
    "remote",
    "contract_raw",
    "working_time_raw",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "salary_text",
    "salary_predicted",
    "posted_raw",
    "category_raw",
]

# sql/silver/stg_<source>__postings.sql: each source's payload fields.


def stg_adzuna(p: Payload) -> dict[str, pl.Expr]:
    az_min, az_max = p.num("$.salary_min"), p.num("$.salary_max")
    return {
        "url": pl.coalesce(p.str("$.redirect_url"), pl.col("url")),
        "title": p.str("$.title"),
        "company": p.str("$.company.display_name"),
        "description": p.str("$.description"),
        "city": p.str("$.location.display_name").str.split(",").list.first().str.strip_chars(),
        "region": p.str("$.location.area[1]"),
        "country": p.str("$.location.area[0]"),
        "postal_code": NULL_STR,
        "latitude": p.num("$.latitude"),
        "longitude": p.num("$.longitude"),
        "remote": NULL_BOOL,
        "contract_raw": p.str("$.contract_type"),
        "working_time_raw": p.str("$.contract_time"),
        "salary_min": az_min,
        "salary_max": az_max,
        "salary_currency": NULL_STR,
        "salary_period": pl.when(az_min.is_not_null() | az_max.is_not_null()).then(pl.lit("year")),
        "salary_text": NULL_STR,
        "salary_predicted": p.str("$.salary_is_predicted") == "1",
        "posted_raw": p.str("$.created"),
        "category_raw": p.str("$.category.label"),
    }


def stg_france_travail(p: Payload) -> dict[str, pl.Expr]:
    label = p.str("$.lieuTravail.libelle")  # "75 - Paris 11e Arrondissement"
    return {
        "url": pl.coalesce(p.str("$.origineOffre.urlOrigine"), pl.col("url")),
        "title": p.str("$.intitule"),
        "company": p.str("$.entreprise.nom"),
        "description": p.str("$.description"),
        "city": pl.when(~label.str.contains(C.FT_DEPARTMENT_ONLY)).then(
            label.str.extract(C.FT_LABEL, 2)
        ),
        "region": label.str.extract(C.FT_LABEL, 1),  # the département code, named later
        "country": pl.lit("FR"),
        "postal_code": p.str("$.lieuTravail.codePostal"),
        "latitude": p.num("$.lieuTravail.latitude"),
        "longitude": p.num("$.lieuTravail.longitude"),
        "remote": NULL_BOOL,
        "contract_raw": p.str("$.typeContrat"),
        "working_time_raw": p.str("$.dureeTravailLibelleConverti"),
        "salary_min": NULL_F64,
        "salary_max": NULL_F64,
        "salary_currency": NULL_STR,
        "salary_period": NULL_STR,
        "salary_text": p.str("$.salaire.libelle"),
        "salary_predicted": pl.lit(False),
        "posted_raw": p.str("$.dateCreation"),
        "category_raw": p.str("$.romeLibelle"),
    }


def stg_remotive(p: Payload) -> dict[str, pl.Expr]:
    return {
        "url": pl.coalesce(p.str("$.url"), pl.col("url")),
        "title": p.str("$.title"),
        "company": p.str("$.company_name"),
        "description": p.str("$.description"),
        "city": NULL_STR,
        "region": p.str("$.candidate_required_location"),
        "country": p.str("$.candidate_required_location"),
        "postal_code": NULL_STR,
        "latitude": NULL_F64,
        "longitude": NULL_F64,
        "remote": pl.lit(True),
        "contract_raw": p.str("$.job_type"),
        "working_time_raw": p.str("$.job_type"),
        "salary_min": NULL_F64,
        "salary_max": NULL_F64,
        "salary_currency": NULL_STR,
        "salary_period": NULL_STR,
        "salary_text": p.str("$.salary"),
        "salary_predicted": pl.lit(False),
        "posted_raw": p.str("$.publication_date"),
        "category_raw": p.str("$.category"),
    }


def stg_arbeitnow(p: Payload) -> dict[str, pl.Expr]:
    loc = p.str("$.location")  # "Munich" or "Munich, Bavaria, Germany"
    return {
        "url": pl.coalesce(p.str("$.url"), pl.col("url")),
        "title": p.str("$.title"),
        "company": p.str("$.company_name"),
        "description": p.str("$.description"),
        "city": loc.str.split(",").list.first().str.strip_chars(),
        "region": pl.when(loc.str.contains(",.*,")).then(
            loc.str.split(",").list.get(1, null_on_oob=True).str.strip_chars()
        ),
        "country": pl.when(loc.str.contains(",")).then(
            loc.str.split(",").list.last().str.strip_chars()
        ),
        "postal_code": NULL_STR,
        "latitude": NULL_F64,
        "longitude": NULL_F64,
        "remote": p.text("$.remote") == "true",
        "contract_raw": p.any("$.job_types"),  # the JSON list as text, like json_get_json
        "working_time_raw": p.any("$.job_types"),
        "salary_min": NULL_F64,
        "salary_max": NULL_F64,
        "salary_currency": NULL_STR,
        "salary_period": NULL_STR,
        "salary_text": NULL_STR,
        "salary_predicted": pl.lit(False),
        "posted_raw": p.text("$.created_at"),
        "category_raw": NULL_STR,
    }


def stg_jsonld(p: Payload) -> dict[str, pl.Expr]:
    # jobLocation is one Place or a list of them (the first is taken); employmentType a string
    # or a list; hiringOrganization an Organization or a name: JSONPath for all of them.
    def place(field: str) -> pl.Expr:
        return pl.coalesce(
            p.any_str(f"$.jobLocation.address.{field}"),
            p.any_str(f"$.jobLocation[0].address.{field}"),
        )

    return {
        "url": pl.coalesce(p.str("$.url"), pl.col("url")),
        "title": p.str("$.title"),
        "company": pl.coalesce(
            p.any_str("$.hiringOrganization.name"), p.any_str("$.hiringOrganization")
        ),
        "description": p.str("$.description"),
        "city": place("addressLocality"),
        "region": place("addressRegion"),
        "country": pl.coalesce(
            place("addressCountry"),
            p.any_str("$.jobLocation.address.addressCountry.name"),
            p.any_str("$.jobLocation[0].address.addressCountry.name"),
        ),
        "postal_code": place("postalCode"),
        "latitude": NULL_F64,
        "longitude": NULL_F64,
        "remote": pl.when(p.str("$.jobLocationType") == "TELECOMMUTE").then(pl.lit(True)),
        "contract_raw": p.any("$.employmentType"),
        "working_time_raw": p.any("$.employmentType"),
        "salary_min": pl.coalesce(
            p.any("$.baseSalary.value.minValue"), p.any("$.baseSalary.value.value")
        ).cast(pl.Float64, strict=False),
        "salary_max": pl.coalesce(
            p.any("$.baseSalary.value.maxValue"), p.any("$.baseSalary.value.value")
        ).cast(pl.Float64, strict=False),
        "salary_currency": p.any_str("$.baseSalary.currency"),
        "salary_period": p.any_str("$.baseSalary.value.unitText").str.to_lowercase(),
        "salary_text": p.str("$.joblakeSalaryText"),
        "salary_predicted": pl.lit(False),
        "posted_raw": p.str("$.datePosted"),
        "category_raw": p.str("$.occupationalCategory"),
    }


def stg_remoteok(p: Payload) -> dict[str, pl.Expr]:
    # RemoteOK writes 0 for an unknown salary (USD, yearly)
    lo, hi = p.num("$.salary_min"), p.num("$.salary_max")
    lo = pl.when(lo != 0).then(lo)
    return {
        "url": pl.coalesce(p.str("$.url"), pl.col("url")),
        "title": p.str("$.position"),
        "company": p.str("$.company"),
        "description": p.str("$.description"),
        "city": NULL_STR,
        "region": p.str("$.location"),
        "country": p.str("$.location"),
        "postal_code": NULL_STR,
        "latitude": NULL_F64,
        "longitude": NULL_F64,
        "remote": pl.lit(True),
        "contract_raw": NULL_STR,
        "working_time_raw": NULL_STR,
        "salary_min": lo,
        "salary_max": pl.when(hi != 0).then(hi),
        "salary_currency": pl.when(lo.is_not_null()).then(pl.lit("USD")),
        "salary_period": pl.when(lo.is_not_null()).then(pl.lit("year")),
        "salary_text": NULL_STR,
        "salary_predicted": pl.lit(False),
        "posted_raw": p.str("$.date"),
        "category_raw": NULL_STR,
    }


STAGING = {
    "adzuna": stg_adzuna,
    "france_travail": stg_france_travail,
    "remotive": stg_remotive,
    "arbeitnow": stg_arbeitnow,
    "jsonld": stg_jsonld,
    "remoteok": stg_remoteok,
}
ENVELOPE = [
    "bronze_file",
    "bronze_line",
    "ingest_date",
    "source",
    "source_id",
    "fetched_at",
    "parse_error",
]


def stage_source(bronze: pl.DataFrame, source: str) -> pl.DataFrame:
    rows = bronze.lazy().filter(pl.col("source") == source)
    fast = Payload(decoded=True)
    columns = STAGING[source](fast)
    objects = pl.when(pl.col("payload").str.starts_with("{")).then(pl.col("payload"))
    try:
        return (
            rows.with_columns(_p=objects.str.json_decode(fast.dtype()))
            .select(*ENVELOPE, *[columns[c].alias(c) for c in STAGING_COLUMNS])
            .collect()
        )
    except pl.exceptions.PolarsError:  # a payload of another shape: read fields one by one
        columns = STAGING[source](Payload(decoded=False))
        return rows.select(*ENVELOPE, *[columns[c].alias(c) for c in STAGING_COLUMNS]).collect()


# --------------------------------------------------------------------------------------------
# Reference data as LazyFrames
# --------------------------------------------------------------------------------------------


class Reference:
    def __init__(self, ref: Path) -> None:
        def frame(name: str) -> pl.LazyFrame:
            return pl.LazyFrame(C.read_reference(ref, name))

        self.skills = frame("skills")
        self.job_families_csv = frame("job_families")
        self.countries = frame("countries")
        self.sources = frame("sources")
        self.country_currencies = frame("country_currencies")
        self.fr_departments = frame("fr_departments")
        self.fx = frame("currency_rates").select(
            "currency", pl.col("eur_per_unit").cast(pl.Float64)
        )
        self.periods = frame("salary_periods").select(
            "period", pl.col("annual_factor").cast(pl.Float64)
        )
        # matched on accent-folded text with ASCII word boundaries (see common.skill_spec)
        self.skill_spec = C.skill_spec(ref, fold=True, ascii_boundaries=True)
        self.ignored = [s for s, f in self.skill_spec.family.items() if f == "ignore"]
        self.family_rules = C.job_family_rules(ref)
        self.families = C.job_families(ref)
        contracts = C.contract_spec(ref)
        self.contract_pattern = contracts.pattern
        self.contract_phrases = pl.LazyFrame(
            [(p, t, C.CONTRACT_RANK[t]) for p, t in contracts.types.items() if t],
            schema={"phrase": pl.String, "contract_type": pl.String, "rank": pl.Int64},
            orient="row",
        )
        self.country_keys = pl.LazyFrame(
            C.country_keys(ref),
            schema={"key": pl.String, "iso2": pl.String, "is_code": pl.Boolean},
            orient="row",
        )


# --------------------------------------------------------------------------------------------
# Silver
# --------------------------------------------------------------------------------------------


def country_lookup(values: pl.LazyFrame, ref: Reference) -> pl.LazyFrame:
    """country_code(v) per distinct value: a code, name or alias; else the last name in a list
    of places ("Munich, Bavaria, Germany")."""
    whole = (
        values.with_columns(key=normalize_key(pl.col("v")))
        .join(ref.country_keys, on="key")
        .group_by("v")
        .agg(pl.col("iso2").first())
    )
    located = (
        values.with_columns(
            part=pl.col("v").str.replace_all(C.LOCATION_SEPARATORS, "\x1f").str.split("\x1f")
        )
        .with_columns(i=pl.int_ranges(pl.col("part").list.len()))
        .explode(["part", "i"])
        .with_columns(key=normalize_key(pl.col("part")))
        .join(ref.country_keys.filter(~pl.col("is_code")), on="key")
        .group_by("v")
        .agg(pl.col("iso2").sort_by("i").last())
    )
    return (
        values.join(whole, on="v", how="left")
        .join(located.rename({"iso2": "iso2_loc"}), on="v", how="left")
        .select("v", iso2=pl.coalesce("iso2", "iso2_loc"))
    )


def contract_lookup(values: pl.LazyFrame, ref: Reference) -> pl.LazyFrame:
    """contract_type(v) per distinct value: the most specific type among its known phrases."""
    return (
        values.with_columns(phrase=normalize_key(pl.col("v")).str.extract_all(ref.contract_pattern))
        .explode("phrase")
        .join(ref.contract_phrases, on="phrase")
        .group_by("v")
        .agg(pl.col("contract_type").sort_by("rank").last())
    )


def salary_lookup(texts: pl.LazyFrame) -> pl.LazyFrame:
    """parse_salary_text per distinct text (common.py's rules): min, max, currency, period."""
    t = fold(pl.col("raw"))
    for pattern in C.SALARY_NOT_AMOUNTS:
        t = t.str.replace_all(pattern, " ")
    found = (
        texts.filter(pl.col("raw").str.contains("[0-9]"))
        .with_columns(t=t)
        .with_columns(
            rng=pl.col("t").str.extract_groups(C.SALARY_RANGE),
            one=pl.col("t").str.extract_groups(C.SALARY_AMOUNT),
            currency=pl.col("t")
            .str.extract(C.SALARY_CURRENCY, 0)
            .replace_strict(C.CURRENCY_TOKENS, default=None, return_dtype=pl.String),
            period=pl.col("t")
            .str.extract(C.SALARY_PERIOD, 0)
            .str.extract(C.PERIOD_LAST_WORD, 1)
            .replace_strict(C.PERIOD_WORDS, default=None, return_dtype=pl.String),
        )
    )
    # the first range "A - B", else the first amount; a k multiplies by 1000
    is_range = pl.col("rng").struct.field("1").is_not_null()
    n1 = (
        pl.when(is_range)
        .then(pl.col("rng").struct.field("1"))
        .otherwise(pl.col("one").struct.field("1"))
    )
    k1 = (
        pl.when(is_range)
        .then(pl.col("rng").struct.field("2"))
        .otherwise(pl.col("one").struct.field("2"))
        .is_not_null()
    )
    k2 = pl.col("rng").struct.field("4").is_not_null()
    v1 = parse_amount(n1) * pl.when(k1).then(1000).otherwise(1)
    v2 = pl.when(is_range).then(
        parse_amount(pl.col("rng").struct.field("3")) * pl.when(k2).then(1000).otherwise(1)
    )
    amounts = (
        found.with_columns(is_range=is_range, k1=k1, k2=k2 & is_range, v1=v1, v2=v2)
        .with_columns(
            # "40-50K": the k of one bound carries over to a bare other bound
            lo=pl.when(pl.col("is_range") & pl.col("k2") & ~pl.col("k1") & (pl.col("v1") < 1000))
            .then(pl.col("v1") * 1000)
            .otherwise(pl.col("v1")),
            hi=pl.when(pl.col("is_range") & pl.col("k1") & ~pl.col("k2") & (pl.col("v2") < 1000))
            .then(pl.col("v2") * 1000)
            .otherwise(pl.col("v2")),
        )
        .with_columns(
            min=pl.min_horizontal("lo", pl.coalesce("hi", "lo")),
            max=pl.max_horizontal("lo", pl.coalesce("hi", "lo")),
        )
    )
    bare = pl.col("currency").is_null() & ~pl.col("k1") & ~pl.col("k2")
    return amounts.filter(
        (pl.col("max") > 0)
        # bare numbers need a currency, a period or a k to count below 1000
        & ~(bare & pl.col("period").is_null() & (pl.col("max") < 1000))
        # a lone year is not a salary
        & ~(
            bare
            & ~pl.col("is_range")
            & (pl.col("lo") == pl.col("lo").floor())
            & pl.col("lo").is_between(1900, 2100)
        )
    ).select("raw", "min", "max", "currency", "period")


def skills_expr(ref: Reference) -> pl.Expr:
    """extract_skills(title + description): every alias, stop phrase and guard in one
    alternation (leftmost-longest), mapped to skills; stop phrases and guards dropped."""
    spec = ref.skill_spec
    text = pl.concat_str(["title_clean", "description_text"], separator=" ", ignore_nulls=True)
    text = text.fill_null("").str.normalize("NFKD").str.replace_all(r"\p{M}", "")  # accents off
    hit = pl.element()
    skill = pl.coalesce(
        hit.replace_strict(spec.case_sensitive, default=None, return_dtype=pl.String),
        hit.str.to_lowercase().replace_strict(
            spec.case_insensitive, default=None, return_dtype=pl.String
        ),
    )
    return (
        text.str.extract_all(spec.pattern)
        .list.eval(skill.filter(skill.is_not_null() & ~skill.is_in(ref.ignored)))
        .list.unique()
        .list.sort()
    )


def job_family_expr(key: pl.Expr, ref: Reference) -> pl.Expr:
    """job_family(title): the first rule that matches normalize_key(title), in priority order."""
    expr = pl.when(key.is_null()).then(NULL_STR)
    for family, pattern in ref.family_rules:
        expr = expr.when(key.str.contains(pattern)).then(pl.lit(family))
    return expr.otherwise(pl.lit("other"))


def posting_records(bronze: pl.DataFrame, ref: Reference) -> pl.LazyFrame:
    """sql/silver/posting_records.sql"""
    staged = pl.concat([stage_source(bronze, s) for s in STAGING], how="vertical_relaxed").lazy()
    # the France Travail region is the département's (joblake's fr_region UDF)
    ft_regions = ref.fr_departments.select(
        pl.col("code").alias("_code"), pl.col("region").alias("_ft_region")
    )
    staged = (
        staged.join(ft_regions, left_on="region", right_on="_code", how="left")
        .with_columns(
            region=pl.when(pl.col("source") == "france_travail")
            .then(pl.col("_ft_region"))
            .otherwise(pl.col("region"))
        )
        .drop("_ft_region")
    )

    # lookups computed once per distinct value
    def distinct(*cols: pl.Expr) -> pl.LazyFrame:
        return pl.concat([staged.select(v=c) for c in cols]).drop_nulls().unique()

    countries = country_lookup(distinct(pl.col("country"), pl.col("region")), ref)
    contracts = contract_lookup(distinct(pl.col("contract_raw"), clean_line(pl.col("title"))), ref)
    salaries = salary_lookup(staged.select(raw=pl.col("salary_text")).drop_nulls().unique())

    typed = (
        staged.with_columns(
            title_clean=clean_line(pl.col("title")),
            company_clean=clean_line(pl.col("company")),
            description_text=html_to_text(pl.col("description")),
            posted_at=pl.when(
                (pl.col("source") == "arbeitnow") & pl.col("posted_raw").is_not_null()
            )
            .then(
                pl.from_epoch(
                    pl.col("posted_raw").cast(pl.Int64, strict=False), "s"
                ).dt.replace_time_zone("UTC")
            )
            .otherwise(parse_timestamp(pl.col("posted_raw"))),
        )
        .join(countries.rename({"v": "country", "iso2": "_cc1"}), on="country", how="left")
        .join(countries.rename({"v": "region", "iso2": "_cc2"}), on="region", how="left")
        .with_columns(country_code=pl.coalesce("_cc1", "_cc2"))
        .with_columns(title_key=normalize_key(pl.col("title_clean")))
    )
    # job_family per distinct title (the rules are 20 regexes, and titles repeat)
    families = (
        typed.select("title_key")
        .drop_nulls()
        .unique()
        .with_columns(_family=job_family_expr(pl.col("title_key"), ref))
    )
    normalized = (
        typed.join(families, on="title_key", how="left")
        .join(
            salaries.rename(
                {
                    "raw": "salary_text",
                    "min": "_s_min",
                    "max": "_s_max",
                    "currency": "_s_cur",
                    "period": "_s_per",
                }
            ),
            on="salary_text",
            how="left",
        )
        .join(
            ref.country_currencies.rename({"iso2": "country_code", "currency": "_cc_cur"}),
            on="country_code",
            how="left",
        )
        .with_columns(
            salary_min_n=pl.coalesce("salary_min", "_s_min"),
            salary_max_n=pl.coalesce("salary_max", "_s_max"),
            salary_period_n=pl.coalesce(
                "salary_period",
                "_s_per",
                pl.when(pl.col("_s_max") >= 10_000)
                .then(pl.lit("year"))
                .when(pl.col("_s_max") >= 1_000)
                .then(pl.lit("month"))
                .when(pl.col("_s_max") >= 150)
                .then(pl.lit("day"))
                .when(pl.col("_s_max") > 0)
                .then(pl.lit("hour")),
            ),
            salary_currency_n=pl.coalesce(
                pl.col("salary_currency").str.to_uppercase(), "_s_cur", "_cc_cur"
            ),
        )
        .join(ref.periods.rename({"period": "salary_period_n"}), on="salary_period_n", how="left")
        .join(ref.fx.rename({"currency": "salary_currency_n"}), on="salary_currency_n", how="left")
        .join(
            contracts.rename({"v": "contract_raw", "contract_type": "_ct1"}),
            on="contract_raw",
            how="left",
        )
        .join(
            contracts.rename({"v": "title_clean", "contract_type": "_ct2"}),
            on="title_clean",
            how="left",
        )
    )
    # one spelling per French region ("Ile-de-France" from Adzuna is "Île-de-France")
    fr_regions = (
        ref.fr_departments.select(pl.col("region").alias("_fr_region"))
        .unique()
        .with_columns(_region_key=normalize_key(pl.col("_fr_region")))
    )
    normalized = normalized.with_columns(
        _region_key=pl.when(pl.col("country_code") == "FR").then(normalize_key(pl.col("region")))
    ).join(fr_regions, on="_region_key", how="left")

    mid_eur = (
        (pl.col("salary_min_n") + pl.col("salary_max_n"))
        / 2
        * pl.col("annual_factor")
        * pl.col("eur_per_unit")
    )
    region = pl.col("region").str.strip_chars()
    posted_at = pl.coalesce("posted_at", "fetched_at")
    return normalized.select(
        "bronze_file",
        "bronze_line",
        "ingest_date",
        "source_id",
        "fetched_at",
        "url",
        title=pl.col("title_clean"),
        company=pl.col("company_clean").fill_null("Unknown"),
        description=pl.col("description_text"),
        city=pl.when(pl.col("city").str.strip_chars() != "").then(pl.col("city").str.strip_chars()),
        region=pl.when(
            pl.col("country_code").is_not_null()
            & (region.str.to_uppercase() == pl.col("country_code"))
        )
        .then(NULL_STR)
        .otherwise(pl.coalesce("_fr_region", pl.when(region != "").then(region))),
        country=pl.col("country_code"),
        postal_code=pl.col("postal_code"),
        latitude=pl.col("latitude"),
        longitude=pl.col("longitude"),
        remote=pl.coalesce(
            "remote",
            pl.concat_str(["title", "city"], separator=" ", ignore_nulls=True)
            .str.to_lowercase()
            .str.contains(C.REMOTE_WORDS),
            pl.lit(False),
        ),
        contract_type=pl.coalesce("_ct1", "_ct2"),
        working_time=working_time(pl.col("working_time_raw")),
        salary_min=pl.col("salary_min_n"),
        salary_max=pl.col("salary_max_n"),
        salary_currency=pl.when(pl.col("salary_min_n").is_not_null()).then(
            pl.col("salary_currency_n")
        ),
        salary_period=pl.when(pl.col("salary_min_n").is_not_null()).then(pl.col("salary_period_n")),
        salary_annual_min=pl.col("salary_min_n") * pl.col("annual_factor"),
        salary_annual_max=pl.col("salary_max_n") * pl.col("annual_factor"),
        # implausible annual figures are kept as published but left out of the EUR figure
        salary_annual_mid_eur=pl.when(mid_eur.is_between(3000, 2_000_000)).then(mid_eur),
        salary_predicted=pl.col("salary_predicted").fill_null(False),
        salary_text=pl.col("salary_text"),
        skills=skills_expr(ref),
        job_family=pl.col("_family"),
        source_category=pl.col("category_raw"),
        posted_at=posted_at,
        posted_date=posted_at.dt.date(),
        # concat_ws: a NULL title key is skipped, not an empty part
        match_key=pl.concat_str(
            [pl.col("title_key"), normalize_company(pl.col("company_clean").fill_null(""))],
            separator="|",
            ignore_nulls=True,
        ),
        city_key=normalize_key(pl.col("city")).str.replace(C.CITY_KEY_TAIL, "").replace("", None),
        reject_reason=pl.when(pl.col("parse_error").is_not_null())
        .then(pl.lit("malformed_envelope: ") + pl.col("parse_error"))
        .when(pl.col("title_clean").is_null())
        .then(pl.lit("missing_title"))
        .when(pl.col("posted_raw").is_not_null() & pl.col("posted_at").is_null())
        .then(pl.lit("invalid_posted_date: ") + pl.col("posted_raw"))
        .when((pl.col("salary_min_n") < 0) | (pl.col("salary_max_n") < 0))
        .then(pl.lit("negative_salary"))
        .when(pl.col("salary_min_n") > pl.col("salary_max_n"))
        .then(pl.lit("salary_min_above_max")),
        source=pl.col("source"),
    ).sort("bronze_file", "bronze_line")


def int_posting_records(records: pl.LazyFrame) -> pl.LazyFrame:
    """sql/silver/int_posting_keys.sql: valid records with their posting_id."""
    valid = records.filter(pl.col("reject_reason").is_null())
    cities = (
        valid.filter(pl.col("city_key").is_not_null())
        .group_by("match_key")
        .agg(
            cities=pl.col("city_key").n_unique(),
            only_city=pl.col("city_key").min(),
            countries=pl.col("country").drop_nulls().n_unique(),  # count(DISTINCT) skips NULL
            only_country=pl.col("country").min(),
        )
    )
    # a record without a city joins its title and company's posting when that posting is in
    # exactly one city and no country contradicts it; otherwise it stands on its country
    borrowed_city = pl.when(
        (pl.col("cities") == 1)
        & (
            pl.col("country").is_null()
            | pl.col("only_country").is_null()
            | ((pl.col("countries") == 1) & (pl.col("only_country") == pl.col("country")))
        )
    ).then(pl.col("only_city"))
    keyed = (
        valid.join(cities, on="match_key", how="left")
        .with_columns(
            dedup_key=pl.col("match_key")
            + "|"
            + pl.coalesce("city_key", borrowed_city, "country", pl.lit(""))
        )
        .drop("cities", "only_city", "countries", "only_country")
    )
    # a listing keeps the key of its first sighting
    return keyed.sort("fetched_at", "bronze_file", "bronze_line").with_columns(
        posting_id=sha_ids(
            pl.col("dedup_key").first().over(["source", "source_id"]), C.sha256_prefix16
        )
    )


def job_postings(intr: pl.LazyFrame) -> pl.LazyFrame:
    """sql/silver/job_postings.sql: the best record (salary, longest description, latest)."""
    best = (
        intr.with_columns(
            _no_salary=pl.col("salary_min").is_null(), _len=pl.col("description").str.len_chars()
        )
        .sort(
            ["posting_id", "_no_salary", "_len", "fetched_at", "bronze_file", "bronze_line"],
            descending=[False, False, True, True, True, True],
            nulls_last=True,
        )
        .group_by("posting_id", maintain_order=True)
        .first()
    )
    seen = intr.group_by("posting_id").agg(
        sources=pl.col("source").unique().sort(),
        listings=pl.concat_str(["source", "source_id"], separator=":").n_unique().cast(pl.Int64),
        records=pl.len().cast(pl.Int64),
        posted_date=pl.col("posted_date").min(),
        first_seen=pl.col("fetched_at").min(),
        last_seen=pl.col("fetched_at").max(),
    )
    return (
        best.drop("posted_date")
        .join(seen, on="posting_id")
        .select(
            pl.col("posting_id"),
            pl.col("sources"),
            pl.col("source").alias("primary_source"),
            pl.col("source_id").alias("primary_source_id"),
            *[
                pl.col(c)
                for c in (
                    "url",
                    "title",
                    "company",
                    "city",
                    "region",
                    "country",
                    "postal_code",
                    "latitude",
                    "longitude",
                    "remote",
                    "contract_type",
                    "working_time",
                    "salary_min",
                    "salary_max",
                    "salary_currency",
                    "salary_period",
                    "salary_annual_min",
                    "salary_annual_max",
                    "salary_annual_mid_eur",
                    "salary_predicted",
                    "description",
                    "skills",
                    "job_family",
                    "source_category",
                    "posted_date",
                )
            ],
            pl.col("posted_date").dt.strftime("%Y-%m").alias("posted_month"),
            *[pl.col(c) for c in ("first_seen", "last_seen", "listings", "records")],
        )
        .sort("posting_id")
    )


def posting_sources(intr: pl.LazyFrame) -> pl.LazyFrame:
    return (
        intr.group_by("posting_id", "source", "source_id")
        .agg(
            url=pl.col("url").max(),
            records=pl.len().cast(pl.Int64),
            first_seen=pl.col("fetched_at").min(),
            last_seen=pl.col("fetched_at").max(),
        )
        .sort("posting_id", "source", "source_id")
    )


def rejects(records: pl.LazyFrame) -> pl.LazyFrame:
    return records.filter(pl.col("reject_reason").is_not_null()).select(
        "bronze_file",
        "bronze_line",
        "source",
        "source_id",
        "fetched_at",
        "url",
        "title",
        "company",
        reject_code=pl.col("reject_reason").str.split(":").list.first(),
        reject_reason=pl.col("reject_reason"),
    )


# --------------------------------------------------------------------------------------------
# Gold
# --------------------------------------------------------------------------------------------


def gold(jp: pl.LazyFrame, ps: pl.LazyFrame, ref: Reference) -> dict[str, pl.LazyFrame]:
    jp = jp.with_columns(company_norm=normalize_company(pl.col("company")))
    company_key = (
        jp.select("company_norm")
        .unique()
        .with_columns(company_key=stable_key(pl.col("company_norm")))
    )
    jp = jp.join(company_key, on="company_norm", how="left")

    dim_company = (
        jp.group_by("company_norm", "company")
        .agg(n=pl.len())
        .sort(["company_norm", "n", "company"], descending=[False, True, False])
        .group_by("company_norm", maintain_order=True)
        .agg(company_name=pl.col("company").first(), postings=pl.col("n").sum().cast(pl.Int64))
        .join(company_key, on="company_norm")
        .select("company_key", "company_norm", "company_name", "postings")
    )
    contract = jp.select(
        contract_type=pl.col("contract_type").fill_null("unknown"),
        working_time=pl.col("working_time").fill_null("unknown"),
    )
    dim_contract = contract.unique().select(
        contract_key=stable_key(pl.col("contract_type"), pl.col("working_time")),
        contract_type=pl.col("contract_type"),
        working_time=pl.col("working_time"),
    )
    bounds = jp.select(lo=pl.col("posted_date").min(), hi=pl.col("posted_date").max())
    d = pl.col("date")
    dim_date = (
        bounds.filter(pl.col("lo").is_not_null())
        .select(date=pl.date_ranges("lo", "hi", "1d"))
        .explode("date")
        .select(
            date_key=d.dt.strftime("%Y%m%d").cast(pl.Int64),
            date=d,
            year=d.dt.year().cast(pl.Int32),
            quarter=d.dt.quarter().cast(pl.Int32),
            month=d.dt.month().cast(pl.Int32),
            year_month=d.dt.strftime("%Y-%m"),
            month_name=d.dt.strftime("%B"),
            iso_week=d.dt.week().cast(pl.Int32),
            day_of_week=(d.dt.weekday() % 7).cast(pl.Int32),  # Sunday = 0, like SQL's dow
            day_name=d.dt.strftime("%A"),
            is_weekend=d.dt.weekday() >= 6,
        )
    )
    families = pl.concat(
        [
            pl.LazyFrame({"job_family": ref.families}),
            jp.select("job_family"),
        ]
    ).unique()
    dim_job_family = families.select(
        job_family_key=stable_key(pl.col("job_family")),
        job_family=pl.col("job_family"),
        job_family_name=pl.col("job_family").str.replace_all("_", " ").str.to_titlecase(),
    )
    dim_location = (
        jp.select("country", "region", "city")
        .unique()
        .join(
            ref.countries.select(country=pl.col("iso2"), country_name=pl.col("name")),
            on="country",
            how="left",
        )
        .select(
            location_key=stable_key(pl.col("country"), pl.col("region"), pl.col("city")),
            country_code=pl.col("country"),
            country_name=pl.col("country_name"),
            region=pl.col("region"),
            city=pl.col("city"),
        )
    )
    dim_skill = ref.skills.filter(pl.col("family") != "ignore").select(
        skill_key=stable_key(pl.col("skill")), skill=pl.col("skill"), skill_family=pl.col("family")
    )
    dim_source = (
        pl.concat([ref.sources.select("source"), ps.select("source")])
        .unique()
        .join(ref.sources, on="source", how="left")
        .select(
            source_key=stable_key(pl.col("source")),
            source=pl.col("source"),
            source_name=pl.coalesce("display_name", "source"),
            source_kind=pl.col("kind").fill_null("unknown"),
            homepage=pl.col("homepage"),
        )
    )

    # one SHA-256 per posting, shared by the fact and the bridge
    jp = jp.with_columns(posting_key=stable_key(pl.col("posting_id")))
    fact = jp.select(
        pl.col("posting_key"),
        pl.col("posting_id"),
        pl.col("posted_date").dt.strftime("%Y%m%d").cast(pl.Int64).alias("date_key"),
        pl.col("company_key"),
        stable_key(pl.col("country"), pl.col("region"), pl.col("city")).alias("location_key"),
        stable_key(pl.col("job_family")).alias("job_family_key"),
        stable_key(
            pl.col("contract_type").fill_null("unknown"),
            pl.col("working_time").fill_null("unknown"),
        ).alias("contract_key"),
        stable_key(pl.col("primary_source")).alias("source_key"),
        *[
            pl.col(c)
            for c in (
                "title",
                "url",
                "remote",
                "salary_currency",
                "salary_period",
                "salary_annual_min",
                "salary_annual_max",
                "salary_annual_mid_eur",
                "salary_predicted",
            )
        ],
        pl.col("skills").list.len().cast(pl.Int64).alias("skill_count"),
        pl.col("listings").cast(pl.Int64),
        pl.col("sources").list.len().cast(pl.Int64).alias("source_count"),
        *[pl.col(c) for c in ("posted_date", "first_seen", "last_seen", "posted_month")],
    )
    exploded = (
        jp.select("posting_id", "posting_key", "posted_month", "job_family", skill=pl.col("skills"))
        .explode("skill")
        .drop_nulls("skill")
    )
    skill_keys = (
        exploded.select("skill").unique().with_columns(skill_key=stable_key(pl.col("skill")))
    )
    bridge = exploded.join(skill_keys, on="skill").select("posting_key", "skill_key").unique()
    daily = (
        jp.join(ps.select("posting_id", "source"), on="posting_id")
        .group_by("posted_date", "source", "job_family")
        .agg(
            postings=pl.col("posting_id").n_unique().cast(pl.Int64),
            remote_postings=pl.col("posting_id").filter(pl.col("remote")).n_unique().cast(pl.Int64),
            postings_with_salary=pl.col("posting_id")
            .filter(pl.col("salary_annual_mid_eur").is_not_null())
            .n_unique()
            .cast(pl.Int64),
        )
    )
    totals = jp.group_by("posted_month", "job_family").agg(family_postings=pl.len().cast(pl.Int64))
    demand = (
        exploded.group_by("posted_month", "job_family", "skill")
        .agg(postings=pl.col("posting_id").n_unique().cast(pl.Int64))
        .join(totals, on=["posted_month", "job_family"])
        .join(ref.skills.select("skill", skill_family=pl.col("family")), on="skill", how="left")
        .select(
            "posted_month",
            "job_family",
            "skill",
            "skill_family",
            "postings",
            "family_postings",
            share=pl.col("postings") / pl.col("family_postings"),
        )
    )
    mid = pl.col("salary_annual_mid_eur")
    salary = (
        jp.filter(mid.is_not_null() & ~pl.col("salary_predicted"))
        .group_by("job_family", "country", region=pl.col("region").fill_null("(unknown)"))
        .agg(
            postings_with_salary=pl.len().cast(pl.Int64),
            salary_p25_eur=mid.quantile(0.25, interpolation="linear"),
            salary_median_eur=mid.quantile(0.5, interpolation="linear"),
            salary_p75_eur=mid.quantile(0.75, interpolation="linear"),
            salary_mean_eur=mid.mean(),
        )
    )
    hiring = (
        jp.group_by("posted_month", "company_key")
        .agg(
            postings=pl.len().cast(pl.Int64),
            job_families=pl.col("job_family").n_unique().cast(pl.Int64),
            remote_postings=pl.col("remote").cast(pl.Int64).sum(),
        )
        .join(dim_company.select("company_key", "company_name"), on="company_key")
        .select(
            "posted_month",
            "company_key",
            "company_name",
            "postings",
            "job_families",
            "remote_postings",
            rank_in_month=pl.col("postings")
            .rank(method="min", descending=True)
            .over("posted_month")
            .cast(pl.Int64),
        )
    )
    return {
        "dim_date": dim_date,
        "dim_company": dim_company,
        "dim_location": dim_location,
        "dim_job_family": dim_job_family,
        "dim_source": dim_source,
        "dim_contract": dim_contract,
        "dim_skill": dim_skill,
        "fact_job_posting": fact,
        "bridge_posting_skill": bridge,
        "agg_postings_daily": daily,
        "agg_skill_demand_monthly": demand,
        "agg_salary_by_family_region": salary,
        "agg_hiring_companies_monthly": hiring,
    }


def main() -> None:
    args = C.parse_args(TOOL)

    silver_clock = C.Stopwatch()
    ref = Reference(args.reference)
    # Bronze is collected once: every source's staging and the per-value lookups read it, and
    # as one lazy plan Polars re-scans and re-parses the files for each of those branches
    # (10x slower here, with or without LazyFrame.cache()).
    bronze = scan_bronze(args.bronze).collect()
    records_df = posting_records(bronze, ref).collect()
    del bronze
    records = records_df.lazy()
    intr = int_posting_records(records)
    jp, ps, rj = pl.collect_all([job_postings(intr), posting_sources(intr), rejects(records)])
    silver = {
        "posting_records": records_df,
        "job_postings": jp,
        "posting_sources": ps,
        "rejects": rj,
    }
    for name in C.SILVER_TABLES:
        silver[name].write_parquet(args.out / "silver" / f"{name}.parquet", compression="zstd")
    silver_seconds = silver_clock.seconds()

    gold_clock = C.Stopwatch()
    plans = gold(silver["job_postings"].lazy(), silver["posting_sources"].lazy(), ref)
    frames = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    for name in C.GOLD_TABLES:
        frames[name].write_parquet(args.out / "gold" / f"{name}.parquet", compression="zstd")
    gold_seconds = gold_clock.seconds()

    C.emit_result(
        TOOL,
        silver_seconds,
        gold_seconds,
        records_df.height,
        records_df.height,
        silver["job_postings"].height,
        {n: frames[n].height for n in C.GOLD_TABLES},
        args.out,
    )


if __name__ == "__main__":
    main()
