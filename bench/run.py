"""`make bench`: serve adcmeet the production way and measure every page against a bare view.

Steps: create the dedicated PostgreSQL database (adcmeet_bench), migrate, collectstatic,
generate_load_data (skipped when a marker row says the same seed and scale are there and
fresh), start gunicorn (gthread) on 127.0.0.1, log in over HTTP as the well-known bench
accounts, count each endpoint's SQL queries in-process (Django test client inside a rolled-back
transaction), then drive each endpoint from spawned processes: once at one connection (latency)
and once at several (throughput). The bare view is measured first and last; ratios are against
their mean. Results go to bench/results/latest.json and docs/benchmarks.md (between markers, so
the hand-written analysis around the table survives reruns) and to stdout.
"""

import argparse
import datetime
import json
import os
import sys
import time
import urllib.parse

from bench.common import DEFAULT_DATABASE_URL, HOST, ROOT, log
from bench.data import ensure_database, prepare_data
from bench.driver import Driver
from bench.endpoints import Target, discover_endpoints
from bench.measure import machine_info, measure, verdict
from bench.server import Server, configure_environment, free_port
from bench.sessions import http_login

RESULTS_DIR = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--connections", type=int, default=4, help="for the throughput run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    parser.add_argument(
        "--no-write", dest="write", action="store_false", help="print only; no docs/results"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    port = args.port or free_port()
    configure_environment(args, port)
    ensure_database(args.database_url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from adcmeet.accounts.models import User
    from adcmeet.meetings.loaddata import BENCH_PASSWORD
    from bench import background, live, report

    data = prepare_data(args)
    server = Server(port, workers=args.workers, threads=args.threads)
    log(f"starting gunicorn: {args.workers} workers x {args.threads} threads on {HOST}:{port}")
    server.start()
    rows: list[dict] = []
    try:
        sessions = {
            role: http_login(port, f"bench-{role}", BENCH_PASSWORD)
            for role in ("convener", "developer")
        }
        users = {
            role: User.objects.get(username=f"bench-{role}") for role in ("convener", "developer")
        }
        endpoints, facts = discover_endpoints(port)
        only = {key for key in args.only.split(",") if key}
        if only:
            endpoints = [e for e in endpoints if e.key in only or e.key == "bare"]
        machine = machine_info()
        with Driver(HOST, port, max_connections=args.connections) as driver:
            bare = endpoints[0]
            first_bare = measure(bare, driver, sessions, users, args)
            for endpoint in endpoints[1:]:
                rows.append(measure(endpoint, driver, sessions, users, args))
            last_bare = measure(bare, driver, sessions, users, args)
        rows += live.measure_watchers(port, sessions, users, args, only)
        machine["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        gunicorn_errors = server.log_tail()
    finally:
        server.stop()
    bare_rps = (first_bare["throughput"]["rps"] + last_bare["throughput"]["rps"]) / 2
    bare_row = dict(first_bare)
    bare_row["bare_runs"] = [first_bare, last_bare]
    bare_row["ratio"] = 1.0
    for row in rows:
        if "throughput" in row and bare_rps:
            row["ratio"] = round(row["throughput"]["rps"] / bare_rps, 3)
    for row in [bare_row, *rows]:
        if "latency" in row:
            row["verdict"], row["misses"] = verdict(row, Target(**row["target"]))
    log("background work")
    jobs = background.measure_all()
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "config": {
            "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
            "connections": args.connections,
            "seconds_per_run": args.seconds,
            "seed": args.seed,
            "scale": args.scale,
            "database": urllib.parse.urlsplit(args.database_url).path.lstrip("/"),
            "data": data,
            "facts": facts,
        },
        "bare_rps": round(bare_rps, 1),
        "endpoints": [bare_row, *rows],
        "background": jobs,
        "gunicorn_log": gunicorn_errors[-2000:],
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    table = report.text_table(results)
    print(table)
    if args.write:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
        report.write_markdown(results, DOC)
        report.write_explain(results, RESULTS_DIR / "explain.md")
        log(f"wrote {DOC.relative_to(ROOT)} and bench/results/latest.json")
    log(f"done in {results['elapsed_seconds']:.0f} s")
    return 0
