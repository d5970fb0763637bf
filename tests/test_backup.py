"""`manage.py backup` / `restore` (what `make backup` and `make restore FILE=...` run), with
real round trips through real files on SQLite and on PostgreSQL (in throwaway databases)."""

import json
import os
import re

import pytest

from tests import dbtools
from tests.dbtools import manage

MAKE_DATA = """
from adcmeet.accounts.models import CONVENER, DEVELOPER
from deliverables.models import Deliverable
from tests import factories
dev = factories.make_user("bob", roles=(DEVELOPER,), name="Bób Dévelopér")
conv = factories.make_user("alice", roles=(CONVENER,), name="Alice")
d = factories.make_deliverable("Ünïcode deliverable ✓", owners=(dev,))
d.status = Deliverable.Status.IN_PROGRESS
d._history_user = conv
d.save()
m = factories.make_meeting(title="Meeting with <b>markup</b>\\nand a newline")
factories.make_item(m, "Pilot news", presenter=dev, notes="line one\\r\\nline two")
factories.make_action(m, "Send the slides", owner=dev)
tf = factories.make_task_force("Rucio")
tf.members.add(dev)
factories.make_outline_item(tf, "Architecture")
print("made")
"""

CHANGE_DATA = """
from adcmeet.meetings.models import Meeting
from deliverables.models import Deliverable
Meeting.objects.update(title="Renamed after the backup")
Deliverable.objects.all().delete()
"""


def contents(database_url: str) -> list:
    """Everything a backup must preserve, as data (ordered by model, then primary key)."""
    out = manage(
        database_url,
        "dumpdata",
        "--natural-foreign",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        "--exclude=axes",
    ).stdout
    # A SQLite backup is a JSON fixture, which keeps times to the millisecond: a time whose
    # microseconds are below 1000 reads back as whole seconds ("…:07.000Z" becomes "…:07Z").
    # The same instant to the millisecond is the same data here.
    return json.loads(re.sub(r"(T\d\d:\d\d:\d\d)\.000(Z|[+-])", r"\1\2", out))


@pytest.fixture
def sqlite_databases(tmp_path):
    return dbtools.sqlite_databases(tmp_path)


@pytest.fixture
def postgresql_databases():
    yield from dbtools.postgresql_databases()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request):
    return request.getfixturevalue(f"{request.param}_databases"), request.param


def test_a_backup_restores_everything_into_an_empty_database(databases, tmp_path):
    make_db, vendor = databases
    source, target = make_db("source"), make_db("target")
    manage(source, "migrate", "--noinput")
    manage(source, "shell", "-c", MAKE_DATA)
    original = contents(source)
    backup = tmp_path / ("site.dump" if vendor == "postgresql" else "site.json.gz")

    out = manage(source, "backup", str(backup)).stdout

    assert f"to {backup}" in out
    assert backup.stat().st_size > 0
    manage(target, "restore", "--no-safety-backup", str(backup))
    restored = contents(target)
    assert restored == original
    # the details that are easy to lose on the way: history, many-to-many, text as typed
    models = {entry["model"] for entry in restored}
    assert {"deliverables.historicaldeliverable", "auth.group", "taskforces.taskforce"} <= models
    text = json.dumps(restored, ensure_ascii=False)
    assert "Ünïcode deliverable ✓" in text
    assert "line one\\r\\nline two" in text


def test_restoring_over_changed_data_brings_it_back_and_keeps_the_changes_aside(
    databases, tmp_path
):
    make_db, vendor = databases
    db = make_db("live")
    manage(db, "migrate", "--noinput")
    manage(db, "shell", "-c", MAKE_DATA)
    original = contents(db)
    suffix = "dump" if vendor == "postgresql" else "json.gz"
    backup = tmp_path / f"before.{suffix}"
    manage(db, "backup", str(backup))
    manage(db, "shell", "-c", CHANGE_DATA)
    assert contents(db) != original

    out = manage(db, "restore", str(backup)).stdout

    assert contents(db) == original
    safety = sorted(tmp_path.glob(f"pre-restore-*.{suffix}"))
    assert len(safety) == 1, out
    # The safety copy is itself a working backup of what was there before the restore.
    check = make_db("check")
    manage(check, "restore", "--no-safety-backup", str(safety[0]))
    titles = {e["fields"].get("title") for e in contents(check) if e["model"] == "adcmeet.meeting"}
    assert titles == {"Renamed after the backup"}


def test_a_damaged_backup_is_refused_and_nothing_is_lost(databases, tmp_path):
    make_db, vendor = databases
    db = make_db("live")
    manage(db, "migrate", "--noinput")
    manage(db, "shell", "-c", MAKE_DATA)
    original = contents(db)
    suffix = "dump" if vendor == "postgresql" else "json.gz"
    good = tmp_path / f"good.{suffix}"
    manage(db, "backup", str(good))
    damaged = tmp_path / f"damaged.{suffix}"
    data = good.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])

    result = manage(db, "restore", "--no-safety-backup", str(damaged), check=False)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "nothing was changed" in result.stderr
    assert contents(db) == original


def test_a_file_that_is_not_a_backup_is_refused(sqlite_databases, tmp_path):
    db = sqlite_databases("live")
    manage(db, "migrate", "--noinput")
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    result = manage(db, "restore", str(junk), check=False)

    assert result.returncode != 0
    assert "neither a pg_dump custom-format file nor a JSON fixture" in result.stderr


def test_without_a_file_name_the_backup_goes_to_var_backups(sqlite_databases, tmp_path):
    db = sqlite_databases("live")
    manage(db, "migrate", "--noinput")
    env_var = {"ADCMEET_VAR_DIR": str(tmp_path / "var")}
    os.environ.update(env_var)
    try:
        out = manage(db, "backup").stdout
    finally:
        os.environ.pop("ADCMEET_VAR_DIR")

    written = list((tmp_path / "var" / "backups").glob("adcmeet-*.json.gz"))
    assert len(written) == 1, out
