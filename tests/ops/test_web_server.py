"""The web service as compose and Kubernetes run it (gunicorn with deploy/gunicorn.conf.py),
on PostgreSQL, with an unwritable HOME: it starts clean, logs one JSON object per line with UTC
times, a request id and the client the trusted proxy saw, and stops within its grace period."""

import datetime
import re

import pytest

from tests.ops.conftest import (
    BIN,
    Process,
    base_env,
    compose,
    compose_command,
    free_port,
    get,
    wait_for,
)

HOST = "adcmeet.example.org"


@pytest.fixture
def web(migrated_database, tmp_path):
    """start(**env) -> (process, port): the compose web command on a free port."""
    started = []

    def start(**extra):
        port = free_port()
        env = base_env(migrated_database, tmp_path, PORT=str(port), WEB_CONCURRENCY="1", **extra)
        process = Process(compose_command("web"), env, tmp_path / f"web-{port}.log")
        started.append(process)
        wait_for(
            lambda: not process.alive() or get(port, "/healthz", {"Host": HOST}) != 0,
            60,
            "gunicorn to answer",
        )
        assert process.alive(), process.text()
        return process, port

    yield start
    for process in started:
        if process.alive():
            process.stop()


def test_it_starts_and_stops_without_an_error_line_when_home_is_not_writable(web):
    process, port = web()

    assert get(port, "/healthz", {"Host": HOST}) == 200
    assert process.stop() == 0

    lines = process.lines()
    assert any("Booting worker" in line for line in lines)
    assert all(line.startswith("{") for line in lines), lines
    levels = {record["level"] for record in process.records()}
    assert levels <= {"INFO", "WARNING"}, process.text()
    assert "Control server" not in process.text()


def test_without_the_config_gunicorn_would_log_an_error_there(migrated_database, tmp_path):
    """The control: the same HOME makes a bare gunicorn >= 25 log an ERROR at start."""
    port = free_port()
    env = base_env(migrated_database, tmp_path)
    bare = Process(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "adcmeet.wsgi:application"],
        env,
        tmp_path / "bare.log",
    )
    try:
        wait_for(lambda: "Control server" in bare.text() or not bare.alive(), 30, "its start")
    finally:
        bare.stop()
    assert re.search(r"\[ERROR\] Control server error", bare.text()), bare.text()


def test_every_line_is_json_with_a_utc_time_a_level_and_a_logger(web):
    process, port = web()
    get(port, "/no-such-page/", {"Host": HOST})
    process.stop()

    records = process.records()
    assert len(records) == len(process.lines())
    for record in records:
        assert list(record)[:4] == ["time", "level", "logger", "message"]
        moment = datetime.datetime.fromisoformat(record["time"])
        assert record["time"].endswith("Z")
        assert moment.utcoffset() == datetime.timedelta(0)
    loggers = {record["logger"] for record in records}
    assert {"gunicorn.error", "gunicorn.access", "django.request"} <= loggers


def test_a_bad_host_header_is_one_warning_line_without_a_traceback(web):
    process, port = web()

    status = get(port, "/", {"Host": "scanner.example.net"})
    process.stop()

    assert status == 400
    text = process.text()
    assert "Traceback" not in text
    about_host = [r for r in process.records() if "scanner.example.net" in r["message"]]
    assert len(about_host) == 1, about_host
    assert about_host[0]["level"] == "WARNING"
    assert about_host[0]["logger"] == "django.security.DisallowedHost"
    # Django's own "Bad Request: /" for the same request is not repeated.
    assert not [r for r in process.records() if r["message"].startswith("Bad Request")]
    access = [r for r in process.records() if r["logger"] == "gunicorn.access"]
    assert [(a["status"], a["request_id"]) for a in access] == [(400, about_host[0]["request_id"])]


def test_the_client_is_the_address_our_proxy_saw_and_the_request_id_follows_it(web):
    process, port = web(TRUSTED_PROXY_COUNT="1")

    # The client claims 198.51.100.7; our proxy appended the address it saw, 203.0.113.9. (The
    # path has a feed token's shape but resolves to no view: this is about the log lines.)
    status = get(
        port,
        "/old/calendar/me/Sup3rSecretFeedToken.ics?token=another-secret",
        {
            "Host": HOST,
            "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
            "X-Request-ID": "proxy-req-0123456789",
        },
    )
    process.stop()

    assert status == 404
    mine = [r for r in process.records() if r.get("request_id") == "proxy-req-0123456789"]
    assert {r["logger"] for r in mine} == {"django.request", "gunicorn.access"}
    assert {r["client"] for r in mine} == {"203.0.113.9"}
    access = next(r for r in mine if r["logger"] == "gunicorn.access")
    assert access["message"].startswith('203.0.113.9 "GET /old/calendar/me/')
    # Tokens never reach the log.
    assert "Sup3rSecretFeedToken" not in process.text()
    assert "another-secret" not in process.text()
    assert access["path"] == "/old/calendar/me/[redacted].ics?token=[redacted]"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(web):
    process, port = web(TRUSTED_PROXY_COUNT="0")
    get(port, "/nothing/", {"Host": HOST, "X-Forwarded-For": "198.51.100.7"})
    process.stop()

    access = [r for r in process.records() if r["logger"] == "gunicorn.access"]
    assert [r["client"] for r in access] == ["127.0.0.1"]


def test_health_probes_stay_out_of_the_access_log_unless_they_fail(web):
    process, port = web()
    for _ in range(3):
        assert get(port, "/healthz", {"Host": HOST}) == 200
    get(port, "/", {"Host": HOST})
    process.stop()

    paths = [r["path"] for r in process.records() if r["logger"] == "gunicorn.access"]
    assert "/healthz" not in paths
    assert "/" in paths


def test_the_compose_web_healthcheck_passes_behind_an_https_site(web, tmp_path):
    """The healthcheck in docker-compose.yml, run against the server: with an https SITE_URL
    every plain request redirects, so the check must look like proxied https traffic."""
    import subprocess
    import sys

    process, port = web(SITE_URL=f"https://{HOST}")
    assert get(port, "/healthz", {"Host": HOST}) == 301  # what a bare probe would get
    check = compose()["services"]["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    code = check[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")

    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"ALLOWED_HOSTS": f"{HOST},other.example.org", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    process.stop()
    assert result.returncode == 0, result.stderr
