"""Past one machine, on this machine: two web servers, two workers and one beat on one
PostgreSQL and one Redis, the load test spread over both servers (tests/ops/scaleout.py, also
`python -m tests.ops.scaleout` for a longer run). No state lives in a web process."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import need
from tests.ops.conftest import ROOT

pytestmark = pytest.mark.worker


def test_two_web_servers_two_workers_and_one_beat_lose_nothing(redis_url):
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        need(False, "PostgreSQL at 127.0.0.1:5432")

    result = subprocess.run(
        [sys.executable, "-m", "tests.ops.scaleout", "--users", "12", "--duration", "20",
         "--workers", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
        env={**os.environ, "TEST_REDIS_URL": redis_url},
    )  # fmt: skip

    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, (summary["failures"], result.stderr[-3000:])
    assert summary["failures"] == []
    assert summary["five_xx"] == summary["transport_errors"] == 0
    assert len(summary["served"]) == 2
    assert min(summary["served"].values()) > 0.3 * summary["requests"]
    assert summary["lost"] == []
    assert summary["session_shared"] is True
    assert summary["cache_consistent"] is True
    mail = summary["mail"]
    assert mail["queued"] > 0
    assert mail["queued"] == mail["sent"] == mail["received"]
    assert mail["duplicates"] == 0
