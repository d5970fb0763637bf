"""What docker-compose.yml, the Dockerfile, .dockerignore and .env.example promise an operator,
read from the files themselves (CI has no Docker)."""

import fnmatch
import importlib.util
import json
import os
import re

import pytest

from tests.ops.conftest import ROOT, compose

SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat"}


def seconds(value: str) -> float:
    """A compose duration ("1m30s", "30s", "500ms") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    assert parts, value
    assert "".join(n + u for n, u in parts) == value, value
    return sum(float(n) * units[u] for n, u in parts)


def gunicorn_settings(**env: str):
    """deploy/gunicorn.conf.py evaluated as gunicorn would, under `env`."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        spec = importlib.util.spec_from_file_location(
            "gunicorn_conf", ROOT / "deploy" / "gunicorn.conf.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        os.environ.clear()
        os.environ.update(saved)


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_every_service_is_there_and_every_log_is_rotated():
    services = compose()["services"]

    assert set(services) == SERVICES
    for name, service in services.items():
        logging = service.get("logging")
        assert logging, f"{name} has no logging options"
        assert logging["driver"] == "json-file"
        assert {"max-size", "max-file"} <= set(logging["options"]), name


def test_the_web_stops_later_than_gunicorn_finishes_its_requests():
    web = compose()["services"]["web"]
    graceful_default = gunicorn_settings().graceful_timeout
    graceful_example = gunicorn_settings(**env_example()).graceful_timeout

    assert graceful_default == 20
    assert seconds(web["stop_grace_period"]) > max(graceful_default, graceful_example)


def test_workers_get_time_to_finish_a_mail_send():
    services = compose()["services"]
    email_timeout = 30  # settings' EMAIL_TIMEOUT default: the longest single SMTP step

    assert seconds(services["worker"]["stop_grace_period"]) > email_timeout


def test_gunicorn_has_no_control_socket_and_logs_through_the_app_format():
    conf = gunicorn_settings(LOG_FORMAT="json")

    assert conf.control_socket_disable is True
    assert conf.logger_class == "adcmeet.logconfig.GunicornLogger"
    handler = conf.logconfig_dict["handlers"]["console"]
    assert conf.logconfig_dict["formatters"]["default"]["()"].endswith("JsonFormatter")
    assert handler["filters"] == ["context"]
    assert conf.worker_class == "gthread"


def test_gunicorn_refuses_a_bad_number():
    with pytest.raises(SystemExit, match="GUNICORN_THREADS"):
        gunicorn_settings(GUNICORN_THREADS="four")


def test_the_image_runs_what_compose_runs_and_builds_without_docker_hub_front_ends():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))

    assert cmd == compose()["services"]["web"]["command"]
    assert "# syntax" not in dockerfile
    assert re.search(r"^USER adcmeet$", dockerfile, re.M)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified to what our .dockerignore uses: the last matching pattern
    wins, a pattern matches a path or any of its parent directories, ! re-includes."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_the_image_leaves_out_tests_docs_benchmarks_and_local_state_but_not_the_app():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in ["tests/conftest.py", "docs/operations.md", "bench/run.py",
                 "loadtest/__main__.py", ".env", ".git/HEAD", ".venv/bin/python",
                 "var/adcmeet.sqlite3", "deploy/kubernetes/web-deployment.yaml"]:  # fmt: skip
        assert _ignored(path, patterns), path
    for path in ["manage.py", "requirements.txt", "deploy/gunicorn.conf.py",
                 "adcmeet/settings.py", "adcmeet/logconfig.py", "templates/base.html",
                 "static", "deliverables", "taskforces", ".env.example"]:  # fmt: skip
        assert not _ignored(path, patterns), path
    seed = [p.relative_to(ROOT).as_posix() for p in (ROOT / "adcmeet").rglob("seed/*.md")]
    assert seed
    assert not any(_ignored(path, patterns) for path in seed)


def test_env_example_names_every_variable_compose_needs():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    example = env_example()

    assert used <= set(example), used - set(example)
    assert example["LOG_FORMAT"] == "json"
    assert example["TRUSTED_PROXY_COUNT"] == "1"


def test_exactly_one_beat():
    beat = compose()["services"]["beat"]

    assert "deploy" not in beat
    assert "scale" not in beat
    assert beat["command"][:5] == ["celery", "-A", "adcmeet", "--quiet", "beat"]


def test_the_beat_healthcheck_finds_the_heartbeat_wherever_its_app_lives():
    check = compose()["services"]["beat"]["healthcheck"]["test"][3]

    assert "apps.get_models()" in check
    assert "from adcmeet.models" not in check
