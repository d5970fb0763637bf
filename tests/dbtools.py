"""Throwaway databases and manage.py in a subprocess, for tests that need a real database of
their own (backups, migrations): SQLite files under tmp_path, PostgreSQL databases created and
dropped on the server the suite uses."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("THROWAWAY_PG", "postgres://postgres@127.0.0.1:5432")


def manage(
    database_url: str, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """manage.py in a fresh process on `database_url` (DEBUG on, nothing of pytest's settings)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "CELERY_", "EMAIL_"))
    }
    env = {**base, "DATABASE_URL": database_url, "DEBUG": "true", "DATABASE_POOL": "false"} | (
        env or {}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
    return result


def sqlite_databases(tmp_path: Path):
    """make(name) -> the URL of a new SQLite database file."""

    def make(name: str) -> str:
        return f"sqlite:///{tmp_path / name}.sqlite3"

    return make


def postgresql_databases():
    """Generator for a fixture: yields make(name) -> the URL of a new PostgreSQL database;
    drops them all afterwards. Skips (fails on CI) when PostgreSQL is not there."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        need(False, f"PostgreSQL at {PG_SERVER}")
    created = []

    def make(name: str) -> str:
        db = f"adcmeet_throwaway_{uuid.uuid4().hex[:8]}_{name}"
        admin.execute(f'CREATE DATABASE "{db}"')
        created.append(db)
        return f"{PG_SERVER}/{db}"

    try:
        yield make
    finally:
        for db in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()
