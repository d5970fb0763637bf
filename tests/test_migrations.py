"""Migrations applied to a database that holds real data, on SQLite and PostgreSQL.

Nothing is deployed yet, but every later migration will run over the report's data: here the
seed is loaded, every app is taken back to its first migration with the rows still in place,
then forward again (so each later migration runs on non-empty tables), and the home page must
still show the data. Then all the way to zero and back, to prove every migration reversible.
"""

import json

import pytest
from django.db.migrations.loader import MigrationLoader

from tests import dbtools
from tests.dbtools import manage

OUR_APPS = ("adcmeet", "deliverables", "taskforces", "accounts")

COUNTS = """
import json
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries
from deliverables.models import Deliverable, Period, Roadmap
from taskforces.models import OutlineItem, TaskForce
print(json.dumps({m.__name__: m.objects.count() for m in (
    AgendaItem, Meeting, MeetingSeries, Deliverable, Period, Roadmap, OutlineItem, TaskForce)}))
"""

HOME = """
from django.test import Client
response = Client().get("/", HTTP_HOST="127.0.0.1")
print("STATUS", response.status_code)
print(response.content.decode())
"""


def counts(db: str) -> dict:
    return json.loads(manage(db, "shell", "-c", COUNTS).stdout.strip().splitlines()[-1])


def home(db: str) -> str:
    _, _, rendered = manage(db, "shell", "-c", HOME).stdout.partition("STATUS ")
    status, _, page = rendered.partition("\n")
    assert status == "200", page[-2000:]
    return page


def first_migrations() -> dict[str, str]:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return {app: graph.root_nodes(app)[0][1] for app in OUR_APPS}


@pytest.fixture
def sqlite_databases(tmp_path):
    return dbtools.sqlite_databases(tmp_path)


@pytest.fixture
def postgresql_databases():
    yield from dbtools.postgresql_databases()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    return request.getfixturevalue(f"{request.param}_databases")("migrations")


def test_later_migrations_run_over_seeded_data_and_every_one_is_reversible(database):
    manage(database, "migrate", "--noinput")
    manage(database, "load_seed", "--year", "2031")
    seeded = counts(database)
    assert seeded["Deliverable"] > 10
    assert seeded["TaskForce"] > 3

    # Back to each app's first migration with the rows kept, then forward over them.
    for app in OUR_APPS:
        manage(database, "migrate", app, first_migrations()[app], "--noinput")
    manage(database, "migrate", "--noinput")

    assert counts(database) == seeded
    page = home(database)
    assert "Rucio" in page
    assert "PanDA" in page

    # All the way down and up again: no migration may be irreversible.
    for app in OUR_APPS:
        manage(database, "migrate", app, "zero", "--noinput")
    manage(database, "migrate", "--noinput")
    manage(database, "load_seed", "--year", "2031")
    assert counts(database) == seeded
    assert "Rucio" in home(database)


def test_there_is_no_missing_migration(tmp_path):
    result = manage(
        f"sqlite:///{tmp_path / 'x.sqlite3'}", "makemigrations", "--check", "--dry-run", check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
