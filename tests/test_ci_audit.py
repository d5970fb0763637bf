"""`make audit` (run by `make test`): a known vulnerability always fails the run; on CI so does a
dependency that could not be checked (unless PIP_AUDIT_OPTIONAL), and the log says how many
dependencies were really checked — an audit that checked nothing never looks like a clean one.
pip-audit itself is replaced by a stand-in that writes the JSON report the real one writes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PINNED = [
    line.split("==")
    for line in (ROOT / "requirements.txt").read_text().splitlines()
    if "==" in line
]


def report(answer: str) -> tuple[int, dict | None]:
    deps = [{"name": name, "version": version, "vulns": []} for name, version in PINNED]
    if answer == "finding":
        deps[0]["vulns"] = [{"id": "PYSEC-0000-1", "fix_versions": ["9.9"]}]
        return 1, {"dependencies": deps}
    if answer == "unreachable":
        skipped = [
            {
                "name": d["name"],
                "skip_reason": "Dependency not found on PyPI and could not be "
                f"audited: {d['name']} ({d['version']})",
            }
            for d in deps
        ]
        return 0, {"dependencies": skipped}
    if answer == "broken":
        return 1, None
    return 0, {"dependencies": deps}


def make_audit(tmp_path: Path, answer: str, **env: str) -> subprocess.CompletedProcess:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    status, body = report(answer)
    saved = tmp_path / "report.json"
    if body is not None:
        saved.write_text(json.dumps(body))
    stub = venv / "bin" / "pip-audit"
    stub.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        f"if {body is not None}:\n"
        f"    shutil.copy({str(saved)!r}, sys.argv[sys.argv.index('-o') + 1])\n"
        "else:\n"
        "    print('ConnectionError: advisory service unreachable', file=sys.stderr)\n"
        f"sys.exit({status})\n"
    )
    stub.chmod(0o755)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".installed").touch()
    clean_env = {k: v for k, v in os.environ.items() if k not in {"CI", "PIP_AUDIT_OPTIONAL"}}
    return subprocess.run(
        ["make", "--no-print-directory", "audit", f"VENV={venv}", f"PY={venv}/bin/python"],
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
        ("broken", {"CI": "true"}, True),
        ("broken", {"CI": "true", "PIP_AUDIT_OPTIONAL": "1"}, False),
        ("finding", {}, True),
        ("unreachable", {}, False),
    ],
)
def test_make_audit_fails_on_findings_and_on_ci_on_dependencies_it_could_not_check(
    tmp_path, answer, env, fails
):
    result = make_audit(tmp_path, answer, **env)

    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    total = len(PINNED)
    if answer == "clean":
        assert f"{total} of {total} pinned dependencies checked, 0 known" in result.stdout
    if answer == "finding":
        assert "PYSEC-0000-1" in result.stdout
    if answer in {"unreachable", "broken"}:
        assert f"0 of {total} pinned dependencies checked" in result.stdout
        assert f"DEPENDENCY AUDIT DID NOT RUN for {total} of {total}" in result.stderr
        assert "NOT checked for known vulnerabilities" in result.stderr


def test_make_test_ends_with_the_audit():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(MAKE) --no-print-directory audit" in makefile
    assert "$(PY) .ci/audit.py $(VENV)/bin/pip-audit" in makefile
