"""pandas peer of joblake's silver and gold models.

    python bench/peers/pandas_pipeline.py --bronze <lake>/bronze --out <dir>

Written the way most job-market ETL scripts are: each bronze line is json.loads'ed, each
source's payload is flattened by a small Python function, text rules are Python functions
applied with Series.map, deduplication and aggregates are groupby/merge, and tables are written
with DataFrame.to_parquet (pyarrow). The text rules follow common.py, like the other peers; the
skills matcher is a Python port of joblake's SkillMatcher. See README.md for what differs.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from pathlib import Path

import pandas as pd

# common.py sits next to this script (the Rust bench copies the directory elsewhere); no
# __pycache__ is written into it, since joblake embeds the directory at build time.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import normalize_company, normalize_key, rx  # noqa: E402

TOOL = "pandas"
C = common


def compile_py(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(rx(pattern, "python"), flags)


# --------------------------------------------------------------------------------------------
# Text rules (joblake's UDFs) as Python functions
# --------------------------------------------------------------------------------------------

RE = {
    "invisible": compile_py(C.INVISIBLE_CHARS),
    "escaped": compile_py(C.ESCAPED_HTML),
    "looks_html": compile_py(C.LOOKS_LIKE_HTML),
    "raw_newlines": compile_py(C.RAW_NEWLINES),
    "skipped": compile_py(C.SKIPPED_ELEMENTS),
    "control": compile_py(C.CONTROL_CHARS),
    "spaces": compile_py(C.SPACE_CHARS),
    "space_run": compile_py(C.SPACE_RUN),
    "around_nl": compile_py(C.SPACES_AROUND_NEWLINE),
    "blank_lines": compile_py(C.BLANK_LINES),
    "whitespace": re.compile(r"\s+"),
    "ft_label": compile_py(C.FT_LABEL),
    "ft_dept_only": compile_py(C.FT_DEPARTMENT_ONLY),
    "city_tail": compile_py(C.CITY_KEY_TAIL),
    "remote": compile_py(C.REMOTE_WORDS),
    "working_time": compile_py(C.WORKING_TIME),
    "location_sep": compile_py(C.LOCATION_SEPARATORS),
    "not_amounts": [compile_py(p) for p in C.SALARY_NOT_AMOUNTS],
    "range": compile_py(C.SALARY_RANGE),
    "amount": compile_py(C.SALARY_AMOUNT),
    "currency": compile_py(C.SALARY_CURRENCY),
    "period": compile_py(C.SALARY_PERIOD),
    "period_word": compile_py(C.PERIOD_LAST_WORD),
}
TAG_RULES = [(compile_py(p), r) for p, r in C.HTML_TAG_RULES]


def html_to_text(s: str | None) -> str | None:
    if s is None:
        return None
    s = RE["invisible"].sub("", s)
    if RE["escaped"].search(s):  # HTML escaped once more (JSON-LD pages)
        for entity, char in C.ESCAPED_HTML_ENTITIES.items():
            s = s.replace(entity, char)
    if RE["looks_html"].search(s):  # in HTML, raw line breaks are plain whitespace
        s = RE["raw_newlines"].sub(" ", s)
    else:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = RE["skipped"].sub("", s)
    for pattern, repl in TAG_RULES:
        s = pattern.sub(repl, s)
    s = html.unescape(s)
    s = RE["spaces"].sub(" ", RE["control"].sub("", s))
    s = RE["blank_lines"].sub("\n\n", RE["around_nl"].sub("\n", RE["space_run"].sub(" ", s)))
    return s.strip(" \n")


def clean_line(s: str | None) -> str | None:
    """Title and company: html_to_text on one line, None when empty."""
    if s is None:
        return None
    return RE["whitespace"].sub(" ", html_to_text(s)).strip() or None


def fr_department(label: str | None) -> str | None:
    m = RE["ft_label"].match(label) if label else None
    return m.group(1) if m else None


def fr_city(label: str | None) -> str | None:
    if not label or RE["ft_dept_only"].search(label):
        return None
    m = RE["ft_label"].match(label)
    return (m.group(2) or None) if m else None


def working_time(raw: str | None) -> str | None:
    m = RE["working_time"].search(normalize_key(raw)) if raw is not None else None
    if not m:
        return None
    return "full_time" if m.group(1) in C.FULL_TIME_PHRASES else "part_time"


def parse_amount(n: str | None) -> float | None:
    """An amount as written: thousands separators, decimal comma or point."""
    if not n:
        return None
    n = re.sub("[ \u00a0\u202f'’]", "", n)
    if "." in n and "," in n:  # both: the last one is the decimal point
        n = (
            n.replace(".", "").replace(",", ".")
            if n.rfind(",") > n.rfind(".")
            else n.replace(",", "")
        )
    elif re.fullmatch(r"[0-9]+[.,][0-9]{3}", n) and not re.match(r"0[.,]", n):
        n = re.sub(r"[.,]", "", n)  # 45.000, 46,000: thousands
    elif re.fullmatch(r"[0-9]+[.,][0-9]+", n):
        n = n.replace(",", ".")
    else:
        n = re.sub(r"[.,]", "", n)
    try:
        return float(n)
    except ValueError:
        return None


def parse_salary(raw: str | None) -> tuple[float, float, str | None, str | None] | None:
    """parse_salary_text with common.py's rules: (min, max, currency, period) or None."""
    if raw is None or not re.search("[0-9]", raw):
        return None
    t = C.fold_accents(raw)
    for pattern in RE["not_amounts"]:
        t = pattern.sub(" ", t)
    m = RE["range"].search(t)
    if m:  # the first range "A - B"
        n1, k1, n2, k2 = m.group(1), bool(m.group(2)), m.group(3), bool(m.group(4))
    else:  # else the first amount
        m = RE["amount"].search(t)
        if not m:
            return None
        n1, k1, n2, k2 = m.group(1), bool(m.group(2)), None, False
    v1 = parse_amount(n1)
    v2 = parse_amount(n2) if n2 is not None else None
    if v1 is None:
        return None
    v1 *= 1000 if k1 else 1
    if v2 is not None:
        v2 *= 1000 if k2 else 1
        # "40-50K": the k of one bound carries over to a bare other bound
        if k2 and not k1 and v1 < 1000:
            v1 *= 1000
        elif k1 and not k2 and v2 < 1000:
            v2 *= 1000
    lo, hi = (v1, v1) if v2 is None else (min(v1, v2), max(v1, v2))
    cm = RE["currency"].search(t)
    currency = C.CURRENCY_TOKENS.get(cm.group(0)) if cm else None
    pm = RE["period"].search(t)
    word = RE["period_word"].search(pm.group(0)) if pm else None
    period = C.PERIOD_WORDS.get(word.group(1)) if word else None
    bare = currency is None and not k1 and not k2
    if hi <= 0 or (bare and period is None and hi < 1000):
        return None
    if bare and v2 is None and lo == int(lo) and 1900 <= lo <= 2100:  # a lone year
        return None
    return lo, hi, currency, period


