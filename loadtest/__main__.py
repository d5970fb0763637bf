"""python -m loadtest [--users 50] [--duration 60] [--database-url URL] [--no-report]

Steps: (re)create a dedicated PostgreSQL database, migrate, collectstatic, create the people
and objects the users act on, start gunicorn (gthread, DEBUG off, the psycopg pool) on
127.0.0.1, run the users for the duration, stop gunicorn, check every acknowledged change in
the database, write docs/loadtest.md. Exit status 1 on any 5xx, transport error or lost update.
"""

import argparse
import collections
import dataclasses
import datetime
import http.client
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench.server import Server

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REPORT = ROOT / "docs" / "loadtest.md"
VAR = ROOT / "var" / "loadtest"


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- setup ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def configure(database_url: str, port: int) -> None:
    """Production settings, shared by this process (setup, checks) and gunicorn."""
    site = f"http://{HOST}:{port}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
            "DEBUG": "false",
            "ADCMEET_TESTING": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "DATABASE_POOL": "true",
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": site,
            "CSRF_TRUSTED_ORIGINS": site,
            "SITE_PRIVATE": "false",
            "ADCMEET_VAR_DIR": str(VAR),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The broker is not part of this test; a closed port makes enqueueing fail fast and
            # the outbox keep the mail (as in production with Redis down).
            "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
            "LOG_LEVEL": "WARNING",
            # 50 users share one address: throttling counts failed logins only, never these.
            "AXES_FAILURE_LIMIT": "1000",
        }
    )
    for name in ("EMAIL_HOST", "OIDC_RP_CLIENT_ID", "ADCMEET_URLCONF"):
        os.environ.pop(name, None)


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("adcmeet_loadtest"):
        raise SystemExit(f"refusing to recreate {name!r}: the name must start adcmeet_loadtest")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclasses.dataclass
class Plan:
    conveners: list[dict]
    developers: list[dict]
    pollers: list[dict]
    meetings: list[int]
    series_slug: str


