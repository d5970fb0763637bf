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
import dataclasses
import datetime
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from bench.driver import Driver, Request, Scenario, run_once

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/adcmeet_bench"
HOST = "127.0.0.1"
# Generated data is laid out around the day it was made (upcoming meetings, the current
# roadmap); after this long it is made again.
REGENERATE_AFTER_DAYS = 28
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


# --- targets -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    """From the issue: p50 and p99 at one connection; throughput as a share of the bare view."""

    p50_ms: float | None = 25.0
    p99_ms: float | None = 100.0
    ratio: float | None = 0.25

    def describe(self) -> str:
        if self.p50_ms is None:
            return "ceiling"
        return f"p50≤{self.p50_ms:g} p99≤{self.p99_ms:g} ≥{self.ratio:.0%}"


PAGE = Target()
AGENDA = Target(ratio=0.40)
FEED = Target(ratio=0.40)
FEED_304 = Target(ratio=0.70)
CEILING = Target(None, None, None)


@dataclasses.dataclass
class Endpoint:
    key: str
    label: str
    path: str
    target: Target
    method: str = "GET"
    user: str | None = None  # a bench account's role: "convener", "developer"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    # POST fields, one dict per request of the cycle; "{name}" is filled from a variant.
    form: list[dict[str, str]] | None = None
    expect: tuple[int, ...] = (200,)
    captures: tuple[tuple[str, bytes], ...] = ()
    # Fresh substitutions, one dict per connection (each edits its own meeting): the current
    # versions are read from the database just before each run.
    variants: Callable[[], list[dict[str, str]]] | None = None
    max_requests: int | None = None
    cleanup: Callable[[], None] | None = None
    # Runs just before measuring (e.g. fetch the validator a 304 needs, as it is now).
    prepare: Callable[["Endpoint"], None] | None = None
    note: str = ""
    skip: str = ""


# --- environment, database, data -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def configure_environment(args: argparse.Namespace, port: int) -> None:
    """The production configuration, shared by this process and gunicorn."""
    site = f"http://{HOST}:{port}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
            "DEBUG": "false",
            "ADCMEET_TESTING": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": args.database_url,
            "DATABASE_POOL": "true",
            "ADCMEET_URLCONF": "bench.urls",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SITE_URL": site,
            "CSRF_TRUSTED_ORIGINS": site,
            "SITE_PRIVATE": "false",
            "ADCMEET_VAR_DIR": str(ROOT / "var" / "bench"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("EMAIL_HOST", None)
    os.environ.pop("OIDC_RP_CLIENT_ID", None)


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        log(f"creating database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare_data(args: argparse.Namespace) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from adcmeet.meetings.loaddata import MARKER_PREFIX, marker_name
    from adcmeet.meetings.models import Heartbeat

    log("migrate, collectstatic")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    wanted = marker_name(args.seed, args.scale)
    marker = Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).first()
    fresh = (
        marker is not None
        and marker.name == wanted
        and timezone.now() - marker.beat_at < datetime.timedelta(days=REGENERATE_AFTER_DAYS)
    )
    started = time.monotonic()
    if fresh:
        log(f"data already generated ({wanted}, {marker.beat_at:%Y-%m-%d})")
    else:
        log(f"generating data ({wanted})")
        call_command(
            "generate_load_data",
            seed=args.seed,
            scale=args.scale,
            flush=marker is not None,
            verbosity=1,
        )
    call_command("clearsessions", verbosity=0)
    marker = Heartbeat.objects.get(name=wanted)
    return {
        "marker": wanted,
        "generated_at": marker.beat_at.isoformat(),
        "generated_now": not fresh,
        "seconds": round(time.monotonic() - started, 1),
    }


# --- the server ----------------------------------------------------------------------------


class Server:
    """gunicorn with gthread workers, as production runs it; also used by loadtest/."""

    def __init__(
        self,
        port: int,
        *,
        workers: int,
        threads: int,
        log_path: Path = ROOT / "var" / "bench" / "gunicorn.log",
        ready_path: str = "/bench/bare/",
    ) -> None:
        self.port, self.workers, self.threads = port, workers, threads
        self.log_path = log_path
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "adcmeet.wsgi:application",
            f"--bind={HOST}:{self.port}",
            "--worker-class=gthread",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--keep-alive=30",
            "--timeout=60",
            "--log-level=warning",
            "--error-logfile=-",
        ]

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        output = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, stdout=output, stderr=output)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
            try:
                status, _, _ = run_once(HOST, self.port, Request(self.ready_path))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- sessions --------------------------------------------------------------------------------


