#!/usr/bin/env python3
"""Replay servers for measuring `joblake ingest`: one HTTP server per source, on loopback.

Each server answers like the real API, from a recorded response of the corpus
(JOBLAKE_CORPUS) whose posting ids are rewritten per page, so that every page holds new
postings and pagination runs as long as asked. The scraped board serves list pages and
job pages of our own with schema.org JSON-LD.

    python3 bench/replay_sources.py --corpus ../shared/corpus --port 18000 --pages 20

prints the `[sources]` configuration pointing at the servers, then serves until killed.
Standard library only.
"""

import argparse
import copy
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def load(corpus, path):
    with open(os.path.join(corpus, path), encoding="utf-8-sig") as f:
        return json.load(f)


class Source:
    """What one server answers: (status, headers, body) for a path and query."""

    def __init__(self, pages):
        self.pages = pages

    def answer(self, method, path, query, body):
        raise NotImplementedError


class Adzuna(Source):
    def __init__(self, corpus, pages):
        super().__init__(pages)
        self.page = load(corpus, "adzuna/taxlyacademy_gb_search.json")

    def answer(self, method, path, query, body):
        parts = path.strip("/").split("/")  # v1 api jobs gb search N
        n = int(parts[-1]) if parts[-1].isdigit() else 0
        page = copy.deepcopy(self.page)
        page["count"] = self.pages * len(page["results"])
        if n > self.pages:
            page["results"] = []
        for i, job in enumerate(page["results"]):
            job["id"] = f"{job['id']}{n:04d}{i:02d}"
            job["redirect_url"] = f"https://www.adzuna.test/jobs/details/{job['id']}"
        return 200, {}, json.dumps(page).encode()


class FranceTravail(Source):
    def __init__(self, corpus, pages):
        super().__init__(pages)
        self.page = load(corpus, "france_travail/sarahlakh_offres_search_150.json")

    def answer(self, method, path, query, body):
        if path == "/token":
            return 200, {}, b'{"access_token":"bench","token_type":"Bearer","expires_in":1499}'
        start, end = (int(x) for x in query.get("range", ["0-149"])[0].split("-"))
        total = self.pages * 150
        page = copy.deepcopy(self.page)
        for offer in page["resultats"]:
            offer["id"] = f"{offer['id']}-{start}"
        last = end + 1 >= total
        headers = {"Content-Range": f"offres {start}-{end}/{total}"}
        return (200 if last else 206), headers, json.dumps(page, ensure_ascii=False).encode()


class Arbeitnow(Source):
    def __init__(self, corpus, pages):
        super().__init__(pages)
        self.page = load(corpus, "arbeitnow/jobscout_job_board_api_page1.json")

    def answer(self, method, path, query, body):
        n = int(query.get("page", ["1"])[0])
        page = copy.deepcopy(self.page)
        for job in page["data"]:
            job["slug"] = f"{job['slug']}-{n}"
        page["links"]["next"] = None if n >= self.pages else f"page={n + 1}"
        return 200, {}, json.dumps(page, ensure_ascii=False).encode()


class Single(Source):
    """Remotive and RemoteOK: one response with every job."""

    def __init__(self, corpus, path):
        super().__init__(1)
        with open(os.path.join(corpus, path), "rb") as f:
            self.body = f.read()

    def answer(self, method, path, query, body):
        return 200, {}, self.body


class Board(Source):
    """List pages of 20 links; job pages with a schema.org JobPosting of our own."""

    PER_LIST = 20

    def answer(self, method, path, query, body):
        if path == "/robots.txt":
            return 200, {}, b"User-agent: *\nDisallow: /admin/\n"
        if path == "/jobs":
            n = int(query.get("page", ["1"])[0])
            links = "".join(
                f'<li><a class="job" href="/jobs/{(n - 1) * self.PER_LIST + i}">Job</a></li>'
                for i in range(self.PER_LIST)
            )
            nxt = f'<a rel="next" href="/jobs?page={n + 1}">next</a>' if n < self.pages else ""
            return 200, {}, f"<html><body><ul>{links}</ul>{nxt}</body></html>".encode()
        k = path.rsplit("/", 1)[-1]
        posting = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "identifier": {"@type": "PropertyValue", "name": "bench", "value": f"B-{k}"},
            "title": f"Data Engineer {k}",
            "hiringOrganization": {"@type": "Organization", "name": f"Company {int(k) % 97}"},
            "datePosted": "2026-11-20",
            "jobLocation": {"@type": "Place", "address": {"addressLocality": "Lyon", "addressCountry": "FR"}},
            "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR",
                           "value": {"@type": "QuantitativeValue", "minValue": 45000, "maxValue": 60000, "unitText": "YEAR"}},
            "description": "<p>" + "Python, SQL, Spark, Airflow and dbt. " * 40 + "</p>",
        }
        page = (
            "<html><head><title>Job</title><script type=\"application/ld+json\">"
            + json.dumps(posting)
            + "</script></head><body><h1>Job</h1>" + "<p>filler</p>" * 200 + "</body></html>"
        )
        return 200, {}, page.encode()


def serve(source, port):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one(self, method):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = source.answer(method, url.path, parse_qs(url.query), body)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json" if payload[:1] in b"[{" else "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self.handle_one("GET")

        def do_POST(self):
            self.handle_one("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=os.environ.get("JOBLAKE_CORPUS"))
    p.add_argument("--port", type=int, default=18000)
    p.add_argument("--pages", type=int, default=20, help="pages per paginated source")
    args = p.parse_args()
    if not args.corpus or not os.path.isdir(args.corpus):
        sys.exit("set JOBLAKE_CORPUS or --corpus to the corpus directory")
    c = args.corpus
    sources = {
        "adzuna": (Adzuna(c, args.pages), 'countries = ["gb"]\nresults_per_page = 10\n'),
        "france_travail": (FranceTravail(c, args.pages), None),
        "arbeitnow": (Arbeitnow(c, args.pages), None),
        "remotive": (Single(c, "remotive/workverse_remote_jobs.json"), None),
        "remoteok": (Single(c, "remoteok/resume_helper_remoteok_api.json"), None),
        "board": (Board(args.pages), None),
    }
    lines = []
    for i, (name, (source, extra)) in enumerate(sources.items()):
        port = args.port + i
        serve(source, port)
        base = f"http://127.0.0.1:{port}"
        lines.append(f"[sources.{name}]")
        if name == "board":
            lines += ['kind = "scrape"', f'start_urls = ["{base}/jobs"]',
                      'link_selector = "a.job"', 'next_selector = "a[rel=next]"',
                      f"max_pages = {args.pages}", "max_details = 100000"]
        else:
            lines.append(f'base_url = "{base}"')
        if name == "france_travail":
            lines.append(f'token_url = "{base}/token"')
        lines.append(f"max_pages = {args.pages}" if name in ("adzuna", "france_travail", "arbeitnow") else "")
        if extra:
            lines.append(extra.strip())
        lines.append("")
    print("\n".join(l for l in lines if l is not None), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
