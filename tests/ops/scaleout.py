"""python -m tests.ops.scaleout [--users 20] [--duration 30] [--workers 2]

No state lives in a web process: the deployment past one machine, on this machine.

Two web servers (the compose/Kubernetes command: gunicorn with deploy/gunicorn.conf.py) on two
ports, two Celery workers and one beat (the compose commands), one PostgreSQL database and one
Redis (broker and fragment cache, under key prefixes of this run), an SMTP server. The load
test's users (loadtest/) run with every request alternating between the two web servers, so a
page read on one is posted to the other. Meanwhile a convener publishes and re-publishes the
agendas, which queues mail that the two workers race to send while beat sweeps the outbox.

Checked afterwards, exit status 1 on any failure:

- no 5xx and no transport error, and both servers served about half the requests;
- no lost update: every change a server acknowledged is in the database (loadtest's check);
- sessions are in the database: logged in through one server, recognised by the other;
- the fragment cache is shared (or at least never stale): a change made through one server is
  on the page the other serves next;
- mail exactly once: every queued mail is sent, and the SMTP server received each one once;
- beat's heartbeat went through a worker; no process logged an ERROR.

Prints one JSON summary line on stdout. Needs PostgreSQL (THROWAWAY_PG, default
postgres://postgres@127.0.0.1:5432) and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15).
"""

