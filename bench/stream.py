"""Measures `joblake stream` against a Kafka-protocol broker: messages/s into bronze, and the
latency from publish to queryable in silver at a sustained rate (docs/streaming.md).

    python bench/stream.py --joblake target/release/joblake --broker 127.0.0.1:9092 \
        --rate 300 --seconds 180

It generates a sample (`joblake gen`) to take realistic envelopes from, publishes them to a
fresh topic at --rate messages/s for --seconds (each with `fetched_at` = its publish time and a
unique source id), while `joblake stream` consumes them into a scratch lake. Then
it publishes --backlog more at once and times one
`stream --once` over them (the consumer's top speed). A message is queryable when the refresh
of the cycle that committed its batch has ended: latency = that refresh step's end - publish
time, from silver.posting_records, the commit markers and meta.run_steps; the consumer's peak
memory is its VmHWM. Needs kafka-python (`pip install kafka-python`).
"""

import argparse
import csv
import glob
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone


def envelopes(joblake, work, count):
    """Envelopes of a generated sample, as bronze holds them."""
    lake = os.path.join(work, "sample")
    subprocess.run([joblake, "--lake", lake, "gen", "--postings", str(count), "-q"], check=True)
    out = []
    for path in sorted(glob.glob(os.path.join(lake, "bronze", "*", "*", "*.ndjson.gz"))):
        with gzip.open(path, "rt") as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def producer(broker):
    from kafka import KafkaProducer

    # One record per request: tansu 0.6 mishandles multi-record batches (docs/streaming.md).
    return KafkaProducer(bootstrap_servers=broker, linger_ms=0, batch_size=1, acks=1)


def publish(prod, topic, sample, start, n, rate):
    """Publishes n envelopes at `rate` per second (0: as fast as possible); returns the count."""
    began = time.monotonic()
    for i in range(n):
        if rate:
            due = began + i / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        env = dict(sample[(start + i) % len(sample)])
        env["source_id"] = f"{env['source_id']}~{start + i}"
        env["fetched_at"] = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        prod.send(topic, key=f"{env['source']}:{env['source_id']}".encode(),
                  value=json.dumps(env, separators=(",", ":")).encode()).get(timeout=30)
    return n


def sql(joblake, lake, query):
    out = subprocess.run([joblake, "--lake", lake, "sql", "--format", "csv", "-c", query],
                         check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--joblake", required=True)
    ap.add_argument("--broker", default="127.0.0.1:9092")
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--backlog", type=int, default=50000)
    ap.add_argument("--refresh-every", default="10s")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="joblake-stream-bench.")
    sample = envelopes(args.joblake, work, 20000)
    topic = f"bench-{int(time.time())}"
    lake = os.path.join(work, "lake")
    config = os.path.join(work, "joblake.toml")
    with open(config, "w") as f:
        f.write(f'[stream]\nurl = "kafka://{args.broker}/{topic}"\nmetrics_addr = ""\n'
                f'refresh_every = "{args.refresh_every}"\n')
    env = dict(os.environ, JOBLAKE_CONFIG=config)
    from kafka.admin import KafkaAdminClient, NewTopic

    KafkaAdminClient(bootstrap_servers=args.broker).create_topics([NewTopic(topic, 3, 1)])
    prod = producer(args.broker)
    consumer = subprocess.Popen([args.joblake, "--lake", lake, "stream", "-q"], env=env)
    sent = publish(prod, topic, sample, 0, int(args.rate * args.seconds), args.rate)
    # Let the last cycle end, then stop the consumer (SIGTERM: it commits and exits).
    deadline = time.time() + 300
    while time.time() < deadline:
        time.sleep(2)
        rows = sql(args.joblake, lake, "SELECT count(*) AS n FROM silver.posting_records") \
            if os.path.isdir(os.path.join(lake, "silver")) else [{"n": "0"}]
        if int(rows[0]["n"]) >= sent:
            break
    # Its peak resident memory so far (VmHWM), read before it stops.
    with open(f"/proc/{consumer.pid}/status") as status:
        peak_mb = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
    consumer.terminate()
    consumer.wait()

    refresh_end = {}
    for r in sql(args.joblake, lake, "SELECT run_id, ended_at FROM meta.run_steps "
                                     "WHERE job = 'stream' AND step = 'refresh' AND status = 'succeeded'"):
        refresh_end[r["run_id"]] = ts(r["ended_at"])
    runs = sql(args.joblake, lake, "SELECT run_id, started_at, ended_at FROM meta.runs WHERE job = 'stream'")
    runs = sorted((ts(r["started_at"]), ts(r["ended_at"]), r["run_id"]) for r in runs)
    committed = {}
    for path in glob.glob(os.path.join(lake, "_meta", "stream", topic, "*", "*.json")):
        m = json.load(open(path))
        for f in m["files"]:
            committed[f] = ts(m["committed_at"])
    latencies = []
    for r in sql(args.joblake, lake, "SELECT bronze_file, fetched_at FROM silver.posting_records"):
        at = committed.get(r["bronze_file"])
        run = next((rid for s, e, rid in runs if s <= at <= e), None) if at else None
        if run in refresh_end:
            latencies.append((refresh_end[run] - ts(r["fetched_at"])).total_seconds())
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    sustained = {"rate": args.rate, "seconds": args.seconds, "messages": sent,
                 "queryable": len(latencies), "latency_p50_s": q(0.5), "latency_p95_s": q(0.95),
                 "latency_max_s": latencies[-1], "consumer_peak_mb": round(peak_mb)}
    print(json.dumps({"sustained": sustained}), file=sys.stderr)

    # Top speed: a backlog consumed in one cycle.
    publish(prod, topic, sample, sent, args.backlog, 0)
    once = subprocess.run(["/usr/bin/time", "-f", "%M", args.joblake, "--lake", lake, "stream",
                           "--once", "--json"], env=env, capture_output=True, text=True, check=True)
    steps = sql(args.joblake, lake, "SELECT run_id, step, wall_seconds, rows_in, detail FROM meta.run_steps "
                                    "WHERE run_id = (SELECT max(run_id) FROM meta.runs WHERE job = 'stream')")
    stream_step = next(s for s in steps if s["step"] == "stream")
    detail = json.loads(stream_step["detail"])
    print(json.dumps({
        "sustained": sustained,
        "backlog": {"messages": int(stream_step["rows_in"]), "stream_step_s": float(stream_step["wall_seconds"]),
                    "messages_per_second": round(detail["messages_per_second"]),
                    "bytes_per_second": round(detail["bytes_per_second"]),
                    "peak_mb": round(int(once.stderr.strip().split()[-1]) / 1024),
                    "refresh_s": next(float(s["wall_seconds"]) for s in steps if s["step"] == "refresh")},
    }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
