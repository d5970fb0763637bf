"""python -m loadtest [--users 50] [--duration 60] [--database-url URL] [--no-report]

Steps: (re)create a dedicated PostgreSQL database, migrate, collectstatic, create the people
and objects the users act on, start gunicorn (gthread, DEBUG off, the psycopg pool) on
127.0.0.1, run the users for the duration, stop gunicorn, check every acknowledged change in
the database, write docs/loadtest.md. Exit status 1 on any 5xx, transport error or lost update.
"""

import argparse
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse

from loadtest.records import Acks, Stats
from loadtest.report import REPORT, lost_updates, summarise, write_report
from loadtest.world import (
    HOST,
    ROOT,
    VAR,
    Plan,
    configure,
    create_world,
    free_port,
    make_server,
    recreate_database,
)


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the users ------------------------------------------------------------------------------
# They live here with the Client they make: tests/ops/scaleout.py replaces `Client` in this
# module to spread the same users over two web servers.


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
# The builder's agenda-level forms carry the meeting's version; an item's edit form its own.
AGENDA_VERSION_RE = re.compile(r'name="version" value="(\d+)" class="agenda-version"')


def item_version_re(item: int) -> re.Pattern:
    return re.compile(
        rf'id="item-{item}" class="agenda-item editing".*?name="version" value="(\d+)"', re.S
    )


def page_state(
    client: Client, kind: str, path: str, version_re: re.Pattern = VERSION_RE
) -> int | None:
    status, _, body = client.request(kind, "GET", path)
    text = body.decode(errors="replace")
    if match := TOKEN_RE.search(text):
        client.csrf = match.group(1)
    match = version_re.search(text)
    return int(match.group(1)) if status == 200 and match else None


def convener(port, me, plan: Plan, stats, acks: Acks, stop: threading.Event, rng):
    client = Client(port, stats, me["session"])
    n = 0
    renames = 0
    while not stop.is_set():
        rename = rng.random() < 0.4
        meeting = me["item_meeting"] if rename else rng.choice(plan.meetings)
        if rename:
            version = page_state(
                client,
                "convener: open agenda builder",
                f"/meetings/{meeting}/edit/?edit={me['item']}",
                item_version_re(me["item"]),
            )
        else:
            version = page_state(
                client,
                "convener: open agenda builder",
                f"/meetings/{meeting}/edit/",
                AGENDA_VERSION_RE,
            )
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
