"""`make audit` (run by `make test`): on CI a known vulnerability always fails the run, and so
does an audit that could not run; nothing passes silently. pip-audit itself is replaced by a
stand-in that answers as the real one does in each situation."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ANSWERS = {
    "clean": (0, "No known vulnerabilities found"),
    "finding": (
        1,
        "Name Version ID Fix Versions\ndjango 5.2.0 PYSEC-0000-1 5.2.1\n"
        "Found 1 known vulnerability in 1 package",
    ),
    "unreachable": (
        1,
        "ERROR:pip_audit._cli:amqp: Dependency not found on PyPI and could "
        "not be audited: amqp (5.4.2)",
    ),
}


def make_audit(tmp_path: Path, answer: str, **env: str) -> subprocess.CompletedProcess:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    status, output = ANSWERS[answer]
    stub = venv / "bin" / "pip-audit"
    stub.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\nexit {status}\n")
    stub.chmod(0o755)
    (venv / "bin" / "python").write_text("#!/bin/sh\n")
    (venv / "bin" / "python").chmod(0o755)
    (venv / ".installed").touch()
    clean_env = {k: v for k, v in os.environ.items() if k not in {"CI", "PIP_AUDIT_OPTIONAL"}}
    return subprocess.run(
        ["make", "--no-print-directory", "audit", f"VENV={venv}"],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("answer", "env", "fails"),
    [
        ("clean", {"CI": "true"}, False),
        ("finding", {"CI": "true"}, True),
        ("finding", {"CI": "true", "PIP_AUDIT_OPTIONAL": "1"}, True),
        ("unreachable", {"CI": "true"}, True),
        ("unreachable", {"CI": "true", "PIP_AUDIT_OPTIONAL": "1"}, False),
        ("finding", {}, False),
        ("unreachable", {}, False),
    ],
)
def test_make_audit_fails_ci_on_findings_and_on_audits_that_could_not_run(
    tmp_path, answer, env, fails
):
    result = make_audit(tmp_path, answer, **env)

    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    if answer != "clean" and not fails:
        assert "WARNING pip-audit" in result.stderr
    if answer == "unreachable":
        assert "could not be audited" in result.stderr


def test_the_real_audit_runs_in_strict_mode():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip-audit --progress-spinner off --strict -r requirements.txt" in makefile
    assert "$(MAKE) --no-print-directory audit" in makefile
