"""Where one request's time goes: `python -m bench.profile /roadmap/ [--user developer]`.

Runs the request in-process under the benchmark's production settings against the benchmark
database (run `make bench` once first), N times after a warm-up, and prints the cProfile
functions by cumulative time plus the SQL with timings.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> int:
    from bench.common import DEFAULT_DATABASE_URL, HOST
    from bench.server import configure_environment

    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("--user", default="", help="a bench account: convener, developer")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    args = parser.parse_args(argv)
    configure_environment(argparse.Namespace(database_url=args.database_url), port=8000)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from adcmeet.accounts.models import User

    client = Client(HTTP_HOST=HOST)
    if args.user:
        client.force_login(User.objects.get(username=f"bench-{args.user}"))
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    response = client.get(args.path, headers=headers)
    print(f"{args.path}: {response.status_code}, {len(response.content):,} bytes")
    with CaptureQueriesContext(connection) as captured:
        client.get(args.path, headers=headers)
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:160]}")
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        client.get(args.path, headers=headers)
    per = (time.perf_counter() - started) / args.n * 1000
    per_cpu = (time.process_time() - cpu) / args.n * 1000
    # CPU time is this process's own work (Django, templates, the driver of the test client);
    # the rest is waiting, mostly for PostgreSQL, and grows when the machine is busy.
    print(f"{per:.2f} ms per request in-process, {per_cpu:.2f} ms of it CPU in Python")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.n):
        client.get(args.path, headers=headers)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