def parse_cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    cookies = {}
    for name, value in headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def http_login(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the real login form, as a browser does: returns the cookies."""
    status, headers, body = run_once(HOST, port, Request("/login/"))
    cookies = parse_cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match:
        raise RuntimeError(f"GET /login/ answered {status} without a CSRF token")
    origin = f"http://{HOST}:{port}"
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    status, headers, body = run_once(
        HOST,
        port,
        Request(
            "/login/",
            "POST",
            headers=(
                ("Cookie", cookie_header(cookies)),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", origin),
                ("Referer", f"{origin}/login/"),
            ),
            body=form,
        ),
    )
    cookies.update(parse_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username} failed ({status}): {body[:300]!r}")
    return cookies


# --- endpoints --------------------------------------------------------------------------------


def discover_endpoints(port: int) -> tuple[list[Endpoint], dict]:
    """The endpoints of the issue, with ids from the generated data."""
    from adcmeet.accounts.models import User
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.models import Meeting
    from bench import builder
    from deliverables.models import Deliverable, Project

    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .order_by("start")
        .first()
    )
    developer = User.objects.get(username="bench-developer")
    project = Project.objects.get(slug="panda")
    facts = {
        "meeting_id": meeting.pk,
        "meeting_items": meeting.items.live().count(),
        "developer_deliverables": Deliverable.objects.live().owned_by(developer).count(),
        "filter": {"project": project.slug, "status": "in_progress"},
    }
    feed = f"/calendar/{SERIES_SLUG}.ics"
    from django.contrib.staticfiles.storage import staticfiles_storage

    css = staticfiles_storage.url("css/app.css")
    status, headers, body = run_once(HOST, port, Request(css, headers=(("Accept-Encoding", "br"),)))
    facts["static"] = {
        "path": css,
        "status": status,
        "cache_control": dict(headers).get("cache-control", ""),
        "content_encoding": dict(headers).get("content-encoding", ""),
        "bytes": len(body),
    }
    endpoints = [
        Endpoint("bare", "bare Django view (ceiling)", "/bench/bare/", CEILING),
        Endpoint(
            "static",
            "static app.css (WhiteNoise, br)",
            css,
            CEILING,
            headers={"Accept-Encoding": "br"},
        ),
        Endpoint("home", "home page", "/", PAGE),
        Endpoint(
            "agenda",
            f"agenda page ({facts['meeting_items']} items)",
            f"/meetings/{meeting.pk}/",
            AGENDA,
        ),
        *builder.endpoints(port),
        Endpoint("roadmap", "roadmap", "/roadmap/", PAGE),
        Endpoint(
            "roadmap_filtered",
            "roadmap filtered",
            f"/roadmap/?project={project.slug}&status=in_progress",
            PAGE,
        ),
        Endpoint(
            "mine",
            f"my deliverables ({facts['developer_deliverables']})",
            "/deliverables/mine/",
            PAGE,
            user="developer",
        ),
        Endpoint("taskforces", "task forces", "/taskforces/", PAGE),
        Endpoint("feed", "meeting feed (full)", feed, FEED),
        Endpoint("feed_304", "meeting feed (304)", feed, FEED_304, expect=(304,)),
        Endpoint(
            "personal_feed", "personal feed", f"/calendar/me/{developer.calendar_token}.ics", FEED
        ),
    ]

    def current_etag(endpoint: Endpoint) -> None:
        # The validator the full feed answers with now (builder runs change meetings).
        status, headers, _ = run_once(HOST, port, Request(feed))
        etag = dict(headers).get("etag")
        if status != 200:
            endpoint.skip = f"the feed answered {status}"
        elif not etag:
            endpoint.skip = "the feed sends no ETag"
        else:
            endpoint.headers["If-None-Match"] = etag

    next(e for e in endpoints if e.key == "feed_304").prepare = current_etag
    # Writes last, so the read-only pages see the data exactly as generated.
    endpoints.sort(key=lambda e: e.method != "GET")
    return endpoints, facts


def scenarios_for(endpoint: Endpoint, sessions: dict[str, dict[str, str]]) -> list[Scenario]:
    headers = dict(endpoint.headers)
    if endpoint.user:
        cookies = sessions[endpoint.user]
        headers["Cookie"] = cookie_header(cookies)
        if endpoint.method != "GET":
            headers["X-CSRFToken"] = cookies.get("csrftoken", "")
            headers["Origin"] = os.environ["SITE_URL"]
    bodies = [b""]
    if endpoint.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # "{name}" placeholders stay literal (the driver fills them); the rest is quoted.
        bodies = [
            "&".join(
                f"{urllib.parse.quote_plus(k)}="
                + (v if v.startswith("{") else urllib.parse.quote_plus(v))
                for k, v in form.items()
            ).encode()
            for form in endpoint.form
        ]
    requests = tuple(
        Request(
            endpoint.path,
            endpoint.method,
            headers=tuple(headers.items()),
            body=body,
            expect=endpoint.expect,
        )
        for body in bodies
    )
    variants = endpoint.variants() if endpoint.variants else [{}]
    if not variants:
        raise RuntimeError(f"{endpoint.key}: nothing to run it on")
    return [
        Scenario(requests, captures=endpoint.captures, initial=tuple(variant.items()))
        for variant in variants
    ]


# --- in-process: SQL per request, EXPLAIN -------------------------------------------------------

_SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def count_queries(endpoint: Endpoint, users: dict) -> dict:
    """One request through Django's test client, in a transaction that is rolled back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    if endpoint.user:
        client.force_login(users[endpoint.user])
    variant = endpoint.variants()[0] if endpoint.variants else {}
    path = endpoint.path.format(**variant) if variant else endpoint.path
    data = {k: v.format(**variant) for k, v in (endpoint.form or [{}])[0].items()}

    def request():
        if endpoint.method == "GET":
            return client.get(path, headers=endpoint.headers)
        return client.post(path, data, headers=endpoint.headers)

    with transaction.atomic():
        request()  # warm: first-use caches (content types, templates) are not per request
        transaction.set_rollback(True)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            response = request()
        transaction.set_rollback(True)
    queries = [q for q in captured.captured_queries if not _SAVEPOINTS.match(q["sql"])]
    body = b"" if getattr(response, "streaming", False) else response.content
    return {
        "queries": len(queries),
        "status": response.status_code,
        "bytes": len(body),
        "captured": queries,
    }


def explain(queries: list[dict], limit: int = 3) -> list[dict]:
    """EXPLAIN ANALYZE of the slowest SELECTs of one request."""
    from django.db import connection

    slowest = sorted(
        (q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")),
        key=lambda q: float(q["time"]),
        reverse=True,
    )[:limit]
    plans = []
    with connection.cursor() as cursor:
        for query in slowest:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(
                {
                    "ms": round(float(query["time"]) * 1000, 2),
                    "sql": query["sql"],
                    "plan": "\n".join(row[0] for row in cursor.fetchall()),
                }
            )
    return plans


# --- measuring ----------------------------------------------------------------------------------


def verdict(row: dict, target: Target) -> tuple[str, list[str]]:
    if target.p50_ms is None:
        return "-", []
    misses = []
    latency, ratio = row["latency"], row.get("ratio")
    if row["errors"]:
        misses.append(f"{row['errors']} errors")
    if latency["p50_ms"] > target.p50_ms:
        misses.append(f"p50 {latency['p50_ms']:.1f} ms > {target.p50_ms:g}")
    if latency["p99_ms"] > target.p99_ms:
        misses.append(f"p99 {latency['p99_ms']:.1f} ms > {target.p99_ms:g}")
    if ratio is not None and ratio < target.ratio:
        misses.append(f"{ratio:.0%} of bare < {target.ratio:.0%}")
    return ("MISS" if misses else "PASS"), misses


def measure(
    endpoint: Endpoint,
    driver: Driver,
    sessions: dict,
    users: dict,
    args: argparse.Namespace,
) -> dict:
    row: dict = {
        "key": endpoint.key,
        "label": endpoint.label,
        "method": endpoint.method,
        "path": endpoint.path,
        "target": dataclasses.asdict(endpoint.target),
        "note": endpoint.note,
    }
    if endpoint.prepare and not endpoint.skip:
        endpoint.prepare(endpoint)
    if endpoint.skip:
        row["skipped"] = endpoint.skip
        log(f"{endpoint.key}: not measured ({endpoint.skip})")
        return row
    try:
        counted = count_queries(endpoint, users)
    except Exception as exc:
        counted = {"queries": None, "status": None, "bytes": None, "captured": []}
        row["query_error"] = f"{type(exc).__name__}: {exc}"
    row["queries"] = counted["queries"]
    if endpoint.cleanup:
        endpoint.cleanup()
    try:
        scenarios = scenarios_for(endpoint, sessions)
    except RuntimeError as exc:
        row["skipped"] = str(exc)
        return row
    probe = driver.run(scenarios[:1], connections=1, seconds=10, max_requests=1)
    if probe.errors:
        row["skipped"] = probe.first_error[:300]
        log(f"{endpoint.key}: not measured ({row['skipped']})")
        if endpoint.cleanup:
            endpoint.cleanup()
        return row
    if args.explain and counted["captured"]:
        row["explain"] = explain(counted["captured"])
    # Warm every worker thread's templates and pool connections before timing.
    driver.run(scenarios, connections=args.connections, seconds=0.5, max_requests=25)
    if endpoint.cleanup:
        endpoint.cleanup()
    scenarios = scenarios_for(endpoint, sessions)
    latency = driver.run(
        scenarios[:1], connections=1, seconds=args.seconds, max_requests=endpoint.max_requests
    )
    if endpoint.cleanup:
        endpoint.cleanup()
    scenarios = scenarios_for(endpoint, sessions)
    throughput = driver.run(
        scenarios,
        connections=args.connections,
        seconds=args.seconds,
        max_requests=endpoint.max_requests,
    )
    if endpoint.cleanup:
        endpoint.cleanup()
    row["bytes"] = latency.response_bytes
    row["latency"] = latency.summary()
    row["throughput"] = throughput.summary()
    row["errors"] = latency.errors + throughput.errors
    row["first_error"] = latency.first_error or throughput.first_error
    log(
        f"{endpoint.key}: {latency.rps:.0f} req/s at 1 conn (p50 {latency.p50:.1f} ms, "
        f"p99 {latency.p99:.1f} ms), {throughput.rps:.0f} req/s at {args.connections}, "
        f"{row['queries']} queries, {row['bytes']} B"
        + (f", {row['errors']} errors: {row['first_error']}" if row["errors"] else "")
    )
    return row


def machine_info() -> dict:
    import django
    import gunicorn
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    cpu = "unknown"
    memory = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gib": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "gunicorn": gunicorn.__version__,
        "psycopg": psycopg.__version__,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }


# --- main -------------------------------------------------------------------------------------


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
    from bench import background, report

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
