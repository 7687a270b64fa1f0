"""DuckDB's plain read of bronze: the floor a refresh is measured against, not a peer.

    python bench/peers/duckdb_read_pipeline.py --bronze <lake>/bronze --out <dir>

What every refresh must do at least, done by DuckDB: gunzip and parse every bronze line (the
envelope and its payload, DuckDB's JSON reader streaming each source's files), pull the fields
each source's staging query reads (the JSON paths of duckdb_pipeline.STAGING, each payload
parsed once), strip the tags of the description, and write it all to Parquet, one file per
source. No normalisation, no
enrichment, no matching, no gold: `joblake bench` prints joblake's full refresh as a multiple
of this time (docs/performance.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import duckdb_pipeline  # noqa: E402

TOOL = "duckdb_read"


def source_query(bronze: Path, source: str, columns: str) -> str:
    """One source's bronze files, streamed: the envelope, and every JSON path its staging query
    reads, as text (one json_extract per payload)."""
    paths = list(dict.fromkeys(re.findall(r"\{(\$[^}]*)\}", columns)))
    m = re.search(r"\{(\$[^}]*)\}\)\s+AS description\b", columns)
    description = paths.index(m.group(1)) + 1 if m else None
    fields = []
    for i, path in enumerate(paths, start=1):
        value = f"json_extract_string(j[{i}], '$')"
        if i == description:
            value = f"regexp_replace({value}, '<[^>]*>', ' ', 'g')"
        fields.append(f"{value} AS {duckdb_pipeline.lit(path)}")
    glob = str(bronze.resolve() / source / "ingest_date=*" / "*.ndjson.gz")
    listed = ", ".join(duckdb_pipeline.lit(p) for p in paths)
    return f"""
        SELECT filename, source_id, TRY_CAST(fetched_at AS TIMESTAMPTZ) AS fetched_at, url,
               {", ".join(fields)}
        FROM (SELECT *, json_extract(payload, [{listed}]) AS j
              FROM read_json({duckdb_pipeline.lit(glob)},
                  format = 'newline_delimited',
                  columns = {{source_id: 'VARCHAR', fetched_at: 'VARCHAR', url: 'VARCHAR',
                              payload: 'JSON'}},
                  filename = true, ignore_errors = true))"""


def main() -> None:
    args = common.parse_args(TOOL)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    clock = common.Stopwatch()
    rows = 0
    for source, columns in duckdb_pipeline.STAGING.items():
        if not (args.bronze / source).is_dir():
            continue
        out = args.out / "silver" / f"{source}.parquet"
        query = source_query(args.bronze, source, columns)
        rows += con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)").fetchone()[0]
    seconds = clock.seconds()
    common.emit_result(TOOL, seconds, 0.0, rows, rows, 0, {}, args.out)


if __name__ == "__main__":
    main()
