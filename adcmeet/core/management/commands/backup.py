"""Write a backup of the database to a file (`make backup`, `make backup FILE=...`).

PostgreSQL: `pg_dump -Fc` (custom format: compressed, restorable table by table, checked with
`pg_restore --list` before we say it is done). SQLite: `dumpdata` of every application table as
JSON (gzip-compressed when the name ends in .gz), with natural keys for content types so it
loads into any freshly migrated database, SQLite or PostgreSQL (times kept to the millisecond,
as fixtures do). Sessions, login-throttling
counters, content types and permissions are left out: the first two are transient, the last
two are rebuilt by `migrate`. Restore with `manage.py restore FILE` (see docs/security.md).
"""

import datetime
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

# Not worth keeping, or rebuilt by migrate.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]
PG_MAGIC = b"PGDMP"


def backend(alias: str = DEFAULT_DB_ALIAS) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise CommandError(f"Backups of {vendor} databases are not supported.")
    return vendor


def pg_environment(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore: the password never appears on a command line."""
    db = connections[alias].settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }.items():
        if value:
            env[key] = value
    return env


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def default_path(vendor: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if vendor == "postgresql" else "json.gz"
    return Path(settings.VAR_DIR) / "backups" / f"adcmeet-{stamp}.{suffix}"


def write_backup(path: Path, alias: str = DEFAULT_DB_ALIAS) -> Path:
    vendor = backend(alias)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if vendor == "postgresql":
            _pg_dump(partial, alias)
        else:
            _dumpdata(partial, alias, compress=path.name.endswith(".gz"))
        # Only a complete, verified file takes the real name.
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _pg_dump(path: Path, alias: str) -> None:
    env = pg_environment(alias)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell; the path is an operator argument
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", path],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
    listing = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [pg_tool("pg_restore"), "--list", path], env=env, capture_output=True, check=False
    )
    if listing.returncode != 0 or b"TABLE DATA" not in listing.stdout:
        raise CommandError("pg_dump wrote a file that pg_restore cannot read.")


def _dumpdata(path: Path, alias: str, *, compress: bool) -> None:
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as out:
        call_command(
            "dumpdata",
            database=alias,
            natural_foreign=True,
            exclude=EXCLUDED,
            indent=None,
            stdout=out,
        )
    with (gzip.open if compress else open)(path, "rt", encoding="utf-8") as check:
        if not isinstance(json.load(check), list):
            raise CommandError("dumpdata wrote something that is not a fixture.")


class Command(BaseCommand):
    help = "Back up the database to FILE (default: var/backups/adcmeet-<time>.<dump|json.gz>)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write the backup")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        alias = options["database"]
        path = Path(options["file"]) if options["file"] else default_path(backend(alias))
        write_backup(path, alias)
        size = path.stat().st_size
        self.stdout.write(f"Backed up the {backend(alias)} database to {path} ({size:,} bytes).")
