"""Shared helpers of the analysis notebooks (docs/analysis.md).

- Where the lake is: `JOBLAKE_LAKE` (default `lake`; from `notebooks/` itself, `../lake`).
  A local directory or `s3://bucket/prefix`; for S3 the usual `AWS_*` variables
  (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
  `AWS_ALLOW_HTTP`...) are passed to the Delta reader, as joblake itself does.
- Reading a Delta table lazily (`scan`), so that a notebook reads only the columns it names:
  on a lake of a million postings, descriptions are never read unless a cell asks for them.
- A deterministic sample of postings by their id (`in_sample`), the seniority rules shared by
  the salary, clustering and model notebooks, and small display helpers that cap tables.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlparse

import polars as pl

_AWS_KEYS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
    "AWS_SERVER_SIDE_ENCRYPTION",
    "AWS_SSE_KMS_KEY_ID",
)


def _lake() -> str:
    lake = os.environ.get("JOBLAKE_LAKE")
    if lake:
        return lake.rstrip("/")
    if not os.path.isdir("lake") and os.path.isdir(os.path.join("..", "lake")):
        return os.path.join("..", "lake")
    return "lake"


LAKE = _lake()
REMOTE = "://" in LAKE and not LAKE.startswith("file://")


def storage_options() -> dict[str, str]:
    """The object-store options for the Delta reader: the AWS_* variables that are set."""
    if not REMOTE:
        return {}
    return {key.lower(): os.environ[key] for key in _AWS_KEYS if os.environ.get(key)}


def table_uri(name: str) -> str:
    """`silver.job_postings` -> `<lake>/silver/job_postings`; `meta.runs` -> `<lake>/_meta/runs`."""
    layer, table = name.split(".", 1)
    layer = "_meta" if layer == "meta" else layer
    return f"{LAKE}/{layer}/{table}"


def exists(name: str) -> bool:
    """Whether the Delta table exists in the lake."""
    from deltalake import DeltaTable

    return DeltaTable.is_deltatable(table_uri(name), storage_options=storage_options())


def scan(name: str, columns: list[str] | None = None) -> pl.LazyFrame:
    """A Delta table as a polars LazyFrame, restricted to `columns` when given."""
    if not exists(name):
        raise FileNotFoundError(f"{name} is not a Delta table at {table_uri(name)}: is JOBLAKE_LAKE={LAKE} a refreshed lake?")
    lf = pl.scan_delta(table_uri(name), storage_options=storage_options() or None)
    return lf.select(columns) if columns else lf


def version(name: str) -> int:
    """The Delta version of a table (what a finding was computed from)."""
    from deltalake import DeltaTable

    return DeltaTable(table_uri(name), storage_options=storage_options()).version()


def collect(lf: pl.LazyFrame) -> pl.DataFrame:
    """Collects with polars' streaming engine: bounded memory on large tables."""
    return lf.collect(engine="streaming")


# --- Files under the lake (the models' metadata), local or on S3 -----------------------------


def _filesystem():
    import pyarrow.fs as pafs

    if not REMOTE:
        return pafs.LocalFileSystem(), os.path.abspath(LAKE)
    url = urlparse(LAKE)
    if url.scheme not in ("s3", "s3a"):
        return pafs.FileSystem.from_uri(LAKE)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    kwargs = {}
    if endpoint:
        parsed = urlparse(endpoint)
        kwargs["endpoint_override"] = parsed.netloc or endpoint
        kwargs["scheme"] = parsed.scheme or "https"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs), f"{url.netloc}{url.path}".rstrip("/")


def list_dirs(relative: str) -> list[str]:
    """Names of the sub-directories of `<lake>/<relative>` (empty when it does not exist)."""
    import pyarrow.fs as pafs

    fs, root = _filesystem()
    selector = pafs.FileSelector(f"{root}/{relative}", allow_not_found=True)
    return sorted(info.base_name for info in fs.get_file_info(selector) if info.type == pafs.FileType.Directory)


def read_json(relative: str):
    """The JSON document at `<lake>/<relative>`."""
    fs, root = _filesystem()
    with fs.open_input_stream(f"{root}/{relative}") as stream:
        return json.loads(stream.read().decode("utf-8"))


# --- Samples, rules, display ------------------------------------------------------------------


def in_sample(fraction: float, column: str = "posting_id") -> pl.Expr:
    """True for a deterministic `fraction` of postings: the first 32 bits of the id (itself
    16 hex chars of SHA-256) below fraction * 2^32. The same postings on every run."""
    threshold = int(min(max(fraction, 0.0), 1.0) * 2**32)
    return pl.col(column).str.slice(0, 8).str.to_integer(base=16) < threshold


# Seniority from the title, first matching rule wins (case-insensitive, whole words; English,
# French and German spellings). A title matching none is `unspecified` (mostly mid-level).
SENIORITY_RULES: list[tuple[str, str]] = [
    ("intern", r"intern|internship|stage|stagiaire|praktikum|praktikant|praktikantin|werkstudent|werkstudentin|working student|alternance|alternant|alternante|apprenti|apprentie|apprentice|apprenticeship|trainee|azubi|ausbildung"),
    ("head", r"head|director|directeur|directrice|direktor|leiter|leiterin|vp|vice president|chief|cto|cdo|cio"),
    ("principal", r"principal|staff|distinguished"),
    ("lead", r"lead|leader|teamlead|techlead|lead dev"),
    ("senior", r"senior|sr|expert|experienced|confirmé|confirmée|erfahren|erfahrene|erfahrener"),
    ("junior", r"junior|jr|graduate|entry[- ]level|débutant|débutante|einsteiger|einsteigerin|berufseinsteiger"),
]
SENIORITY_ORDER = ["intern", "junior", "unspecified", "senior", "lead", "principal", "head"]


def seniority(title: str = "title") -> pl.Expr:
    """The seniority level of a title by SENIORITY_RULES, as a polars expression."""
    expr = pl.lit("unspecified")
    for level, words in reversed(SENIORITY_RULES):
        expr = pl.when(pl.col(title).str.contains(rf"(?i)\b(?:{words})\b")).then(pl.lit(level)).otherwise(expr)
    return expr.alias("seniority")


def summary(df: pl.DataFrame, by: str | list[str], value: str) -> pl.DataFrame:
    """n, mean, median, quartiles of `value` per group (nulls excluded), largest groups first."""
    return (
        df.filter(pl.col(value).is_not_null())
        .group_by(by)
        .agg(
            pl.len().alias("n"),
            pl.col(value).mean().alias("mean"),
            pl.col(value).median().alias("median"),
            pl.col(value).quantile(0.25, "linear").alias("p25"),
            pl.col(value).quantile(0.75, "linear").alias("p75"),
        )
        .sort("n", descending=True)
    )


def show(df: pl.DataFrame, n: int = 20, title: str | None = None) -> None:
    """Displays at most `n` rows, saying how many there are."""
    from IPython.display import display

    if title:
        print(title)
    if df.height == 0:
        print("(no rows)")
        return
    with pl.Config(tbl_rows=n, tbl_cols=20, tbl_width_chars=160, fmt_str_lengths=60, float_precision=3,
                   tbl_hide_dataframe_shape=True):
        display(df.head(n))
    if df.height > n:
        print(f"(first {n} of {df.height} rows)")


def setup_plots() -> None:
    """Static figures: seaborn's theme, a readable size; rendered by matplotlib's Agg renderer."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.figsize": (9, 4.5), "figure.dpi": 90, "axes.titlesize": 12})
