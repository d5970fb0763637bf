"""A database restart costs no request: the web service as compose runs it (gunicorn, psycopg's
pool) keeps answering after PostgreSQL has dropped every connection it held."""

import psycopg
import pytest

from tests.ops.conftest import Process, base_env, compose_command, free_port, get, wait_for

HOST = "adcmeet.example.org"
PAGES = ["/healthz", "/meetings/", "/taskforces/", "/checkpoints/"]


@pytest.fixture
def web(migrated_database, tmp_path):
    port = free_port()
    env = base_env(
        migrated_database, tmp_path, PORT=str(port), WEB_CONCURRENCY="1", DATABASE_POOL="true"
    )
    process = Process(compose_command("web"), env, tmp_path / "web.log")
    wait_for(
        lambda: not process.alive() or get(port, "/healthz", {"Host": HOST}) != 0,
        60,
        "gunicorn to answer",
    )
    assert process.alive(), process.text()
    yield process, port
    if process.alive():
        process.stop()


def terminate_backends(database_url: str) -> int:
    """What a PostgreSQL restart does to the app: every connection to its database is gone."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


def test_pooled_connections_killed_by_a_restart_cost_no_failed_request(web, migrated_database):
    process, port = web
    # Warm the pool: every page opens (and returns) pooled connections.
    assert [get(port, page, {"Host": HOST}) for page in PAGES * 2] == [200] * 8

    assert terminate_backends(migrated_database) >= 1

    statuses = [get(port, page, {"Host": HOST}) for page in PAGES * 3]
    assert statuses == [200] * 12, process.text()[-3000:]
