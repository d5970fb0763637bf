"""Where one request's time goes: `python -m bench.profile /roadmap/ [--user developer]`.

Runs the request in-process under the benchmark's production settings against the benchmark
database (run `make bench` once first), N times after a warm-up, and prints the cProfile
functions by cumulative time plus the SQL with timings.

`--post 'version={version}&direction=up' --post 'version={version}&direction=down'` profiles
a POST instead, as the builder benchmarks send it (bench/builder.py): the bodies are sent in
turn, `{version}` filled from the previous answer's X-Meeting-Version (the meeting's version,
so optimistic concurrency never answers 409). Items the bench adds are deleted afterwards.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from urllib.parse import parse_qsl


def main(argv: list[str] | None = None) -> int:
    from bench.common import DEFAULT_DATABASE_URL, HOST
    from bench.server import configure_environment

    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("--user", default="", help="a bench account: convener, developer")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument(
        "--post", action="append", default=[], help="a form body; several are sent in turn"
    )
    parser.add_argument("--version", default="", help="the first {version} of --post")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="a pstats key: tottime, calls")
    parser.add_argument("--only", action="append", help="list only functions matching this")
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
    bodies = [dict(parse_qsl(body, keep_blank_values=True)) for body in args.post]
    sent = 0
    version = args.version

    def send():
        nonlocal sent, version
        if not bodies:
            return client.get(args.path, headers=headers)
        body = {k: v.replace("{version}", version) for k, v in bodies[sent % len(bodies)].items()}
        sent += 1
        answer = client.post(args.path, body, headers=headers)
        version = answer.headers.get("X-Meeting-Version", version)
        return answer

    response = send()
    print(f"{args.path}: {response.status_code}, {len(response.content):,} bytes")
    with CaptureQueriesContext(connection) as captured:
        send()
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:160]}")
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        send()
    per = (time.perf_counter() - started) / args.n * 1000
    per_cpu = (time.process_time() - cpu) / args.n * 1000
    # CPU time is this process's own work (Django, templates, the driver of the test client);
    # the rest is waiting, mostly for PostgreSQL, and grows when the machine is busy.
    print(f"{per:.2f} ms per request in-process, {per_cpu:.2f} ms of it CPU in Python")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.n):
        send()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(args.sort).print_stats(*(args.only or []), args.top)
    if bodies:
        from bench.builder import _cleanup

        _cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
