"""Shared plumbing of the peer pipelines (bench/peers/*_pipeline.py).

What is shared, and why:

* the command line, the timers, peak memory, output size and the result line, so that the
  three peers report exactly the same way to the Rust bench;
* the reference CSVs of sql/reference (read the way joblake reads them: header row, `#`
  comment lines, fields trimmed);
* the *specification* of the text rules that joblake implements as Rust UDFs
  (crates/joblake-enrich): regular expressions and small lookup tables. Every peer applies
  them with its own engine (DuckDB SQL macros over RE2, Polars expressions over Rust's regex
  crate, plain Python `re` for pandas), so the rules are written once and mean the same thing
  everywhere. They are a simplification of joblake's hand-written scanners; README.md lists
  where they differ.

Nothing here touches data: the transformations themselves live in each pipeline, in that
tool's idiom.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import resource
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Command line, timing, result line
# --------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REFERENCE = REPO_ROOT / "sql" / "reference"

SILVER_TABLES = ("posting_records", "rejects", "job_postings", "posting_sources")
GOLD_TABLES = (
    "dim_date",
    "dim_company",
    "dim_location",
    "dim_job_family",
    "dim_source",
    "dim_contract",
    "dim_skill",
    "fact_job_posting",
    "bridge_posting_skill",
    "agg_postings_daily",
    "agg_skill_demand_monthly",
    "agg_salary_by_family_region",
    "agg_hiring_companies_monthly",
)


def parse_args(tool: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=f"{tool} peer of joblake's silver/gold models (see bench/peers/README.md)"
    )
    p.add_argument("--bronze", required=True, type=Path, help="the lake's bronze directory")
    p.add_argument("--out", required=True, type=Path, help="where silver/ and gold/ Parquet go")
    p.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help="reference CSVs (default: the repository's sql/reference)",
    )
    args = p.parse_args()
    if not args.bronze.is_dir():
        p.error(f"--bronze {args.bronze} is not a directory")
    if not bronze_files(args.bronze):
        p.error(f"no {BRONZE_GLOB} files under --bronze {args.bronze}")
    (args.out / "silver").mkdir(parents=True, exist_ok=True)
    (args.out / "gold").mkdir(parents=True, exist_ok=True)
    return args


class Stopwatch:
    """Wall-clock seconds since construction (monotonic)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start


def peak_rss_bytes() -> int:
    """Peak resident set size of this process.

    On Linux this is VmHWM of /proc/self/status: ru_maxrss would also count the parent's
    memory, since a child started by fork + exec inherits the parent's high-water mark (the
    Rust bench runs the peers from a process holding gigabytes). Elsewhere, ru_maxrss (KiB on
    Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if os.uname().sysname == "Darwin" else rss * 1024


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def emit_result(
    tool: str,
    silver_seconds: float,
    gold_seconds: float,
    records: int,
    silver_rows: int,
    postings: int,
    gold_rows: dict[str, int],
    out: Path,
) -> None:
    """Prints the one JSON line the Rust bench reads (it must stay the last line of stdout)."""
    result = {
        "tool": tool,
        "silver_seconds": round(silver_seconds, 4),
        "gold_seconds": round(gold_seconds, 4),
        "records": int(records),
        "silver_rows": int(silver_rows),
        "postings": int(postings),
        "gold_rows": {k: int(v) for k, v in gold_rows.items()},
        "peak_rss_bytes": peak_rss_bytes(),
        "output_bytes": dir_bytes(out),
    }
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# Bronze files
# --------------------------------------------------------------------------------------------

BRONZE_GLOB = "*/ingest_date=*/*.ndjson.gz"
# bronze_file is stored relative to the lake root, like joblake: bronze/<source>/ingest_date=.../x
BRONZE_PATH_RE = r"(bronze/([^/]+)/ingest_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/[^/]+)$"


@dataclass(frozen=True)
class BronzeFile:
    path: str  # absolute path
    relative: str  # bronze/<source>/ingest_date=YYYY-MM-DD/<file>, as joblake's bronze_file
    source: str  # from the directory name, as joblake (not from the envelope)
    ingest_date: str


def bronze_files(bronze: Path) -> list[BronzeFile]:
    """Every bronze file, sorted by relative path like joblake's listing."""
    bronze = bronze.resolve()
    out = []
    for f in bronze.glob(BRONZE_GLOB):
        rel = f"bronze/{f.relative_to(bronze).as_posix()}"
        m = re.search(BRONZE_PATH_RE, rel)
        if m:
            out.append(BronzeFile(str(f), rel, m.group(2), m.group(3)))
    return sorted(out, key=lambda b: b.relative)


