"""deploy/compose-backup.sh (make compose-backup / compose-restore): a round trip on PostgreSQL.

CI has no Docker, so `docker` is a stand-in on PATH that does what the compose project would:
`docker compose exec -T postgres CMD` runs CMD here with the postgres service's environment
(POSTGRES_USER, POSTGRES_DB) against a throwaway database on this machine's PostgreSQL, whose
major version is the one pg_dump and pg_restore here belong to, as in the postgres image;
`stop`/`start` are recorded; `run --rm migrate` runs the compose migrate command. Everything
the script does with the data is real: the dump, its check, the safety copy, the restore.
"""

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from tests import dbtools
from tests.dbtools import manage
from tests.ops.conftest import ROOT

SCRIPT = ROOT / "deploy" / "compose-backup.sh"

MAKE_DATA = """
from adcmeet.accounts.models import DEVELOPER
from tests import factories
dev = factories.make_user("bob", roles=(DEVELOPER,), name="Bób Dévelopér")
factories.make_deliverable("Ünïcode deliverable ✓", owners=(dev,))
m = factories.make_meeting(title="Before the backup")
factories.make_item(m, "Pilot news", presenter=dev)
"""

CHANGE_DATA = """
from django.apps import apps
Meeting = next(m for m in apps.get_models() if m.__name__ == "Meeting")
Meeting.objects.update(title="After the backup")
"""

FAKE_DOCKER = """\
#!{python}
import os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(" ".join(args[:4]) + "\\n")
if args[0] != "compose":
    sys.exit("fake docker: only `docker compose` is used")
args = args[1:]
if args[0] == "exec":
    if args[1:3] != ["-T", "postgres"]:
        sys.exit("fake docker: exec must be `exec -T postgres` (compose v1 needs -T)")
    env = dict(os.environ, POSTGRES_USER="postgres", POSTGRES_DB=os.environ["FAKE_DB"],
               PGHOST="127.0.0.1")
    os.execvpe(args[3], args[3:], env)
if args[0] in ("stop", "start"):
    sys.exit(0)
if args[:3] == ["run", "--rm", "migrate"]:
    env = dict(os.environ, DATABASE_URL=os.environ["FAKE_DATABASE_URL"], DEBUG="true",
               DATABASE_POOL="false")
    sys.exit(subprocess.call([sys.executable, "manage.py", "migrate", "--noinput"],
                             cwd=os.environ["FAKE_ROOT"], env=env,
                             stdout=subprocess.DEVNULL))
sys.exit("fake docker: unexpected " + " ".join(args))
"""


@pytest.fixture
def database():
    yield from dbtools.postgresql_databases()


@pytest.fixture
def deployment(database, tmp_path):
    """(run(*args) -> CompletedProcess, calls() -> [docker calls], url) for one database."""
    url = database("compose")
    manage(url, "migrate", "--noinput")
    manage(url, "shell", "-c", MAKE_DATA)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "docker-calls.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PG", "DJANGO_", "PYTEST"))},
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_DOCKER_LOG": str(calls),
        "FAKE_DB": url.rsplit("/", 1)[1],
        "FAKE_DATABASE_URL": url,
        "FAKE_ROOT": str(ROOT),
    }
    env.pop("COMPOSE", None)

    def run(*args):
        return subprocess.run(
            [str(SCRIPT), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip

    def calls_made():
        return calls.read_text().splitlines() if calls.exists() else []

    return run, calls_made, url


def contents(url: str) -> list:
    return json.loads(
        manage(
            url, "dumpdata", "--natural-foreign", "--exclude=contenttypes",
            "--exclude=auth.permission", "--exclude=sessions", "--exclude=axes",
        ).stdout
    )  # fmt: skip


def meeting_titles(url: str) -> set[str]:
    return {e["fields"]["title"] for e in contents(url) if e["model"].endswith(".meeting")}


def test_a_backup_is_a_checked_custom_format_dump_on_the_host(deployment, tmp_path):
    run, calls, _ = deployment

    result = run("backup", "nightly.dump")

    assert result.returncode == 0, result.stderr
    dump = tmp_path / "nightly.dump"
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert f"to {dump}" in result.stdout
    assert not list(tmp_path.glob("*.partial"))
    assert calls() == [
        "compose exec -T postgres",  # pg_dump
        "compose exec -T postgres",  # pg_restore --list: the file is readable
    ]
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
    assert "TABLE DATA" in listing.stdout


def test_restore_brings_the_data_back_and_keeps_what_was_there_aside(deployment, tmp_path):
    run, calls, url = deployment
    assert run("backup", "before.dump").returncode == 0
    manage(url, "shell", "-c", CHANGE_DATA)
    assert meeting_titles(url) == {"After the backup"}

    result = run("restore", "before.dump")

    assert result.returncode == 0, result.stderr
    assert meeting_titles(url) == {"Before the backup"}
    text = json.dumps(contents(url), ensure_ascii=False)
    assert "Ünïcode deliverable ✓" in text
    # The app roles are stopped while the data is replaced, migrated, and started again.
    assert calls()[2:] == [
        "compose exec -T postgres",  # safety backup: pg_dump
        "compose exec -T postgres",  # ... and its check
        "compose stop web worker",
        "compose exec -T postgres",  # pg_restore
        "compose run --rm migrate",
        "compose start web worker",
    ]
    safety = list(tmp_path.glob("pre-restore-*.dump"))
    assert len(safety) == 1
    # The safety copy is itself a working backup of the changed state.
    assert run("restore", "--no-safety-backup", str(safety[0])).returncode == 0
    assert meeting_titles(url) == {"After the backup"}


def test_a_damaged_backup_changes_nothing_and_the_app_comes_back(deployment, tmp_path):
    run, calls, url = deployment
    assert run("backup", "good.dump").returncode == 0
    data = (tmp_path / "good.dump").read_bytes()
    (tmp_path / "damaged.dump").write_bytes(data[: len(data) // 2])
    before = contents(url)

    result = run("restore", "--no-safety-backup", "damaged.dump")

    assert result.returncode != 0
    assert "nothing was changed" in result.stderr
    assert contents(url) == before
    assert calls()[-1] == "compose start web worker"


def test_a_file_that_is_not_a_dump_is_refused_before_anything_stops(deployment, tmp_path):
    run, calls, _ = deployment
    (tmp_path / "notes.txt").write_text("hello")

    result = run("restore", "notes.txt")

    assert result.returncode != 0
    assert "not a pg_dump custom-format file" in result.stderr
    assert calls() == []


def test_make_backup_in_a_compose_checkout_points_to_the_compose_targets(tmp_path):
    """A checkout with a .env is a compose deployment: `make backup` there would dump the
    empty development database, so it refuses and says what to run."""
    makefile = (ROOT / "Makefile").read_text()
    (tmp_path / "Makefile").write_text(
        textwrap.dedent("""\
            VENV := .venv
            $(VENV)/.installed:
            \t@true
        """)
        + makefile[makefile.index("# Backups of a checkout") : makefile.index("# Regenerate")]
    )
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=x\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    result = subprocess.run(
        ["make", "-s", "backup"], cwd=tmp_path, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "use make compose-backup" in result.stderr
