"""The benchmark harness works end to end against a live server (quickly)."""

import urllib.parse

import pytest

from bench import report
from bench.driver import Driver, Request, Scenario
from bench.endpoints import CEILING, PAGE, Endpoint
from bench.queries import count_queries
from bench.sessions import http_login
from tests import factories

pytestmark = pytest.mark.urls("bench.urls")


@pytest.fixture
def server(live_server, transactional_db):
    parts = urllib.parse.urlsplit(live_server.url)
    return parts.hostname, parts.port


def test_the_driver_measures_the_bare_view_and_the_home_page(server):
    host, port = server
    with Driver(host, port, max_connections=2, processes=False) as driver:
        bare = driver.run(Scenario.of("/bench/bare/"), connections=1, seconds=0.5)
        home = driver.run(Scenario.of("/"), connections=2, seconds=0.5)
    assert bare.errors == 0
    assert bare.requests > 5
    assert bare.response_bytes == 3
    assert 0 < bare.p50 <= bare.p99
    assert home.errors == 0
    assert home.connections == 2
    assert home.response_bytes > 1000
    assert home.summary()["statuses"] == {"200": home.requests}


def test_spawned_driver_processes_reach_the_server(server):
    host, port = server
    with Driver(host, port, max_connections=2) as driver:
        result = driver.run(Scenario.of("/bench/bare/"), connections=2, seconds=0.3)
    assert result.errors == 0
    assert result.requests > 2


def test_unexpected_statuses_count_as_errors(server):
    host, port = server
    with Driver(host, port, max_connections=1, processes=False) as driver:
        result = driver.run(Scenario.of("/no-such-page/"), max_requests=3)
    assert result.errors == 3
    assert "404" in result.first_error


def test_the_bench_logs_in_through_the_real_form(server):
    host, port = server
    factories.make_user("alice")
    cookies = http_login(port, "alice", "correct-horse-9")
    assert cookies["sessionid"]
    with Driver(host, port, max_connections=1, processes=False) as driver:
        me = driver.run(
            Scenario.of(
                Request("/me/", headers=(("Cookie", f"sessionid={cookies['sessionid']}"),))
            ),
            max_requests=2,
        )
    assert me.errors == 0


def test_queries_are_counted_in_process(db):
    bare = count_queries(Endpoint("bare", "bare", "/bench/bare/", CEILING), {})
    home = count_queries(Endpoint("home", "home", "/", PAGE), {})
    assert bare["queries"] == 0
    assert home["status"] == 200
    assert home["queries"] > 0


def test_the_generated_table_replaces_only_its_own_block(tmp_path):
    results = {
        "date": "2026-11-27T12:00:00+00:00",
        "elapsed_seconds": 300,
        "bare_rps": 2000.0,
        "machine": {
            "nproc": 2,
            "cpu": "Xeon",
            "memory_gib": 23.5,
            "kernel": "6.1",
            "loadavg_before": [1.0, 1.0, 1.0],
            "loadavg_after": [2.0, 1.0, 1.0],
            "python": "3.11",
            "django": "5.2",
            "postgresql": "15",
            "gunicorn": "23",
            "psycopg": "3.2",
        },
        "config": {
            "server": "gunicorn",
            "connections": 4,
            "seconds_per_run": 4,
            "database": "b",
            "data": {"marker": "m", "generated_at": "2026-11-27"},
            "facts": {
                "meeting_id": 1,
                "meeting_items": 12,
                "developer_deliverables": 15,
                "filter": {},
            },
        },
        "endpoints": [
            {
                "label": "bare",
                "target": {"p50_ms": None, "p99_ms": None, "ratio": None},
                "queries": 0,
                "bytes": 3,
                "verdict": "-",
                "misses": [],
                "latency": {"p50_ms": 0.5, "p99_ms": 1.0, "rps": 1500},
                "throughput": {"rps": 2000},
            },
            {
                "label": "home page",
                "target": {"p50_ms": 25, "p99_ms": 100, "ratio": 0.25},
                "queries": 5,
                "bytes": 9000,
                "ratio": 0.1,
                "verdict": "MISS",
                "misses": ["10% of bare < 25%"],
                "latency": {"p50_ms": 10, "p99_ms": 20, "rps": 90},
                "throughput": {"rps": 200},
            },
            {
                "label": "builder",
                "target": {"p50_ms": 25, "p99_ms": 100, "ratio": 0.25},
                "skipped": "no endpoint",
            },
        ],
        "background": [{"label": "scan", "seconds": 0.5, "queries": 4, "verdict": "PASS"}],
    }
    doc = tmp_path / "benchmarks.md"
    report.write_markdown(results, doc)
    doc.write_text(doc.read_text() + "Hand-written analysis.\n")
    report.write_markdown(results, doc)
    text = doc.read_text()
    assert text.count(report.BEGIN) == 1
    assert "Hand-written analysis." in text
    assert "| home page | 5 | 9,000 | 10.0 | 20.0 | 90 | 200 | 0.10 |" in text
    assert "MISS: 10% of bare < 25%" in text
    assert "not measured: no endpoint" in text
    assert "home page" in report.text_table(results)
