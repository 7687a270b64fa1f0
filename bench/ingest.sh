#!/usr/bin/env bash
# Measures `joblake ingest` against loopback replay servers (bench/replay_sources.py), once
# with the default politeness (1 request/s per host, 4 in flight) and once relaxed
# (1000 requests/s per host, 32 in flight, 16 job pages at once), and prints postings/s.
#
#   JOBLAKE_CORPUS=../shared/corpus bench/ingest.sh            # PAGES=5 by default
#   PAGES=20 JOBLAKE_BIN=target/release/joblake bench/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${JOBLAKE_BIN:-${CARGO_TARGET_DIR:-target}/release/joblake}
CORPUS=${JOBLAKE_CORPUS:?set JOBLAKE_CORPUS to the corpus directory}
PAGES=${PAGES:-5}
PORT=${PORT:-18000}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release, or set JOBLAKE_BIN" >&2; exit 1; }

# The replay servers accept any credentials; these are not secrets.
export ADZUNA_APP_ID=bench ADZUNA_APP_KEY=bench FRANCE_TRAVAIL_CLIENT_ID=bench FRANCE_TRAVAIL_CLIENT_SECRET=bench

work=$(mktemp -d)
python3 bench/replay_sources.py --corpus "$CORPUS" --port "$PORT" --pages "$PAGES" > "$work/sources.toml" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/sources.toml" ] && break; sleep 0.1; done

{ echo "[http]"; echo "max_retries = 1"; cat "$work/sources.toml"; } > "$work/default.toml"
{ echo "[http]"; echo "requests_per_second = 1000.0"; echo "max_concurrency = 32"; echo "max_retries = 1";
  sed 's/^\[sources.board\]$/[sources.board]\nconcurrency = 16/' "$work/sources.toml"; } > "$work/relaxed.toml"

for mode in default relaxed; do
  /usr/bin/time -f "%e %M" -o "$work/$mode.time" \
    "$BIN" --lake "$work/lake-$mode" --config "$work/$mode.toml" ingest --json > "$work/$mode.json"
  python3 - "$mode" "$work/$mode.json" "$work/$mode.time" <<'PY'
import json, sys
mode, report, timing = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read().split()
wall, rss_kb = float(timing[0]), int(timing[1])
print(f"\n{mode} politeness: {wall:.1f} s wall, peak RSS {rss_kb / 1024:.0f} MB")
print(f"{'source':16} {'requests':>8} {'postings':>8} {'new':>7} {'seconds':>8} {'postings/s':>10}")
total = 0
for s in report["sources"]:
    rate = s["new"] / s["seconds"] if s["seconds"] else 0
    total += s["new"]
    print(f"{s['name']:16} {s['requests']:>8} {s['postings']:>8} {s['new']:>7} {s['seconds']:>8.1f} {rate:>10.0f}")
print(f"{'all':16} {'':>8} {'':>8} {total:>7} {wall:>8.1f} {total / wall:>10.0f}")
PY
done
