"""The zero-configuration default works: with no DATABASE_URL, `make run`'s steps (migrate,
load_seed) build an SQLite database under ADCMEET_VAR_DIR and the home page shows the seed.

Runs in subprocesses, as a user's shell would, so nothing of the test settings leaks in."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RENDER_HOME = """
from django.test import Client
response = Client().get("/", HTTP_HOST="127.0.0.1")
print("STATUS", response.status_code)
print(response.content.decode())
"""


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def test_migrate_load_seed_and_the_home_page_on_the_default_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "PYTEST", "DJANGO_"))
        and key not in {"SECRET_KEY", "ADCMEET_TESTING", "ALLOWED_HOSTS", "SITE_URL"}
    }
    env |= {"ADCMEET_VAR_DIR": str(tmp_path), "DEBUG": "true", "PYTHONDONTWRITEBYTECODE": "1"}

    manage("migrate", "--noinput", "-v0", env=env)
    assert (tmp_path / "adcmeet.sqlite3").exists()
    assert "created" in manage("load_seed", env=env)
    assert "nothing changed" in manage("load_seed", env=env)

    output = manage("shell", "--no-imports", "-c", RENDER_HOME, env=env)
    _, _, rendered = output.partition("STATUS ")
    status, _, html = rendered.partition("\n")
    assert status == "200"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert re.search(r"Next meeting Wednesday \d{1,2} \w+ \d{4}, 17:00 Europe/Zurich", text)
    for label, planned in [("April", 3), ("May", 5), ("June", 3), ("Summer", 5), ("Later", 2)]:
        assert re.search(rf'<th scope="row">{label} .*?</th>\s*<td>{planned}</td>', html, re.S)
    for name in ("Rucio", "NoSQL databases", "CVMFS", "PanDA evolution"):
        assert name in text
