"""Replace the database's contents with a backup (`make restore FILE=...`).

Stop the web and the workers first. Before anything is replaced, the current contents are
backed up next to the file being restored (`pre-restore-<time>`), unless --no-safety-backup.

PostgreSQL (`pg_dump -Fc` file): `pg_restore --clean --if-exists --single-transaction`, so a
failed restore leaves the database as it was. SQLite (dumpdata JSON, optionally .gz): the schema
is migrated, then every table emptied and the fixture loaded, in one transaction.
"""

import datetime
import gzip
import json
import subprocess
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from adcmeet.core.management.commands.backup import (
    PG_MAGIC,
    backend,
    pg_environment,
    pg_tool,
    write_backup,
)


def file_kind(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(5)
    if head == PG_MAGIC:
        return "postgresql"
    if head[:2] == b"\x1f\x8b" or head.lstrip()[:1] == b"[":
        return "fixture"
    raise CommandError(f"{path} is neither a pg_dump custom-format file nor a JSON fixture.")


def restore(path: Path, alias: str = DEFAULT_DB_ALIAS) -> None:
    vendor = backend(alias)
    kind = file_kind(path)
    if vendor == "postgresql" and kind == "postgresql":
        _pg_restore(path, alias)
    elif kind == "fixture":
        _loaddata(path, alias)
    else:
        raise CommandError(
            f"{path} is a PostgreSQL dump; it cannot be restored into {vendor}. "
            "Restore it into PostgreSQL, or back up with dumpdata instead."
        )


def _pg_restore(path: Path, alias: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell; the path is an operator argument
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            pg_environment(alias)["PGDATABASE"],
            path,
        ],
        env=pg_environment(alias),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_restore failed, nothing was changed: {result.stderr.strip()}")


def _loaddata(path: Path, alias: str) -> None:
    # loaddata reads .json.gz itself but wants to know the format from the name.
    name = path.name
    if not (name.endswith(".json") or name.endswith(".json.gz")):
        raise CommandError("A fixture backup's name must end in .json or .json.gz.")
    # Read it all before anything is deleted: a truncated or corrupt file stops here.
    try:
        with (gzip.open if name.endswith(".gz") else open)(path, "rt", encoding="utf-8") as f:
            fixture = json.load(f)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path} is damaged, nothing was changed: {exc}") from exc
    if not isinstance(fixture, list) or not all(
        isinstance(entry, dict) and "model" in entry for entry in fixture
    ):
        raise CommandError(f"{path} is not a fixture written by `manage.py backup`.")
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    with transaction.atomic(using=alias):
        call_command("flush", database=alias, interactive=False, verbosity=0)
        call_command("loaddata", str(path), database=alias, verbosity=0)


class Command(BaseCommand):
    help = "Replace the database's contents with the backup in FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="do not back up the current contents first",
        )

    def handle(self, *args, **options):
        alias = options["database"]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        file_kind(path)
        if not options["no_safety_backup"]:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            suffix = "dump" if backend(alias) == "postgresql" else "json.gz"
            safety = path.parent / f"pre-restore-{stamp}.{suffix}"
            write_backup(safety, alias)
            self.stdout.write(f"Current contents saved to {safety}.")
        restore(path, alias)
        self.stdout.write(f"Restored {path}.")