def parse_timestamps(raw: pd.Series) -> pd.Series:
    """Lenient timestamps in UTC: ISO 8601 (naive = UTC), epochs, then day-first dates."""
    raw = raw.str.strip()
    out = pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce")
    digits = raw.where(raw.str.fullmatch(r"[0-9]{9,14}", na=False))
    seconds = pd.to_numeric(digits.where(digits.str.len() <= 11), errors="coerce")
    millis = pd.to_numeric(digits.where(digits.str.len() >= 12), errors="coerce")
    out = out.fillna(pd.to_datetime(seconds, unit="s", utc=True)).fillna(
        pd.to_datetime(millis, unit="ms", utc=True)
    )
    for fmt in (
        "%Y/%m/%d",
        "%Y%m%d",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%d-%m-%Y",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
    ):
        out = out.fillna(pd.to_datetime(raw, format=fmt, utc=True, errors="coerce"))
    return out.dt.floor("us").dt.as_unit("us")


class SkillMatcher:
    """Python port of joblake_enrich's SkillMatcher (crates/joblake-enrich/src/skills.rs).

    Candidates come from two trie-shaped regexes (case-sensitive and case-insensitive aliases),
    searched as lookaheads so that every start position reports its longest alias; then the
    boundary rules of SkillMatcher::boundary_ok, then leftmost-longest. (One flat alternation of
    all aliases is 50x slower in Python's backtracking re.)
    """

    def __init__(self, spec: common.SkillSpec) -> None:
        self.cs = spec.case_sensitive
        self.ci = spec.case_insensitive
        self.family = spec.family
        self.finders = [
            re.compile(self.finder(list(self.cs))),
            re.compile(self.finder(list(self.ci)), re.IGNORECASE),
        ]

    @classmethod
    def finder(cls, words: list[str]) -> str:
        """Every start position's longest alias. Aliases that start with a letter or digit can
        only start a word: the leading \\b skips the other positions cheaply (2x faster)."""
        word_start = [w for w in words if w[0].isalnum() or w[0] == "_"]
        others = [w for w in words if not (w[0].isalnum() or w[0] == "_")]
        alts = [r"\b" + cls.trie(word_start)] + ([cls.trie(others)] if others else [])
        return f"(?=({'|'.join(alts)}))"

    @staticmethod
    def trie(words: list[str]) -> str:
        root: dict = {}
        for w in words:
            node = root
            for ch in w:
                node = node.setdefault(ch, {})
            node[""] = {}

        def build(node: dict, last: str) -> str:
            alts = [re.escape(ch) + build(child, ch) for ch, child in sorted(node.items()) if ch]
            if "" in node:  # a whole alias ends here: longer ones are tried first
                alts.append(r"\b" if last.isalnum() or last == "_" else "")
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

        return build(root, "")

    @staticmethod
    def boundary_ok(text: str, start: int, end: int, pat: str) -> bool:
        def word(c: str | None) -> bool:
            return c is not None and (c.isalnum() or c == "_")

        def at(i: int) -> str | None:
            return text[i] if 0 <= i < len(text) else None

        b1, b2, b3 = at(start - 1), at(start - 2), at(start - 3)
        a1, a2, a3 = at(end), at(end + 1), at(end + 2)
        if word(pat[0]) and (word(b1) or (b1 == "." and word(b2))):
            return False  # inside a word, or glued after a dot (next.js)
        if word(pat[-1]) and word(a1):
            return False
        if len(pat) <= 2:  # short aliases: R&D, C-level, Go-live, R.I.P., Q/C/D
            if a1 in ("&", "'", "’") or b1 in ("&", "'", "’"):
                return False
            if a1 in ("-", ".", "+") and word(a2):
                return False
            if b1 in ("-", ".") and word(b2):
                return False
            if len(pat) == 1:

                def single(x: str | None, y: str | None) -> bool:
                    return (
                        x is not None
                        and x.isalnum()
                        and (y is None or y.isspace() or y in ",;/().:")
                    )

                if (b1 == "/" and single(b2, b3)) or (a1 == "/" and single(a2, a3)) or a1 == "-":
                    return False
        return True

    def find(self, text: str) -> list[str]:
        hits = []
        for finder in self.finders:
            for m in finder.finditer(text):
                alias = m.group(1)
                start, end = m.start(), m.start() + len(alias)
                if self.boundary_ok(text, start, end, alias):
                    skill = self.cs.get(alias) or self.ci.get(alias.lower())
                    hits.append((start, -end, skill))
        found, last_end = set(), 0
        for start, neg_end, skill in sorted(hits):
            if start >= last_end:  # leftmost-longest; stop phrases take their text
                if self.family.get(skill) != "ignore":
                    found.add(skill)
                last_end = -neg_end
        return sorted(found)