# --------------------------------------------------------------------------------------------
# Reference CSVs
# --------------------------------------------------------------------------------------------


def read_reference(ref_dir: Path, name: str) -> list[dict[str, str]]:
    """Rows of sql/reference/<name>.csv: header row, `#` comment lines, fields trimmed."""
    with open(ref_dir / f"{name}.csv", encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.lstrip().startswith("#") and line.strip()]
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader)]
    return [dict(zip(header, (v.strip() for v in row), strict=True)) for row in reader]


def stable_key(*parts: str | None) -> int:
    """joblake's stable_key: the first 63 bits of SHA-256 over the parts joined by 0x1f
    (NULL parts count as empty)."""
    h = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return int.from_bytes(h.digest()[:8], "big") >> 1


def sha256_prefix16(s: str) -> str:
    """posting_id: the first 16 hex digits of SHA-256 of the dedup key."""
    return hashlib.sha256(s.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Regex dialects
# --------------------------------------------------------------------------------------------
# The rules below are written once with two placeholders and rendered for each engine:
#   <L>  one letter, <AN> one letter or digit, <NAN> one character that is neither.
# RE2 (DuckDB) and Rust's regex (Polars) know Unicode classes (\pL); Python's re does not, so
# it gets the equivalent \w-based classes. Everything else used here (\b, (?i:...), lazy
# quantifiers, character classes with literal non-ASCII characters) means the same in all
# three. RE2's \b is ASCII-only, which is why DuckDB folds accents before matching skills.

_DIALECT_CLASSES = {
    "re2": {"<L>": r"\pL", "<AN>": r"[\pL\pN]", "<NAN>": r"[^\pL\pN]"},
    "rust": {"<L>": r"\pL", "<AN>": r"[\pL\pN]", "<NAN>": r"[^\pL\pN]"},
    "python": {"<L>": r"[^\W\d_]", "<AN>": r"[^\W_]", "<NAN>": r"[\W_]"},
}


def rx(pattern: str, dialect: str) -> str:
    for k, v in _DIALECT_CLASSES[dialect].items():
        pattern = pattern.replace(k, v)
    return pattern


def escape(text: str) -> str:
    """Escapes regex metacharacters only (RE2, Rust and Python agree on these escapes; they do
    not all accept escaped spaces, `#` or `&`, which Python's re.escape would produce)."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


# --------------------------------------------------------------------------------------------
# normalize_key / normalize_company (joblake-enrich's keys.rs) as regex steps
# --------------------------------------------------------------------------------------------
# 1. inclusive suffixes glued to a word: Assistant(e), étudiant·e, Werkstudent:in, Entwickler/in
INCLUSIVE_SUFFIX = (
    r"(?i)(<L>)(?:\((?:e|ne|se|le|es|euse|rice|trice|ère|ere|fe|ve|in|innen)\)"
    r"|[·•.](?:e|ne|se|euse|rice|trice|es)|[:*_/](?:innen|in))(<NAN>|$)"
)
# 2. lowercase, then these letters (NFKD leaves them alone), then accents stripped
SPECIAL_LETTERS = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "þ": "th",
    "ı": "i",
}
# 3. runs of anything but letters and digits become one space
NON_ALNUM_RUN = r"<NAN>+"


def _gender_markers() -> str:
    """Gender markers as 2 or 3 single-letter tokens in any order (h f, m w d, f h x...)."""
    from itertools import permutations

    combos = ["hfx", "mwd", "mwx", "mwi", "mfd", "mfx", "hf", "mw", "mf"]
    alts: list[str] = []
    for c in combos:  # three-letter markers first: leftmost-longest like keys.rs
        for perm in permutations(c):
            variants = [" ".join(perm)]
            if "d" in perm:  # "div" counts as d (m/w/div)
                variants.append(" ".join("div" if x == "d" else x for x in perm))
            for v in variants:
                if v not in alts:
                    alts.append(v)
    alts += ["all genders", "all gender", "alle geschlechter"]
    return r"\b(?:" + "|".join(alts) + r")\b"


# 4. gender markers anywhere, and a final glued one ("... hf", "... mwd")
GENDER_MARKERS = _gender_markers()
FINAL_GENDER_MARKER = r" (?:hf|mwd|wmd|mfd|fmd|gn|mwx|wmx)$"
MULTI_SPACE = r"  +"

LEGAL_SUFFIXES = [
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "llp",
    "lp",
    "pllc",
    "ltd",
    "limited",
    "plc",
    "p l c",
    "gmbh",
    "g m b h",
    "mbh",
    "ag",
    "a g",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "haftungsbeschrankt",
    "ev",
    "e v",
    "ek",
    "e k",
    "se",
    "sa",
    "s a",
    "sas",
    "s a s",
    "sasu",
    "sarl",
    "s a r l",
    "s a r l u",
    "eurl",
    "sca",
    "snc",
    "scop",
    "sci",
    "bv",
    "b v",
    "nv",
    "n v",
    "srl",
    "s r l",
    "spa",
    "s p a",
    "sl",
    "s l",
    "ab",
    "oy",
    "oyj",
    "as",
    "asa",
    "aps",
    "a s",
    "pty",
    "pte",
    "pvt",
    "co",
    "cie",
    "corp",
    "corporation",
    "company",
    "group",
    "groupe",
    "gruppe",
]
# normalize_company: Adzuna's appended rating, then legal forms at the end, repeatedly; the
# leading space keeps at least one word ("Company Inc" -> "company").
GLASSDOOR_RATING = r" glassdoor[0-9 ]*$"
LEGAL_SUFFIX_TAIL = r"(?: (?:" + "|".join(sorted(LEGAL_SUFFIXES, key=len, reverse=True)) + r"))+$"

# posting_records.sql: the city without arrondissement numbers ("paris 11e arrondissement")
CITY_KEY_TAIL = r"\s+(\d+|\d+e|\d+er|\d+eme|cedex)(\s.*)?$"
# posting_records.sql: remote from the title and place text when the source has no flag
REMOTE_WORDS = r"\b(remote|full remote|télétravail|teletravail|home office|homeoffice)\b"


def fold_accents(s: str) -> str:
    """Lowercase, special letters, NFKD without combining marks (the Python form of step 2)."""
    s = s.lower()
    for k, v in SPECIAL_LETTERS.items():
        s = s.replace(k, v)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_PY = {
    "inclusive": re.compile(rx(INCLUSIVE_SUFFIX, "python")),
    "non_alnum": re.compile(rx(NON_ALNUM_RUN, "python")),
    "gender": re.compile(GENDER_MARKERS),
    "final_gender": re.compile(FINAL_GENDER_MARKER),
    "multi_space": re.compile(MULTI_SPACE),
    "glassdoor": re.compile(GLASSDOOR_RATING),
    "legal": re.compile(LEGAL_SUFFIX_TAIL),
}


def normalize_key(s: str | None) -> str | None:
    """Python rendering of the normalize_key steps (used for reference keys, and by pandas)."""
    if s is None:
        return None
    s = _PY["inclusive"].sub(r"\1\2", s)
    s = _PY["non_alnum"].sub(" ", fold_accents(s)).strip()
    s = _PY["gender"].sub(" ", s)
    s = _PY["final_gender"].sub("", s)
    return _PY["multi_space"].sub(" ", s).strip()


def normalize_company(s: str | None) -> str | None:
    if s is None:
        return None
    k = _PY["glassdoor"].sub("", normalize_key(s))
    return _PY["legal"].sub("", k)


# --------------------------------------------------------------------------------------------
# html_to_text (joblake-enrich's html.rs) as regex steps
# --------------------------------------------------------------------------------------------
INVISIBLE_CHARS = "[\u200b\ufeff\u00ad\u2060]"
# JSON-LD pages often carry HTML escaped once more (&lt;p&gt;): unescape it first
ESCAPED_HTML = r"&lt;/?[a-zA-Z]"
ESCAPED_HTML_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&"}
_BLOCK_TAGS = (
    "p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|pre|blockquote|dl|dt|dd|hr|section|article|"
    "header|footer|main|nav|aside|figure|figcaption|caption|form|fieldset|address|details|"
    "summary|center|option|tbody|thead|tfoot|body|html"
)
# Text with a block-level tag is HTML: its raw line breaks are plain whitespace
LOOKS_LIKE_HTML = r"(?i)</?(?:" + _BLOCK_TAGS + r")(?:[^a-zA-Z0-9]|$)"
RAW_NEWLINES = "[\r\n\u2028\u2029]+"
_SKIPPED = "script|style|head|title|noscript|template|svg|iframe|object|textarea|select"
# Elements dropped with their content (RE2 has no backreferences: any skipped closing tag ends one)
SKIPPED_ELEMENTS = r"(?is)<!--.*?-->|<(?:" + _SKIPPED + r")\b[^>]*>.*?</(?:" + _SKIPPED + r")\s*>"
# (pattern, replacement) applied in order after the skipped elements
HTML_TAG_RULES = [
    (r"(?i)<br\s*/?>", "\n"),
    (r"(?i)<li\b[^>]*>", "\n- "),
    (r"(?i)</li\s*>", ""),
    (r"(?i)</?(?:p|h[1-6]|table|blockquote|dl|ul|ol|pre)\b[^>]*>", "\n\n"),
    (
        r"(?i)</?(?:div|tr|dt|dd|hr|section|article|header|footer|main|nav|aside|figure|"
        r"figcaption|caption|form|fieldset|address|details|summary|center|option|tbody|thead|"
        r"tfoot|body|html)\b[^>]*>",
        "\n",
    ),
    (r"(?i)</?t[dh]\b[^>]*>", " "),
    # any other tag, doctype or processing instruction
    (r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^>]*)?/?>|<![^>]*>|<\?[^>]*>", ""),
]
# Named and numeric entities decoded by DuckDB and Polars (pandas uses html.unescape, which
# knows them all). &amp; must stay last so that "&amp;lt;" becomes "&lt;", not "<".
HTML_ENTITIES = {
    "&nbsp;": "\u00a0",
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#34;": '"',
    "&#39;": "'",
    "&#x27;": "'",
    "&apos;": "'",
    "&rsquo;": "\u2019",
    "&lsquo;": "\u2018",
    "&#8217;": "\u2019",
    "&rdquo;": "\u201d",
    "&ldquo;": "\u201c",
    "&ndash;": "\u2013",
    "&mdash;": "\u2014",
    "&hellip;": "\u2026",
    "&euro;": "€",
    "&pound;": "£",
    "&bull;": "•",
    "&middot;": "·",
    "&eacute;": "é",
    "&egrave;": "è",
    "&agrave;": "à",
    "&ccedil;": "ç",
    "&ecirc;": "ê",
    "&ocirc;": "ô",
    "&uuml;": "ü",
    "&ouml;": "ö",
    "&auml;": "ä",
    "&szlig;": "ß",
    "&amp;": "&",
}
SPACE_CHARS = "[\u00a0\u202f\u2007\u2000-\u200a\u3000" + r"\t\f\v]"
CONTROL_CHARS = r"[\x00-\x08\x0e-\x1f\x7f]"
# whitespace tidying after the tags are gone
SPACE_RUN = r" {2,}"
SPACES_AROUND_NEWLINE = r" ?\n ?"
BLANK_LINES = r"\n{3,}"

# --------------------------------------------------------------------------------------------
# parse_salary_text (joblake-enrich's salary.rs) as regex steps, on lowercase accent-folded text
# --------------------------------------------------------------------------------------------
# Numbers that are not amounts are blanked first: dates, times, percentages, numbers glued to
# letters (Bac+5, CCNT66, 35h) and counts ("sur 12 mois", "3 years", "35 employees").
SALARY_NOT_AMOUNTS = [
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}",
    r"\d{1,2}:\d{2}(?::\d{2})?",
    r"\d+(?:[.,]\d+)?\s*%",
    r"[+#a-z]\d[\d.,]*",
    r"\d[\d.,]*(?:[a-jl-z]|k[a-z])[a-z]*",
    r"\d+(?:[.,]\d+)?\s*(?:mois|months?|monate?|years?|yrs?|ans?|annees?|jahre?|jours?|days?"
    r"|tage?|heures?|hours?|hrs?|h|j|mo|std|stunden?|weeks?|semaines?|wochen?|employees|people"
    r"|personnes|salaries|mitarbeiter|x|fois|times|semestres|positions|postes|e|eme|er|th|st"
    r"|nd|rd)\b",
]
# An amount: digits with thousands separators (space, nbsp, ',', '.', ''') and an optional k.
SALARY_AMOUNT = (
    r"(\d{1,3}(?:[ " + "\u00a0\u202f" + r"]\d{3})+(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*)(\s?k\b)?"
)
_CURRENCY_WORDS = {
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "livres": "GBP",
    "sterling": "GBP",
    "chf": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "nzd": "NZD",
    "inr": "INR",
    "rupees": "INR",
    "roupies": "INR",
    "sgd": "SGD",
    "zar": "ZAR",
    "rand": "ZAR",
    "pln": "PLN",
    "zl": "PLN",
    "zloty": "PLN",
    "zlotys": "PLN",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "jpy": "JPY",
    "yen": "JPY",
    "cny": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "hkd": "HKD",
    "lkr": "LKR",
    "jod": "JOD",
    "mga": "MGA",
    "ariary": "MGA",
    "brl": "BRL",
    "mxn": "MXN",
}
_CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "￥": "JPY",
    "₹": "INR",
    "元": "CNY",
    "$": "USD",
    "us$": "USD",
    "u.s$": "USD",
    "ca$": "CAD",
    "c$": "CAD",
    "can$": "CAD",
    "cad$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud$": "AUD",
    "s$": "SGD",
    "sg$": "SGD",
    "sgd$": "SGD",
    "nz$": "NZD",
    "hk$": "HKD",
    "r$": "BRL",
    "mx$": "MXN",
}
# currency token (as matched, lowercase) -> ISO 4217
CURRENCY_TOKENS = {**_CURRENCY_WORDS, **_CURRENCY_SYMBOLS}
SALARY_CURRENCY = (
    r"(?:\b(?:us|u\.s|ca|c|can|cad|a|au|aud|s|sg|sgd|nz|hk|r|mx))?\$|[€£¥￥₹元]|\b(?:"
    + "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
    + r")\b"
)
_FILLERS = r"(?:\s*(?:brut|bruts|brute|brutto|net|nets|netto|gross|base))?"
# "A - B", "A à B", "A to B", currencies and brut/net allowed around the separator
SALARY_RANGE = (
    SALARY_AMOUNT
    + r"\s*(?:"
    + SALARY_CURRENCY
    + r")?"
    + _FILLERS
    + r"\s*(?:-|–|—|~|‐|−|‑|\bto\b|\ba\b|\bbis\b|\band\b|\bet\b|\bund\b|\bau\b|\bjusqu)\s*"
    + r"(?:"
    + SALARY_CURRENCY
    + r")?\s*"
    + SALARY_AMOUNT
)
_PERIOD_ADJECTIVES = {
    "hour": "hourly horaire horaires stundenlohn stundlich stdl",
    "day": "daily journalier journaliere tjm tagessatz taglich",
    "week": "weekly hebdomadaire wochentlich wochenlohn",
    "month": "monthly mensuel mensuelle mensuels mensuelles monatlich monatsgehalt mensualise",
    "year": "yearly annual annually annuel annuelle annuels annuelles jahrlich jahresgehalt pa "
    "p.a annum anual",
}
# strong nouns name the period alone ("40k per year", "par mois", "€50/hour")...
_PERIOD_NOUNS = {
    "hour": "hour hours heure heures stunde stunden hr hrs",
    "day": "day days jour jours tag tage",
    "week": "week weeks semaine semaines woche wochen wk",
    "month": "month months mois monat monate mth",
    "year": "year years annee annees jahr jahre yr yrs",
}
# ...weak ones only after "per", "par", "/" ("12 €/h", "par an")
_PERIOD_WEAK = {"hour": "h std", "day": "j", "month": "mo", "year": "an ans"}
# period word (lowercase, folded) -> period
PERIOD_WORDS = {
    w: p
    for table in (_PERIOD_ADJECTIVES, _PERIOD_NOUNS, _PERIOD_WEAK)
    for p, ws in table.items()
    for w in ws.split()
}


def _words(table: dict[str, str]) -> str:
    ws = sorted({w for v in table.values() for w in v.split()}, key=len, reverse=True)
    return "|".join(escape(w) for w in ws)


# The first period statement of the text; its last word says which period it is.
SALARY_PERIOD = (
    r"\b(?:"
    + _words(_PERIOD_ADJECTIVES)
    + r")\b"
    + r"|(?:\b(?:per|par|pro|a|an|each|every|by|le|la|l|je|im)\s+|/\s*|'\s*)(?:"
    + _words({**_PERIOD_NOUNS, **{k: v for k, v in _PERIOD_WEAK.items()}})
    + r")\b|\b(?:"
    + _words(_PERIOD_NOUNS)
    + r")\b"
)
PERIOD_LAST_WORD = r"([a-z.]+)$"


def guess_salary_period(amount: float | None) -> str | None:
    """joblake_enrich::guess_salary_period: the period of an amount from its size."""
    if amount is None or amount != amount or amount <= 0:
        return None
    if amount >= 10_000:
        return "year"
    if amount >= 1_000:
        return "month"
    if amount >= 150:
        return "day"
    return "hour"


# --------------------------------------------------------------------------------------------
# Other small rules
# --------------------------------------------------------------------------------------------
# France Travail place label "75 - Paris 11e Arrondissement": département code, then the city
FT_LABEL = r"^\s*(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])(?:\s*-\s*(.*?)\s*)?$"
FT_DEPARTMENT_ONLY = r"\((?:Dept|Dépt)\.\)$"
# working_time: first of these phrases in normalize_key(raw) (substring search, like contract.rs)
FULL_TIME_PHRASES = ["full time", "fulltime", "temps plein", "temps complet", "vollzeit"]
PART_TIME_PHRASES = ["part time", "parttime", "temps partiel", "teilzeit", "mi temps", "minijob"]
WORKING_TIME = "(" + "|".join(FULL_TIME_PHRASES + PART_TIME_PHRASES) + ")"
# contract types: the most specific one found wins
CONTRACT_RANK = {
    "working_student": 7,
    "apprenticeship": 6,
    "internship": 5,
    "freelance": 4,
    "temporary": 3,
    "fixed_term": 2,
    "permanent": 1,
}
# location lists: "Munich, Bavaria, Germany", "USA, Canada"
LOCATION_SEPARATORS = r"[,()/;|]"


# --------------------------------------------------------------------------------------------
# Compiled reference data
# --------------------------------------------------------------------------------------------


@dataclass
class SkillSpec:
    """The skills dictionary as one alternation, plus lookups from matched text to skill.

    `pattern` finds, leftmost and longest first like joblake_enrich's SkillMatcher, every skill
    alias, stop phrase (family `ignore`) and guard (contexts where a 1-2 character alias is not
    a skill: R&D, C-level, Go-live, next.js, Q/C/D). A match is a skill when its exact text is
    in `case_sensitive` or its lowercase text in `case_insensitive`; stop phrases and guards map
    to `ignore` or to nothing and are dropped.
    """

    pattern: str
    case_sensitive: dict[str, str]
    case_insensitive: dict[str, str]
    family: dict[str, str]  # skill -> family ("ignore" for stop phrases)


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def skill_spec(ref_dir: Path, fold: bool = False, ascii_boundaries: bool = False) -> SkillSpec:
    """fold=True folds accents out of the patterns and keys, for engines that match on
    accent-folded text because their word boundary is ASCII-only: RE2's \\b always is, and
    Polars gets `(?-u:\\b)` (ascii_boundaries=True) because Rust's Unicode \\b forces its slow
    NFA engine on non-ASCII text (250x slower on this alternation). On folded text, `R` is still
    not found in `Rémunération` ("Remuneration")."""
    cs: dict[str, str] = {}
    ci: dict[str, str] = {}
    family: dict[str, str] = {}
    alts: list[tuple[int, str]] = []

    def f(t: str) -> str:
        if not fold:
            return t
        return "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))

    for row in read_reference(ref_dir, "skills"):
        skill = row["skill"]
        family[skill] = row["family"]
        row_cs = row["case_sensitive"].lower() in ("true", "1", "yes", "y", "t")
        pats = [(skill, row_cs)]
        for alias in (a.strip() for a in row["aliases"].split("|")):
            if not alias:
                continue
            if alias.startswith("cs:"):
                pats.append((alias[3:].strip(), True))
            elif alias.startswith("ci:"):
                pats.append((alias[3:].strip(), False))
            else:
                pats.append((alias, row_cs))
        for text, case_sensitive in pats:
            t = f(text)
            if case_sensitive:
                cs.setdefault(t, skill)
            else:
                ci.setdefault(t.lower(), skill)
            core = escape(t)
            lb = r"\b" if _is_word(t[0]) else ""
            rb = r"\b" if _is_word(t[-1]) else ""
            group = [(len(t), lb + core + rb)]
            if len(t) <= 2:
                # Guards for short aliases (never found in the lookups, so dropped):
                group += [
                    (len(t) + 1, lb + core + "[&'’]"),  # R&D, R's
                    (len(t) + 2, lb + core + r"[-.+]\w"),  # C-level, Go-live, R.I.P.
                    (len(t) + 1, "[&'’]" + core + rb),  # B&R
                    (len(t) + 2, r"\w[-.]" + core + rb),  # next.js, Py-R
                ]
                if len(t) == 1:
                    group += [
                        (len(t) + 1, lb + core + "-"),  # "C- and VP-level"
                        (len(t) + 3, lb + core + r"/\w(?:[\s,;/().:]|$)"),  # C/D
                        (len(t) + 3, r"(?:^|[\s,;/().:])\w/" + core + rb),  # Q/C
                    ]
            for n, alt in group:
                alts.append((n, alt if case_sensitive else f"(?i:{alt})"))
    # Longest first: at one position the first alternative that matches wins (RE2, Rust and
    # Python are all leftmost-first), which makes the whole leftmost-longest like skills.rs.
    seen: set[str] = set()
    ordered = []
    for _, alt in sorted(alts, key=lambda a: -a[0]):
        if alt not in seen:
            seen.add(alt)
            ordered.append(alt)
    pattern = "|".join(ordered)
    if ascii_boundaries:
        pattern = pattern.replace(r"\b", r"(?-u:\b)")
    return SkillSpec(pattern, cs, ci, family)


def job_family_rules(ref_dir: Path) -> list[tuple[str, str]]:
    """(family, pattern) in the order they win: lowest priority first, then CSV order."""
    rows = read_reference(ref_dir, "job_families")
    ranked = sorted(enumerate(rows), key=lambda r: (int(r[1]["priority"]), r[0]))
    return [(r["family"], r["pattern"]) for _, r in ranked]


def job_families(ref_dir: Path) -> list[str]:
    out: list[str] = []
    for r in read_reference(ref_dir, "job_families"):
        if r["family"] != "other" and r["family"] not in out:
            out.append(r["family"])
    return out + ["other"]


@dataclass
class ContractSpec:
    pattern: str  # every known phrase, longest first, on normalize_key(raw)
    types: dict[str, str | None]  # phrase -> contract type (None: names no contract)


def contract_spec(ref_dir: Path) -> ContractSpec:
    types: dict[str, str | None] = {}
    for r in read_reference(ref_dir, "contract_types"):
        key = normalize_key(r["raw"])
        types[key] = None if r["contract_type"] == "none" else r["contract_type"]
    phrases = sorted(types, key=len, reverse=True)
    return ContractSpec(r"\b(?:" + "|".join(escape(p) for p in phrases) + r")\b", types)


def country_keys(ref_dir: Path) -> list[tuple[str, str, bool]]:
    """(normalize_key of a code, name or alias, iso2, is the iso2 code itself)."""
    out: dict[str, tuple[str, bool]] = {}
    for r in read_reference(ref_dir, "countries"):
        code = r["iso2"]
        out.setdefault(code.lower(), (code, True))
        for name in [r["name"], *r["aliases"].split("|")]:
            k = normalize_key(name)
            if k:
                out.setdefault(k, (code, False))
    return [(k, v[0], v[1]) for k, v in out.items()]