def create_world(users: int) -> Plan:
    """People and objects: a fifth conveners, half developers, the rest feed pollers."""
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from adcmeet.accounts.models import CONVENER, DEVELOPER, User
    from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries
    from deliverables.models import Deliverable, Period, Roadmap

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    n_conveners = max(1, users // 5)
    n_developers = max(1, users // 2)
    n_pollers = max(1, users - n_conveners - n_developers)

    def session_for(user) -> str:
        # What logging in leaves behind; logging 50 people in over HTTP would only measure
        # password hashing.
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    series = MeetingSeries.objects.create(
        name="ADC development meeting", slug="adc-dev", limit_minutes=480, target_minutes=60
    )
    today = timezone.localdate()
    meetings = []
    for week in range(1, 6):
        day = today + datetime.timedelta(days=7 * week)
        meetings.append(
            Meeting.objects.create(series=series, start=series.start_on(day), scheduled_for=day)
        )
    roadmap = Roadmap.objects.create(name="Load test", year=today.year)
    period = Period.objects.create(
        roadmap=roadmap, label="Later", order=0, start=datetime.date(today.year, 1, 1)
    )
    convener_group = Group.objects.get(name=CONVENER)
    developer_group = Group.objects.get(name=DEVELOPER)

    conveners = []
    for n in range(n_conveners):
        user = User.objects.create_user(f"convener{n}", name=f"Convener {n}")
        user.groups.add(convener_group)
        meeting = meetings[n % len(meetings)]
        own = AgendaItem.objects.create(
            meeting=meeting, section="hot", title=f"own item of convener {n}", position=n,
            duration_minutes=1,
        )  # fmt: skip
        conveners.append(
            {"name": user.username, "session": session_for(user), "item": own.pk,
             "item_meeting": meeting.pk}
        )  # fmt: skip
    developers = []
    for n in range(n_developers):
        user = User.objects.create_user(f"developer{n}", name=f"Developer {n}")
        user.groups.add(developer_group)
        owned = []
        for k in range(2):
            d = Deliverable.objects.create(roadmap=roadmap, period=period, title=f"D{n}.{k}")
            d.owners.add(user)
            owned.append(d.pk)
        developers.append({"name": user.username, "session": session_for(user), "owned": owned})
    pollers = []
    for n in range(n_pollers):
        user = User.objects.create_user(f"poller{n}", name=f"Poller {n}")
        pollers.append({"name": user.username, "token": user.calendar_token})
    return Plan(conveners, developers, pollers, [m.pk for m in meetings], series.slug)


# --- the server -----------------------------------------------------------------------------


def make_server(port: int, workers: int, threads: int) -> Server:
    """The benchmark's gunicorn (production settings), ready once /healthz answers."""
    return Server(
        port, workers=workers, threads=threads, log_path=VAR / "gunicorn.log", ready_path="/healthz"
    )


# --- the users ------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: list[str] = []

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Acks:
    """What the server said it did; checked against the database afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.added_titles: list[str] = []
        self.renamed: dict[int, str] = {}  # item -> last acknowledged title
        self.status: dict[int, str] = {}  # deliverable -> last acknowledged status

    def add(self, title):
        with self.lock:
            self.added_titles.append(title)


class Client:
    """One person's browser: a keep-alive connection, cookies, the CSRF token."""

    def __init__(self, port: int, stats: Stats, session: str | None = None):
        self.port, self.stats = port, stats
        self.cookies = {"sessionid": session} if session else {}
        self.csrf = ""
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, kind, method, path, *, form=None, headers=None):
        body = urllib.parse.urlencode(form) if form is not None else None
        all_headers = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["X-CSRFToken"] = self.csrf
        started = time.monotonic()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError) as exc:
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt == 1 or body is not None:
                    # A write is never retried blindly: it may have been applied.
                    self.stats.error(f"{method} {path}: {exc.__class__.__name__}: {exc}")
                    self.stats.record(kind, 0, time.monotonic() - started)
                    return 0, {}, b""
        self.stats.record(kind, response.status, time.monotonic() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.status >= 500:
            self.stats.error(f"{method} {path}: {response.status}")
        return response.status, dict(response.getheaders()), data


TOKEN_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')


def page_state(client: Client, kind: str, path: str) -> int | None:
    status, _, body = client.request(kind, "GET", path)
    text = body.decode(errors="replace")
    if match := TOKEN_RE.search(text):
        client.csrf = match.group(1)
    match = VERSION_RE.search(text)
    return int(match.group(1)) if status == 200 and match else None


def convener(port, me, plan: Plan, stats, acks: Acks, stop: threading.Event, rng):
    client = Client(port, stats, me["session"])
    n = 0
    renames = 0
    while not stop.is_set():
        rename = rng.random() < 0.4
        meeting = me["item_meeting"] if rename else rng.choice(plan.meetings)
        version = page_state(client, "convener: open agenda builder", f"/meetings/{meeting}/edit/")
        if version is None:
            time.sleep(0.5)
            continue
        time.sleep(rng.uniform(0.2, 0.8))  # reading, typing
        if rename:
            renames += 1
            title = f"own item of {me['name']} v{renames}"
            item = me["item"]
            status, _, _ = client.request(
                "convener: rename own item",
                "POST",
                f"/meetings/{meeting}/items/{item}/edit/",
                form={"version": version, f"item-{item}-title": title,
                      f"item-{item}-duration_minutes": "1"},
                headers={"HX-Request": "true"},
            )  # fmt: skip
            if 200 <= status < 400:
                with acks.lock:
                    acks.renamed[item] = title
        else:
            n += 1
            title = f"lt {me['name']} #{n}"
            status, _, _ = client.request(
                "convener: add agenda item",
                "POST",
                f"/meetings/{meeting}/items/add/",
                form={"version": version, "section": "hot", "add-hot-title": title,
                      "add-hot-duration_minutes": "1"},
                headers={"HX-Request": "true"},
            )  # fmt: skip
            if 200 <= status < 400:
                acks.add(title)
        time.sleep(rng.uniform(0.3, 1.0))


STATUS_CYCLE = ["in_progress", "at_risk", "planned"]


def developer(port, me, plan, stats, acks: Acks, stop, rng):
    client = Client(port, stats, me["session"])
    versions: dict[int, int] = {}
    current = dict.fromkeys(me["owned"], "planned")
    while not stop.is_set():
        page_state(client, "developer: my deliverables", "/deliverables/mine/")
        deliverable = rng.choice(me["owned"])
        if deliverable not in versions:
            version = page_state(
                client, "developer: open deliverable", f"/deliverables/{deliverable}/"
            )
            if version is None:
                time.sleep(0.5)
                continue
            versions[deliverable] = version
        time.sleep(rng.uniform(0.2, 0.8))
        new = rng.choice([s for s in STATUS_CYCLE if s != current[deliverable]])
        status, _, _ = client.request(
            "developer: tick status",
            "POST",
            f"/deliverables/{deliverable}/status/",
            form={"version": versions[deliverable], "status": new},
            headers={"HX-Request": "true"},
        )
        if 200 <= status < 400:
            versions[deliverable] += 1
            current[deliverable] = new
            with acks.lock:
                acks.status[deliverable] = new
        elif status in (409, 422):
            versions.pop(deliverable)  # refused: read it again
        time.sleep(rng.uniform(0.3, 1.0))


def poller(port, me, plan, stats, acks, stop, rng):
    client = Client(port, stats)
    etags: dict[str, str] = {}
    paths = [f"/calendar/{plan.series_slug}.ics", f"/calendar/me/{me['token']}.ics"]
    while not stop.is_set():
        path = rng.choice(paths)
        headers = {"If-None-Match": etags[path]} if path in etags and rng.random() < 0.7 else {}
        status, response_headers, _ = client.request(
            "poller: calendar feed" + (" (revalidate)" if headers else ""), "GET", path,
            headers=headers,
        )  # fmt: skip
        if status == 200 and "ETag" in response_headers:
            etags[path] = response_headers["ETag"]
        if rng.random() < 0.3:
            client.request(
                "poller: public page", "GET", rng.choice(["/", "/meetings/", "/roadmap/"])
            )
        time.sleep(rng.uniform(0.5, 1.5))


def run_users(port: int, plan: Plan, duration: float, seed: int):
    stats, acks, stop = Stats(), Acks(), threading.Event()
    threads = []
    people = (
        [(convener, p) for p in plan.conveners]
        + [(developer, p) for p in plan.developers]
        + [(poller, p) for p in plan.pollers]
    )
    for n, (behaviour, person) in enumerate(people):
        rng = random.Random(seed * 1000 + n)

        def body(behaviour=behaviour, person=person, rng=rng):
            try:
                behaviour(port, person, plan, stats, acks, stop, rng)
            except Exception as exc:  # a crashed user is a reported failure, not a silent one
                stats.error(f"{person['name']} crashed: {exc!r}")

        threads.append(threading.Thread(target=body, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return stats, acks, time.monotonic() - started


# --- the checks -----------------------------------------------------------------------------


def lost_updates(acks: Acks) -> list[str]:
    from adcmeet.meetings.models import AgendaItem
    from deliverables.models import Deliverable

    lost = []
    live = set(AgendaItem.objects.live().values_list("title", flat=True))
    lost += [f"added item {t!r} is missing" for t in acks.added_titles if t not in live]
    titles = dict(AgendaItem.objects.filter(pk__in=acks.renamed).values_list("pk", "title"))
    for pk, title in acks.renamed.items():
        if titles.get(pk) != title:
            lost.append(f"item {pk}: {titles.get(pk)!r}, acknowledged {title!r}")
    statuses = dict(Deliverable.objects.filter(pk__in=acks.status).values_list("pk", "status"))
    for pk, status in acks.status.items():
        if statuses.get(pk) != status:
            lost.append(f"deliverable {pk}: {statuses.get(pk)!r}, acknowledged {status!r}")
    return lost


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(stats: Stats, acks: Acks, lost: list[str], elapsed: float, args, plan) -> dict:
    rows = []
    for kind in sorted(stats.latency):
        times = stats.latency[kind]
        rows.append(
            {
                "kind": kind,
                "count": len(times),
                "statuses": dict(sorted(stats.status[kind].items())),
                "p50_ms": round(statistics.median(times) * 1000, 1),
                "p95_ms": round(percentile(times, 0.95) * 1000, 1),
                "max_ms": round(max(times) * 1000, 1),
            }
        )
    total = sum(r["count"] for r in rows)
    five_xx = sum(n for r in rows for s, n in r["statuses"].items() if s >= 500)
    return {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": {"conveners": len(plan.conveners), "developers": len(plan.developers),
                  "pollers": len(plan.pollers)},
        "duration_s": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "five_xx": five_xx,
        "transport_errors": sum(r["statuses"].get(0, 0) for r in rows),
        "errors": stats.errors[:20],
        "acknowledged": {"items added": len(acks.added_titles), "items renamed":
                         len(acks.renamed), "statuses set": len(acks.status)},
        "lost": lost,
        "rows": rows,
        "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
                   f"{platform.python_version()}",
    }  # fmt: skip


def write_report(result: dict) -> None:
    ok = not result["five_xx"] and not result["transport_errors"] and not result["lost"]
    lines = [
        "# Load test",
        "",
        "`make loadtest` (`python -m loadtest`): concurrent users on loopback against gunicorn "
        "and PostgreSQL, in production settings (DEBUG off, the psycopg pool, a dedicated "
        "database created for the run). The bar: zero 5xx and zero lost updates — every "
        "change the server acknowledged (2xx/3xx) is in the database afterwards. A refused "
        "change (409 stale version, 422) is not an acknowledgement; the user re-reads and "
        "tries again, as the pages do.",
        "",
        "Who does what:",
        "",
        "- **Conveners** open a meeting's agenda builder and either add a hot-topic item to one "
        "of five shared meetings or rename their own item (htmx requests, with the agenda "
        "version read from the page, so concurrent conveners collide on purpose: 409s).",
        "- **Developers** open their deliverables and set one of their two deliverables' "
        "status (with its version).",
        "- **Feed pollers** fetch the series feed and their personal feed, revalidating with "
        "`If-None-Match` most of the time, and read a public page now and then.",
        "- Think time 0.3 to 1.5 s between steps; sessions are created directly (logging in 50 "
        "people would only measure password hashing); mail goes to the outbox with the broker "
        "unreachable (enqueueing fails fast; the rows wait for the sweep).",
        "",
        f"## Latest run: {result['when']} — {'PASS' if ok else 'FAIL'}",
        "",
        f"- Users: {result['users']['conveners']} conveners, {result['users']['developers']} "
        f"developers, {result['users']['pollers']} feed pollers, for {result['duration_s']} s.",
        f"- Server: {result['server']}; {result['machine']}.",
        f"- Requests: {result['requests']} ({result['rps']} per second).",
        f"- 5xx responses: **{result['five_xx']}**; transport errors: "
        f"**{result['transport_errors']}**.",
        f"- Acknowledged changes: {result['acknowledged']['items added']} agenda items added, "
        f"{result['acknowledged']['items renamed']} items with a last acknowledged rename, "
        f"{result['acknowledged']['statuses set']} deliverables with a last acknowledged status."
        f" Lost: **{len(result['lost'])}**.",
        "",
        "| Request | Count | Statuses | p50 ms | p95 ms | max ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for row in result["rows"]:
        statuses = ", ".join(f"{s}: {n}" for s, n in row["statuses"].items())
        lines.append(
            f"| {row['kind']} | {row['count']} | {statuses} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['max_ms']} |"
        )
    if result["errors"] or result["lost"]:
        lines += ["", "Problems:", ""]
        lines += [f"- {e}" for e in result["errors"] + result["lost"][:20]]
    lines += [
        "",
        "Latencies are on a 2-core machine shared with other work at the time of the run; "
        "read them as a sanity check, not a benchmark (docs/benchmarks.md has those). The "
        "pass/fail bar does not depend on them.",
        "",
    ]
    REPORT.write_text("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/adcmeet_loadtest"
        ),
    )
    parser.add_argument("--no-report", action="store_true", help="do not write docs/loadtest.md")
    args = parser.parse_args(argv)

    port = free_port()
    configure(args.database_url, port)
    log(f"recreating {args.database_url}")
    recreate_database(args.database_url)
    log("migrate, collectstatic, people and objects")
    plan = create_world(args.users)
    server = make_server(port, args.workers, args.threads)
    log(f"gunicorn on {HOST}:{port}: {args.workers} workers x {args.threads} threads")
    server.start()
    try:
        log(f"{args.users} users for {args.duration:.0f} s")
        stats, acks, elapsed = run_users(port, plan, args.duration, args.seed)
    finally:
        server.stop()
    lost = lost_updates(acks)
    result = summarise(stats, acks, lost, elapsed, args, plan)
    (VAR / "result.json").write_text(json.dumps(result, indent=2))
    if not args.no_report:
        write_report(result)
        log(f"wrote {REPORT.relative_to(ROOT)}")
    log(
        f"{result['requests']} requests, {result['five_xx']} 5xx, "
        f"{result['transport_errors']} transport errors, {len(lost)} lost updates"
    )
    gunicorn_errors = server.log_tail().strip()
    if gunicorn_errors:
        log("gunicorn log (tail):\n" + gunicorn_errors[-1500:])
    return 1 if result["five_xx"] or result["transport_errors"] or lost else 0


if __name__ == "__main__":
    sys.exit(main())