# --------------------------------------------------------------------------------------------
# Bronze and staging
# --------------------------------------------------------------------------------------------


def read_bronze(bronze: Path) -> pd.DataFrame:
    """One row per non-blank line; lines that are not envelopes keep a parse_error."""
    rows = []
    for f in C.bronze_files(bronze):
        with gzip.open(f.path, "rt", encoding="utf-8", errors="replace") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                row = {
                    "bronze_file": f.relative,
                    "bronze_line": line_no,
                    "ingest_date": f.ingest_date,
                    "source": f.source,
                    "source_id": None,
                    "fetched_raw": None,
                    "url": None,
                    "payload": None,
                    "parse_error": None,
                }
                try:
                    env = json.loads(line)
                    if not isinstance(env, dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    row["parse_error"] = f"malformed envelope JSON: {e}"
                    rows.append(row)
                    continue
                if env.get("payload") is None:
                    row["parse_error"] = "envelope has no payload"
                else:
                    sid = env.get("source_id")
                    row.update(
                        source_id=sid if sid is None or isinstance(sid, str) else json.dumps(sid),
                        fetched_raw=env.get("fetched_at"),
                        url=env.get("url"),
                        payload=env["payload"],
                    )
                rows.append(row)
    df = pd.DataFrame(rows)
    df["ingest_date"] = pd.to_datetime(df["ingest_date"]).dt.date
    df["fetched_at"] = parse_timestamps(df["fetched_raw"])
    bad = df["fetched_raw"].notna() & df["fetched_at"].isna() & df["parse_error"].isna()
    df.loc[bad, "parse_error"] = "bad fetched_at " + df.loc[bad, "fetched_raw"]
    # a rejected envelope keeps nothing but where it is, like joblake's
    for col in ("source_id", "url", "payload", "fetched_at"):
        df.loc[df["parse_error"].notna(), col] = None
    return df.drop(columns="fetched_raw")


def dig(obj, *path):
    """The value at path in parsed JSON (keys and list indices), None when absent."""
    for step in path:
        if isinstance(step, int):
            obj = obj[step] if isinstance(obj, list) and -len(obj) <= step < len(obj) else None
        else:
            obj = obj.get(step) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def s(obj, *path) -> str | None:
    """json_get_str: strings only."""
    v = dig(obj, *path)
    return v if isinstance(v, str) else None


def num(obj, *path) -> float | None:
    """json_get_float: numbers, and strings that are numbers ("40000")."""
    v = dig(obj, *path)
    if isinstance(v, str):
        try:
            return float(v) if v == v.strip() else None
        except ValueError:
            return None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def as_text(obj, *path) -> str | None:
    """json_as_text: strings as they are, anything else as JSON."""
    v = dig(obj, *path)
    return (
        v
        if v is None or isinstance(v, str)
        else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    )


def first(*values):
    return next((v for v in values if v is not None), None)


# sql/silver/stg_<source>__postings.sql: one function per source, payload dict -> fields


def stg_adzuna(p: dict) -> dict:
    lo, hi = num(p, "salary_min"), num(p, "salary_max")
    place = s(p, "location", "display_name")
    return dict(
        url=s(p, "redirect_url"),
        title=s(p, "title"),
        company=s(p, "company", "display_name"),
        description=s(p, "description"),
        city=place.split(",")[0].strip() if place is not None else None,
        region=s(p, "location", "area", 1),
        country=s(p, "location", "area", 0),
        latitude=num(p, "latitude"),
        longitude=num(p, "longitude"),
        contract_raw=s(p, "contract_type"),
        working_time_raw=s(p, "contract_time"),
        salary_min=lo,
        salary_max=hi,
        salary_period="year" if lo is not None or hi is not None else None,
        salary_predicted=(s(p, "salary_is_predicted") == "1")
        if s(p, "salary_is_predicted")
        else None,
        posted_raw=s(p, "created"),
        category_raw=s(p, "category", "label"),
    )


def stg_france_travail(p: dict) -> dict:
    label = s(p, "lieuTravail", "libelle")  # "75 - Paris 11e Arrondissement"
    return dict(
        url=s(p, "origineOffre", "urlOrigine"),
        title=s(p, "intitule"),
        company=s(p, "entreprise", "nom"),
        description=s(p, "description"),
        city=fr_city(label),
        region=fr_department(label),
        country="FR",  # region: code for now
        postal_code=s(p, "lieuTravail", "codePostal"),
        latitude=num(p, "lieuTravail", "latitude"),
        longitude=num(p, "lieuTravail", "longitude"),
        contract_raw=s(p, "typeContrat"),
        working_time_raw=s(p, "dureeTravailLibelleConverti"),
        salary_text=s(p, "salaire", "libelle"),
        salary_predicted=False,
        posted_raw=s(p, "dateCreation"),
        category_raw=s(p, "romeLibelle"),
    )


def stg_remotive(p: dict) -> dict:
    where = s(p, "candidate_required_location")  # a region ("Worldwide", "USA"), not a city
    return dict(
        url=s(p, "url"),
        title=s(p, "title"),
        company=s(p, "company_name"),
        description=s(p, "description"),
        region=where,
        country=where,
        remote=True,
        contract_raw=s(p, "job_type"),
        working_time_raw=s(p, "job_type"),
        salary_text=s(p, "salary"),
        salary_predicted=False,
        posted_raw=s(p, "publication_date"),
        category_raw=s(p, "category"),
    )


def stg_arbeitnow(p: dict) -> dict:
    loc = s(p, "location")  # "Munich" or "Munich, Bavaria, Germany"
    parts = loc.split(",") if loc is not None else []
    remote = dig(p, "remote")  # json_get_bool: a boolean, or "true"/"false"
    remote = (
        {"true": True, "false": False}.get(remote, remote) if isinstance(remote, str) else remote
    )
    return dict(
        url=s(p, "url"),
        title=s(p, "title"),
        company=s(p, "company_name"),
        description=s(p, "description"),
        city=parts[0].strip() if parts else None,
        region=parts[1].strip() if len(parts) >= 3 else None,
        country=parts[-1].strip() if len(parts) >= 2 else None,
        remote=remote if isinstance(remote, bool) else None,
        contract_raw=as_text(p, "job_types"),
        working_time_raw=as_text(p, "job_types"),
        salary_predicted=False,
        posted_raw=as_text(p, "created_at"),
    )


def stg_jsonld(p: dict) -> dict:
    # jobLocation is one Place or a list of them (the first is taken)
    def place(*path):
        return first(
            s(p, "jobLocation", "address", *path), s(p, "jobLocation", 0, "address", *path)
        )

    return dict(
        url=s(p, "url"),
        title=s(p, "title"),
        company=first(s(p, "hiringOrganization", "name"), s(p, "hiringOrganization")),
        description=s(p, "description"),
        city=place("addressLocality"),
        region=place("addressRegion"),
        country=first(
            s(p, "jobLocation", "address", "addressCountry"),
            s(p, "jobLocation", "address", "addressCountry", "name"),
            s(p, "jobLocation", 0, "address", "addressCountry"),
            s(p, "jobLocation", 0, "address", "addressCountry", "name"),
        ),
        postal_code=place("postalCode"),
        remote=True if s(p, "jobLocationType") == "TELECOMMUTE" else None,
        contract_raw=as_text(p, "employmentType"),
        working_time_raw=as_text(p, "employmentType"),
        salary_min=first(
            num(p, "baseSalary", "value", "minValue"), num(p, "baseSalary", "value", "value")
        ),
        salary_max=first(
            num(p, "baseSalary", "value", "maxValue"), num(p, "baseSalary", "value", "value")
        ),
        salary_currency=s(p, "baseSalary", "currency"),
        salary_period=(s(p, "baseSalary", "value", "unitText") or "").lower() or None,
        salary_text=s(p, "joblakeSalaryText"),
        salary_predicted=False,
        posted_raw=s(p, "datePosted"),
        category_raw=s(p, "occupationalCategory"),
    )


def stg_remoteok(p: dict) -> dict:
    lo, hi = num(p, "salary_min") or None, num(p, "salary_max") or None  # 0 = unknown
    return dict(
        url=s(p, "url"),
        title=s(p, "position"),
        company=s(p, "company"),
        description=s(p, "description"),
        region=s(p, "location"),
        country=s(p, "location"),
        remote=True,
        salary_min=lo,
        salary_max=hi,
        salary_currency="USD" if lo is not None else None,
        salary_period="year" if lo is not None else None,
        salary_predicted=False,
        posted_raw=s(p, "date"),
    )


STAGING = {
    "adzuna": stg_adzuna,
    "france_travail": stg_france_travail,
    "remotive": stg_remotive,
    "arbeitnow": stg_arbeitnow,
    "jsonld": stg_jsonld,
    "remoteok": stg_remoteok,
}
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


def stage(bronze: pd.DataFrame, department_region: dict[str, str]) -> pd.DataFrame:
    def row(source: str, payload) -> dict:
        fn = STAGING.get(source)
        return fn(payload) if fn is not None and isinstance(payload, dict) else {}

    fields = pd.DataFrame.from_records(
        [row(src, p) for src, p in zip(bronze["source"], bronze["payload"], strict=True)],
        columns=STAGING_COLUMNS,
        index=bronze.index,
    )
    staged = pd.concat(
        [bronze.drop(columns="payload"), fields.rename(columns={"url": "payload_url"})], axis=1
    )
    staged["url"] = staged["payload_url"].fillna(staged["url"])
    # the France Travail region is the département's (joblake's fr_region UDF)
    ft = staged["source"] == "france_travail"
    staged.loc[ft, "region"] = staged.loc[ft, "region"].map(department_region)
    return staged.drop(columns="payload_url")


# --------------------------------------------------------------------------------------------
# Silver
# --------------------------------------------------------------------------------------------


class Lookups:
    def __init__(self, ref: Path) -> None:
        self.countries = {k: (iso, is_code) for k, iso, is_code in C.country_keys(ref)}
        contracts = C.contract_spec(ref)
        self.contract_re = re.compile(contracts.pattern)
        self.contract_types = contracts.types
        self.family_rules = [(f, re.compile(p)) for f, p in C.job_family_rules(ref)]
        self.skills = SkillMatcher(C.skill_spec(ref))
        self.country_currency = {
            r["iso2"]: r["currency"] for r in C.read_reference(ref, "country_currencies")
        }
        self.fx = {
            r["currency"]: float(r["eur_per_unit"]) for r in C.read_reference(ref, "currency_rates")
        }
        self.annual = {
            r["period"]: float(r["annual_factor"]) for r in C.read_reference(ref, "salary_periods")
        }
        departments = C.read_reference(ref, "fr_departments")
        self.department_region = {r["code"]: r["region"] for r in departments}
        self.fr_regions = {normalize_key(r["region"]): r["region"] for r in departments}

    def country_code(self, v: str | None) -> str | None:
        """A code, name or alias; else the last name in a list of places."""
        if v is None:
            return None
        hit = self.countries.get(normalize_key(v))
        if hit:
            return hit[0]
        for part in reversed(RE["location_sep"].split(v)):
            hit = self.countries.get(normalize_key(part))
            if hit and not hit[1]:  # two-letter codes clash with US states in place lists
                return hit[0]
        return None

    def contract_type(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        found = [self.contract_types[p] for p in self.contract_re.findall(normalize_key(raw))]
        found = [t for t in found if t]
        return max(found, key=C.CONTRACT_RANK.get) if found else None

    def job_family(self, title: str | None) -> str | None:
        if title is None:
            return None
        key = normalize_key(title)
        return next((f for f, p in self.family_rules if p.search(key)), "other")


def posting_records(staged: pd.DataFrame, lk: Lookups) -> pd.DataFrame:
    """sql/silver/posting_records.sql"""
    df = staged
    df["title_clean"] = df["title"].map(clean_line, na_action="ignore")
    df["company_clean"] = df["company"].map(clean_line, na_action="ignore")
    df["description_text"] = df["description"].map(html_to_text, na_action="ignore")
    country_of = {
        v: lk.country_code(v) for v in pd.unique(pd.concat([df["country"], df["region"]]).dropna())
    }
    df["country_code"] = df["country"].map(country_of).fillna(df["region"].map(country_of))
    arbeitnow = (df["source"] == "arbeitnow") & df["posted_raw"].notna()
    posted = parse_timestamps(df["posted_raw"].where(~arbeitnow))
    epoch = pd.to_datetime(
        pd.to_numeric(df["posted_raw"].where(arbeitnow), errors="coerce"), unit="s", utc=True
    )
    df["posted_at"] = posted.where(~arbeitnow, epoch.dt.as_unit("us"))

    salary = {t: parse_salary(t) for t in df["salary_text"].dropna().unique()}
    parsed = df["salary_text"].map(salary)

    def part(i: int) -> pd.Series:
        return parsed.map(lambda x: x[i] if isinstance(x, tuple) else None)

    df["salary_min_n"] = df["salary_min"].astype("float64").fillna(part(0).astype("float64"))
    df["salary_max_n"] = df["salary_max"].astype("float64").fillna(part(1).astype("float64"))
    df["salary_period_n"] = (
        df["salary_period"]
        .fillna(part(3))
        .fillna(
            part(1).map(lambda m: C.guess_salary_period(m) if m is not None and m == m else None)
        )
    )
    df["salary_currency_n"] = (
        df["salary_currency"]
        .str.upper()
        .fillna(part(2))
        .fillna(df["country_code"].map(lk.country_currency))
    )
    factor = df["salary_period_n"].map(lk.annual).astype("float64")
    mid = (
        (df["salary_min_n"] + df["salary_max_n"])
        / 2
        * factor
        * df["salary_currency_n"].map(lk.fx).astype("float64")
    )

    contract_of = {
        v: lk.contract_type(v)
        for v in pd.unique(pd.concat([df["contract_raw"], df["title_clean"]]).dropna())
    }
    region = df["region"].str.strip()
    fr_region = df["region"].map(lambda r: lk.fr_regions.get(normalize_key(r)), na_action="ignore")
    fr_region = fr_region.where(df["country_code"] == "FR")
    title_key = df["title_clean"].map(normalize_key, na_action="ignore")
    company_key = df["company_clean"].fillna("").map(normalize_company)
    city_key = df["city"].map(
        lambda c: RE["city_tail"].sub("", normalize_key(c)) or None, na_action="ignore"
    )
    remote_text = (df["title"].fillna("") + " " + df["city"].fillna("")).str.strip().str.lower()

    out = pd.DataFrame(
        {
            "bronze_file": df["bronze_file"],
            "bronze_line": df["bronze_line"].astype("int64"),
            "ingest_date": df["ingest_date"],
            "source_id": df["source_id"],
            "fetched_at": df["fetched_at"],
            "url": df["url"],
            "title": df["title_clean"],
            "company": df["company_clean"].fillna("Unknown"),
            "description": df["description_text"],
            "city": df["city"].str.strip().replace("", None),
            "region": fr_region.fillna(region.replace("", None)).where(
                ~(df["country_code"].notna() & (region.str.upper() == df["country_code"])), None
            ),
            "country": df["country_code"],
            "postal_code": df["postal_code"],
            "latitude": df["latitude"].astype("float64"),
            "longitude": df["longitude"].astype("float64"),
            "remote": df["remote"]
            .astype("object")
            .fillna(remote_text.map(lambda t: bool(RE["remote"].search(t))))
            .astype(bool),
            "contract_type": df["contract_raw"]
            .map(contract_of)
            .fillna(df["title_clean"].map(contract_of)),
            "working_time": df["working_time_raw"].map(working_time, na_action="ignore"),
            "salary_min": df["salary_min_n"],
            "salary_max": df["salary_max_n"],
            "salary_currency": df["salary_currency_n"].where(df["salary_min_n"].notna()),
            "salary_period": df["salary_period_n"].where(df["salary_min_n"].notna()),
            "salary_annual_min": df["salary_min_n"] * factor,
            "salary_annual_max": df["salary_max_n"] * factor,
            # implausible annual figures are kept as published but left out of the EUR figure
            "salary_annual_mid_eur": mid.where(mid.between(3000, 2_000_000)),
            "salary_predicted": df["salary_predicted"].astype("object").fillna(False).astype(bool),
            "salary_text": df["salary_text"],
            "skills": (df["title_clean"].fillna("") + " " + df["description_text"].fillna("")).map(
                lk.skills.find
            ),
            "job_family": df["title_clean"].map(lk.job_family, na_action="ignore"),
            "source_category": df["category_raw"],
            "posted_at": df["posted_at"].fillna(df["fetched_at"]),
            # concat_ws: a missing title key is skipped, not an empty part
            "match_key": [
                f"{t}|{c}" if isinstance(t, str) else c
                for t, c in zip(title_key, company_key, strict=True)
            ],
            "city_key": city_key,
        }
    )
    out["posted_date"] = out["posted_at"].dt.date
    reason = pd.Series(None, index=df.index, dtype="object")
    checks = [
        (df["parse_error"].notna(), "malformed_envelope: " + df["parse_error"].fillna("")),
        (df["title_clean"].isna(), "missing_title"),
        (
            df["posted_raw"].notna() & df["posted_at"].isna(),
            "invalid_posted_date: " + df["posted_raw"].fillna(""),
        ),
        ((df["salary_min_n"] < 0) | (df["salary_max_n"] < 0), "negative_salary"),
        (df["salary_min_n"] > df["salary_max_n"], "salary_min_above_max"),
    ]
    for cond, value in reversed(checks):  # the first failing check wins
        reason = reason.mask(cond, value)
    out["reject_reason"] = reason
    out["source"] = df["source"]
    cols = [
        c
        for c in out.columns
        if c not in ("posted_date", "match_key", "city_key", "reject_reason", "source")
    ]
    cols = cols[: cols.index("posted_at") + 1] + [
        "posted_date",
        "match_key",
        "city_key",
        "reject_reason",
        "source",
    ]
    return out[cols].sort_values(["bronze_file", "bronze_line"], ignore_index=True)


def int_posting_records(records: pd.DataFrame) -> pd.DataFrame:
    """sql/silver/int_posting_keys.sql: valid records with their posting_id."""
    valid = records[records["reject_reason"].isna()].copy()
    cities = (
        valid[valid["city_key"].notna()]
        .groupby("match_key")
        .agg(
            cities=("city_key", "nunique"),
            only_city=("city_key", "min"),
            countries=("country", "nunique"),
            only_country=("country", "min"),
        )
    )
    k = valid.join(cities, on="match_key")
    # a record without a city joins its title and company's posting when that posting is in
    # exactly one city and no country contradicts it; otherwise it stands on its country
    borrow = (k["cities"] == 1) & (
        k["country"].isna()
        | k["only_country"].isna()
        | ((k["countries"] == 1) & (k["only_country"] == k["country"]))
    )
    place = k["city_key"].fillna(k["only_city"].where(borrow)).fillna(k["country"]).fillna("")
    valid["dedup_key"] = k["match_key"] + "|" + place
    # a listing keeps the key of its first sighting
    valid = valid.sort_values(["fetched_at", "bronze_file", "bronze_line"])
    first_key = valid.groupby(["source", "source_id"], dropna=False)["dedup_key"].transform("first")
    ids = {key: C.sha256_prefix16(key) for key in first_key.unique()}
    valid["posting_id"] = first_key.map(ids)
    return valid


def job_postings(intr: pd.DataFrame) -> pd.DataFrame:
    """sql/silver/job_postings.sql: the best record (salary, longest description, latest)."""
    ranked = intr.assign(_no_salary=intr["salary_min"].isna(), _len=intr["description"].str.len())
    best = ranked.sort_values(
        ["posting_id", "_no_salary", "_len", "fetched_at", "bronze_file", "bronze_line"],
        ascending=[True, True, False, False, False, False],
        na_position="last",
    ).drop_duplicates("posting_id")
    g = intr.assign(listing=intr["source"] + ":" + intr["source_id"]).groupby("posting_id")
    seen = pd.DataFrame(
        {
            "sources": g["source"].agg(lambda x: sorted(set(x))),
            "listings": g["listing"].nunique(),
            "records": g.size(),
            "posted_date": g["posted_date"].min(),
            "first_seen": g["fetched_at"].min(),
            "last_seen": g["fetched_at"].max(),
        }
    )
    jp = best.drop(columns="posted_date").join(seen, on="posting_id")
    jp = jp.rename(columns={"source": "primary_source", "source_id": "primary_source_id"})
    jp["posted_month"] = pd.to_datetime(jp["posted_date"]).dt.strftime("%Y-%m")
    return jp[
        [
            "posting_id",
            "sources",
            "primary_source",
            "primary_source_id",
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
            "posted_month",
            "first_seen",
            "last_seen",
            "listings",
            "records",
        ]
    ].sort_values("posting_id", ignore_index=True)


def posting_sources(intr: pd.DataFrame) -> pd.DataFrame:
    return intr.groupby(["posting_id", "source", "source_id"], as_index=False).agg(
        url=("url", "max"),
        records=("bronze_line", "size"),
        first_seen=("fetched_at", "min"),
        last_seen=("fetched_at", "max"),
    )


def rejects(records: pd.DataFrame) -> pd.DataFrame:
    r = records[records["reject_reason"].notna()]
    r = r[
        [
            "bronze_file",
            "bronze_line",
            "source",
            "source_id",
            "fetched_at",
            "url",
            "title",
            "company",
            "reject_reason",
        ]
    ].copy()
    r.insert(8, "reject_code", r["reject_reason"].str.split(":").str[0])
    return r


# --------------------------------------------------------------------------------------------
# Gold
# --------------------------------------------------------------------------------------------


def key_of(*cols: pd.Series) -> pd.Series:
    """stable_key(parts...) per row, hashing each distinct combination once."""
    parts = list(zip(*(c.astype("object").where(c.notna(), None) for c in cols), strict=True))
    keys = {p: C.stable_key(*p) for p in set(parts)}
    return pd.Series([keys[p] for p in parts], index=cols[0].index, dtype="int64")


def gold(jp: pd.DataFrame, ps: pd.DataFrame, ref: Path) -> dict[str, pd.DataFrame]:
    jp = jp.copy()
    jp["company_norm"] = jp["company"].map(normalize_company)
    jp["company_key"] = key_of(jp["company_norm"])
    skills_ref = pd.DataFrame(C.read_reference(ref, "skills"))

    names = jp.groupby(["company_norm", "company"], as_index=False).size()
    names = names.sort_values(["company_norm", "size", "company"], ascending=[True, False, True])
    dim_company = names.groupby("company_norm", as_index=False).agg(
        company_name=("company", "first"), postings=("size", "sum")
    )
    dim_company.insert(0, "company_key", key_of(dim_company["company_norm"]))

    contract = pd.DataFrame(
        {
            "contract_type": jp["contract_type"].fillna("unknown"),
            "working_time": jp["working_time"].fillna("unknown"),
        }
    ).drop_duplicates()
    dim_contract = contract.assign(
        contract_key=key_of(contract["contract_type"], contract["working_time"])
    )[["contract_key", "contract_type", "working_time"]]

    days = pd.Series(pd.date_range(jp["posted_date"].min(), jp["posted_date"].max(), freq="D"))
    dim_date = pd.DataFrame(
        {
            "date_key": days.dt.strftime("%Y%m%d").astype("int64"),
            "date": days.dt.date,
            "year": days.dt.year.astype("int32"),
            "quarter": days.dt.quarter.astype("int32"),
            "month": days.dt.month.astype("int32"),
            "year_month": days.dt.strftime("%Y-%m"),
            "month_name": days.dt.month_name(),
            "iso_week": days.dt.isocalendar().week.astype("int32"),
            "day_of_week": ((days.dt.day_of_week + 1) % 7).astype(
                "int32"
            ),  # Sunday = 0, like SQL's dow
            "day_name": days.dt.day_name(),
            "is_weekend": days.dt.day_of_week >= 5,
        }
    )

    families = pd.Series(
        sorted(set(C.job_families(ref)) | set(jp["job_family"])), name="job_family"
    )
    dim_job_family = pd.DataFrame(
        {
            "job_family_key": key_of(families),
            "job_family": families,
            "job_family_name": families.str.replace("_", " ").str.title(),
        }
    )

    loc = jp[["country", "region", "city"]].drop_duplicates()
    names_of = {r["iso2"]: r["name"] for r in C.read_reference(ref, "countries")}
    dim_location = pd.DataFrame(
        {
            "location_key": key_of(loc["country"], loc["region"], loc["city"]),
            "country_code": loc["country"],
            "country_name": loc["country"].map(names_of),
            "region": loc["region"],
            "city": loc["city"],
        }
    )

    sk = skills_ref[skills_ref["family"] != "ignore"]
    dim_skill = pd.DataFrame(
        {"skill_key": key_of(sk["skill"]), "skill": sk["skill"], "skill_family": sk["family"]}
    )

    sources_ref = pd.DataFrame(C.read_reference(ref, "sources"))
    src = pd.DataFrame({"source": pd.unique(pd.concat([sources_ref["source"], ps["source"]]))})
    src = src.merge(sources_ref, on="source", how="left")
    dim_source = pd.DataFrame(
        {
            "source_key": key_of(src["source"]),
            "source": src["source"],
            "source_name": src["display_name"].fillna(src["source"]),
            "source_kind": src["kind"].fillna("unknown"),
            "homepage": src["homepage"],
        }
    )

    jp["posting_key"] = key_of(jp["posting_id"])
    fact = pd.DataFrame(
        {
            "posting_key": jp["posting_key"],
            "posting_id": jp["posting_id"],
            "date_key": pd.to_datetime(jp["posted_date"]).dt.strftime("%Y%m%d").astype("int64"),
            "company_key": jp["company_key"],
            "location_key": key_of(jp["country"], jp["region"], jp["city"]),
            "job_family_key": key_of(jp["job_family"]),
            "contract_key": key_of(
                jp["contract_type"].fillna("unknown"), jp["working_time"].fillna("unknown")
            ),
            "source_key": key_of(jp["primary_source"]),
            **{
                c: jp[c]
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
            },
            "skill_count": jp["skills"].map(len).astype("int64"),
            "listings": jp["listings"].astype("int64"),
            "source_count": jp["sources"].map(len).astype("int64"),
            **{c: jp[c] for c in ("posted_date", "first_seen", "last_seen", "posted_month")},
        }
    )

    exploded = jp[["posting_id", "posting_key", "posted_month", "job_family", "skills"]].explode(
        "skills"
    )
    exploded = exploded.dropna(subset="skills").rename(columns={"skills": "skill"})
    bridge = pd.DataFrame(
        {"posting_key": exploded["posting_key"], "skill_key": key_of(exploded["skill"])}
    ).drop_duplicates()

    both = jp.merge(ps[["posting_id", "source"]], on="posting_id")
    both["remote_id"] = both["posting_id"].where(both["remote"])  # count(DISTINCT CASE ...)
    both["paid_id"] = both["posting_id"].where(both["salary_annual_mid_eur"].notna())
    daily = both.groupby(["posted_date", "source", "job_family"], as_index=False).agg(
        postings=("posting_id", "nunique"),
        remote_postings=("remote_id", "nunique"),
        postings_with_salary=("paid_id", "nunique"),
    )

    totals = (
        jp.groupby(["posted_month", "job_family"], as_index=False)
        .size()
        .rename(columns={"size": "family_postings"})
    )
    demand = exploded.groupby(["posted_month", "job_family", "skill"], as_index=False).agg(
        postings=("posting_id", "nunique")
    )
    demand = demand.merge(totals, on=["posted_month", "job_family"]).merge(
        skills_ref[["skill", "family"]].rename(columns={"family": "skill_family"}),
        on="skill",
        how="left",
    )
    demand["share"] = demand["postings"] / demand["family_postings"]
    demand = demand[
        [
            "posted_month",
            "job_family",
            "skill",
            "skill_family",
            "postings",
            "family_postings",
            "share",
        ]
    ]

    paid = jp[jp["salary_annual_mid_eur"].notna() & ~jp["salary_predicted"]].assign(
        region=lambda d: d["region"].fillna("(unknown)")
    )
    by_region = paid.groupby(["job_family", "country", "region"], dropna=False)[
        "salary_annual_mid_eur"
    ]
    salary = pd.DataFrame(
        {  # exact percentiles, linearly interpolated like percentile_cont
            "postings_with_salary": by_region.size(),
            "salary_p25_eur": by_region.quantile(0.25),
            "salary_median_eur": by_region.quantile(0.5),
            "salary_p75_eur": by_region.quantile(0.75),
            "salary_mean_eur": by_region.mean(),
        }
    ).reset_index()

    hiring = jp.groupby(["posted_month", "company_key"], as_index=False).agg(
        postings=("posting_id", "size"),
        job_families=("job_family", "nunique"),
        remote_postings=("remote", "sum"),
    )
    hiring = hiring.merge(dim_company[["company_key", "company_name"]], on="company_key")
    hiring["rank_in_month"] = (
        hiring.groupby("posted_month")["postings"]
        .rank(method="min", ascending=False)
        .astype("int64")
    )
    hiring = hiring[
        [
            "posted_month",
            "company_key",
            "company_name",
            "postings",
            "job_families",
            "remote_postings",
            "rank_in_month",
        ]
    ]

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


def write(df: pd.DataFrame, path: Path) -> int:
    df.to_parquet(path, engine="pyarrow", compression="zstd", index=False)
    return len(df)


def main() -> None:
    args = C.parse_args(TOOL)

    silver_clock = C.Stopwatch()
    lookups = Lookups(args.reference)
    bronze = read_bronze(args.bronze)
    records = posting_records(stage(bronze, lookups.department_region), lookups)
    del bronze
    intr = int_posting_records(records)
    silver = {
        "posting_records": records,
        "rejects": rejects(records),
        "job_postings": job_postings(intr),
        "posting_sources": posting_sources(intr),
    }
    rows = {
        name: write(silver[name], args.out / "silver" / f"{name}.parquet")
        for name in C.SILVER_TABLES
    }
    silver_seconds = silver_clock.seconds()

    gold_clock = C.Stopwatch()
    tables = gold(silver["job_postings"], silver["posting_sources"], args.reference)
    gold_rows = {
        name: write(tables[name], args.out / "gold" / f"{name}.parquet") for name in C.GOLD_TABLES
    }
    gold_seconds = gold_clock.seconds()

    C.emit_result(
        TOOL,
        silver_seconds,
        gold_seconds,
        rows["posting_records"],
        rows["posting_records"],
        rows["job_postings"],
        gold_rows,
        args.out,
    )


if __name__ == "__main__":
    main()