import argparse
import collections
import contextlib
import email
import email.policy
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PG_SERVER = os.environ.get("THROWAWAY_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIST = "atlas-adc-dev@example.org"
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[scaleout {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- the SMTP server -------------------------------------------------------------------------


class Mailbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 2.0.0 Message accepted for delivery"


# --- the processes ---------------------------------------------------------------------------


class Processes:
    """The deployment's processes, each logging to its own file; stopped with SIGTERM."""

    def __init__(self, logdir: Path, env: dict[str, str]):
        self.logdir, self.env = logdir, env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], **env: str) -> None:
        out = (self.logdir / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **env}, stdout=out, stderr=out
        )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.tail(name)}")

    def tail(self, name: str) -> str:
        return (self.logdir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def error_lines(self) -> list[str]:
        errors = []
        for name in self.procs:
            for line in (self.logdir / f"{name}.log").read_text(errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("level") in {"ERROR", "CRITICAL"}:
                    errors.append(f"{name}: {line[:300]}")
        return errors


def wait_http(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path, headers={"Host": HOST})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered on {port}{path} within {timeout:.0f} s")


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- the users -------------------------------------------------------------------------------


def spread_client_class(lt):
    """loadtest's Client, every request to the next web server in turn."""

    class SpreadClient(lt.Client):
        served: collections.Counter = collections.Counter()
        served_lock = threading.Lock()

        def __init__(self, ports, stats, session=None):
            self.ports = list(ports)
            self.turn = random.randrange(len(self.ports))
            super().__init__(self.ports[0], stats, session)
            self.conns = {port: http.client.HTTPConnection(HOST, port, timeout=30)
                          for port in self.ports}  # fmt: skip

        def request(self, kind, method, path, **kwargs):
            self.port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            self.conn = self.conns[self.port]
            try:
                return super().request(kind, method, path, **kwargs)
            finally:
                self.conns[self.port] = self.conn
                with self.served_lock:
                    self.served[self.port] += 1

    return SpreadClient


def form_version(page: str, action: str) -> int | None:
    """The version field of the form that posts to `action` (each form carries the version of
    what it changes: the agenda's, or one item's)."""
    match = re.search(
        r'(?:action|hx-post)="' + re.escape(action) + r'".*?name="version" value="(\d+)"',
        page,
        re.S,
    )
    return int(match.group(1)) if match else None


def open_builder(lt, client, kind: str, meeting: int, edit: int | None = None) -> str:
    """The builder page; with `edit`, that item's edit form (and its version) open on it."""
    query = f"?edit={edit}" if edit else ""
    status, _, body = client.request(kind, "GET", f"/meetings/{meeting}/edit/{query}")
    page = body.decode(errors="replace")
    if match := lt.TOKEN_RE.search(page):
        client.csrf = match.group(1)
    return page if status == 200 else ""


def publisher(lt, client, plan, stop: threading.Event, published: collections.Counter):
    """A convener who publishes each agenda, then sends the updates the others' edits make."""
    while not stop.is_set():
        for meeting in plan.meetings:
            if stop.is_set():
                break
            action = f"/meetings/{meeting}/publish/"
            page = open_builder(lt, client, "publisher: open agenda builder", meeting)
            version = form_version(page, action)
            if version is None:
                continue
            status, _, _ = client.request(
                "publisher: publish", "POST", action,
                form={"version": version, "without_focus": "on"}, headers={"HX-Request": "true"},
            )  # fmt: skip
            published[status] += 1
            time.sleep(0.5)


# --- the checks ------------------------------------------------------------------------------

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def cookies_of(response) -> dict[str, str]:
    out = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            out[name.strip()] = rest.split(";", 1)[0]
    return out


def http_get(port: int, path: str, cookies: dict[str, str]) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request("GET", path, headers={"Host": HOST, "Cookie": cookie})
    response = conn.getresponse()
    return response.status, response.read().decode(errors="replace"), cookies_of(response)


def session_is_shared(ports: list[int], username: str, password: str, name: str) -> bool:
    """Log in through the first server; the second knows who we are (/me/ needs a login and
    shows the person's name)."""
    status, page, cookies = http_get(ports[0], "/login/", {})
    token = TOKEN_RE.search(page).group(1)
    conn = http.client.HTTPConnection(HOST, ports[0], timeout=30)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    conn.request("POST", "/login/", body=body, headers={
        "Host": HOST, "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    })  # fmt: skip
    response = conn.getresponse()
    response.read()
    cookies |= cookies_of(response)
    if response.status != 302 or "sessionid" not in cookies:
        return False
    status, page, _ = http_get(ports[1], "/me/", {"sessionid": cookies["sessionid"]})
    return status == 200 and name in page


def change_shows_on_the_other_server(
    lt, client_class, ports, session: str, meeting: int, item: int
) -> bool:
    """Warm both servers' pages, rename an item through one, read it back from the other."""
    cookies = {"sessionid": session}
    for port in ports:
        http_get(port, f"/meetings/{meeting}/edit/", cookies)
        http_get(port, f"/meetings/{meeting}/", cookies)
    stats = lt.Stats()
    client = client_class(ports[0], stats, session)
    action = f"/meetings/{meeting}/items/{item}/edit/"
    page = open_builder(lt, client, "check", meeting, edit=item)
    # An item's edit form carries the item's own version.
    version = form_version(page, action)
    title = f"renamed through {ports[0]} {uuid.uuid4().hex[:6]}"
    status, _, _ = client.request(
        "check", "POST", action,
        form={"version": version, f"item-{item}-title": title,
              f"item-{item}-duration_minutes": "1"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    if not 200 <= status < 400:
        return False
    pages = [http_get(ports[1], path, cookies)[1] for path in
             (f"/meetings/{meeting}/edit/", f"/meetings/{meeting}/")]  # fmt: skip
    return all(title in page for page in pages)


# --- main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ops.scaleout", description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per server")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)

    import logging

    import psycopg
    import redis
    from aiosmtpd.controller import Controller

    run = uuid.uuid4().hex[:8]
    database = f"adcmeet_scaleout_{run}"
    database_url = f"{PG_SERVER}/{database}"
    prefix = f"adcmeet-scaleout-{run}:"
    tmp = Path(tempfile.mkdtemp(prefix="adcmeet-scaleout-"))
    (tmp / "var").mkdir()
    home = tmp / "home-is-a-file"  # an unwritable HOME, as in the image
    home.write_text("")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname=HOST, port=free_port())
    ports = [free_port(), free_port()]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))
    } | {
        "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
        "DEBUG": "false",
        "ADCMEET_TESTING": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "true",
        "DATABASE_POOL_MAX": "4",
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{ports[0]}",
        "ADCMEET_VAR_DIR": str(tmp / "var"),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_KEY_PREFIX": prefix,
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix + "cache",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_TIMEOUT": "10",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "AXES_FAILURE_LIMIT": "1000",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": "4",
        "HOME": str(home),
        "C_FORCE_ROOT": "1",  # CI runs as root; the image does not
    }
    for name in ("OIDC_RP_CLIENT_ID", "ADCMEET_URLCONF", "EMAIL_BACKEND", "EMAIL_HOST_USER"):
        env.pop(name, None)

    admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    admin.execute(f'CREATE DATABASE "{database}"')
    processes = Processes(tmp, env)
    result: dict = {"ports": ports, "logs": str(tmp)}
    failures: list[str] = []
    smtp.start()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    try:
        # This process sets up the world and checks it afterwards, on the same settings.
        os.environ.update(env | {"DATABASE_POOL": "false"})
        log("migrate (the compose migrate command)")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        # As the image build does: production settings serve only collected, hashed files.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        import loadtest.__main__ as lt

        log("people and objects (loadtest's world)")
        plan = lt.create_world(args.users)
        from django.db.models import Q

        from adcmeet.accounts.models import User

        Meeting = next(m for m in _models() if m.__name__ == "Meeting")
        Series = next(m for m in _models() if m.__name__ == "MeetingSeries")
        OutboundMail = next(m for m in _models() if m.__name__ == "OutboundMail")
        Heartbeat = next(m for m in _models() if m.__name__ == "Heartbeat")
        Series.objects.update(mailing_list=LIST)
        for user in User.objects.filter(Q(username__startswith="convener")):
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
        password = secrets.token_urlsafe(16)
        User.objects.create_user("ops-login", password=password, name="Ops Login")

        log(f"two web servers on {ports}, two workers, one beat")
        for n, port in enumerate(ports):
            processes.start(
                f"web{n + 1}",
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                 "adcmeet.wsgi:application"],
                PORT=str(port),
            )  # fmt: skip
        for n in (1, 2):
            processes.start(
                f"worker{n}",
                [str(BIN / "celery"), "-A", "adcmeet", "--quiet", "worker", "--loglevel", "INFO",
                 "--concurrency", "2", "--hostname", f"worker{n}@%h"],
            )  # fmt: skip
        processes.start(
            "beat", [str(BIN / "celery"), "-A", "adcmeet", "--quiet", "beat", "--loglevel", "INFO"]
        )
        for port in ports:
            wait_http(port)
        processes.check_alive()
        wait_for(lambda: Heartbeat.objects.exists(), 60, "beat's heartbeat through a worker")

        log(f"{args.users} users and a publisher for {args.duration:.0f} s, spread over both")
        plain_client = lt.Client
        lt.Client = spread_client_class(lt)
        stats, acks, stop = lt.Stats(), lt.Acks(), threading.Event()
        published: collections.Counter = collections.Counter()
        people = (
            [(lt.convener, p) for p in plan.conveners]
            + [(lt.developer, p) for p in plan.developers]
            + [(lt.poller, p) for p in plan.pollers]
        )
        threads = []
        for n, (behaviour, person) in enumerate(people):
            rng = random.Random(n)

            def body(behaviour=behaviour, person=person, rng=rng):
                try:
                    behaviour(ports, person, plan, stats, acks, stop, rng)
                except Exception as exc:
                    stats.error(f"{person['name']} crashed: {exc!r}")

            threads.append(threading.Thread(target=body, daemon=True))
        publishing = lt.Client(ports, stats, plan.conveners[0]["session"])
        threads.append(
            threading.Thread(
                target=publisher, args=(lt, publishing, plan, stop, published), daemon=True
            )
        )
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        processes.check_alive()

        served = dict(lt.Client.served)
        five_xx = sum(n for s in stats.status.values() for code, n in s.items() if code >= 500)
        transport = sum(s.get(0, 0) for s in stats.status.values())
        result |= {"served": {str(k): v for k, v in served.items()},
                   "requests": sum(served.values()), "five_xx": five_xx,
                   "transport_errors": transport, "errors": stats.errors[:10],
                   "published": {str(k): v for k, v in published.items()}}  # fmt: skip
        if five_xx or transport:
            failures.append(f"{five_xx} 5xx, {transport} transport errors: {stats.errors[:5]}")
        if len(served) != 2 or min(served.values()) < 0.3 * sum(served.values()):
            failures.append(f"the load was not spread over both servers: {served}")

        lost = lt.lost_updates(acks)
        result["acknowledged"] = {
            "items added": len(acks.added_titles),
            "items renamed": len(acks.renamed),
            "statuses set": len(acks.status),
        }
        result["lost"] = lost[:10]
        if lost:
            failures.append(f"{len(lost)} lost updates: {lost[:3]}")
        if not acks.added_titles or not acks.status:
            failures.append("the users acknowledged no changes: the run proves nothing")

        result["session_shared"] = session_is_shared(ports, "ops-login", password, "Ops Login")
        if not result["session_shared"]:
            failures.append("a session made by one server was not recognised by the other")
        first = plan.conveners[0]
        result["cache_consistent"] = change_shows_on_the_other_server(
            lt, plain_client, ports, first["session"], first["item_meeting"], first["item"]
        )
        if not result["cache_consistent"]:
            failures.append("a change made through one server was not on the other's page")

        # Mail: everything queued goes out, each mail once.
        wait_for(
            lambda: not OutboundMail.objects.pending().exists(),
            90,
            "the outbox to drain",
        )  # fmt: skip
        time.sleep(3)  # a wrong second delivery has time to arrive
        rows = OutboundMail.objects.count()
        sent = OutboundMail.objects.filter(sent_at__isnull=False).count()
        with mailbox.lock:
            ids = [m["Message-ID"] for m in mailbox.messages]
        duplicates = [i for i, n in collections.Counter(ids).items() if n > 1]
        result["mail"] = {"queued": rows, "sent": sent, "received": len(ids),
                          "duplicates": len(duplicates),
                          "published meetings": Meeting.objects.filter(
                              state=Meeting.State.PUBLISHED).count()}  # fmt: skip
        if rows == 0:
            failures.append("no mail was queued: the run proves nothing about delivery")
        if sent != rows or len(ids) != rows or duplicates:
            failures.append(f"mail not exactly once: {result['mail']}")

        errors = processes.error_lines()
        result["error_log_lines"] = errors[:10]
        if errors:
            failures.append(f"{len(errors)} ERROR lines in the logs: {errors[:3]}")
    except Exception as exc:
        failures.append(f"{exc.__class__.__name__}: {exc}")
    finally:
        processes.stop()
        smtp.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)
        if not args.keep_logs and not failures:
            shutil.rmtree(tmp, ignore_errors=True)
    result["failures"] = failures
    print(json.dumps(result), flush=True)
    for failure in failures:
        log(f"FAIL: {failure}")
    if failures:
        log(f"logs kept in {tmp}")
    return 1 if failures else 0


def _models():
    from django.apps import apps

    return apps.get_models()


if __name__ == "__main__":
    sys.exit(main())
