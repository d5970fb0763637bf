"""The worker and beat services as compose and Kubernetes run them, on PostgreSQL and Redis:
beat's heartbeat goes through the broker and a worker (which the compose beat healthcheck
sees), and both write the app's JSON lines, tasks with their id and name."""

import subprocess
import sys
import uuid

import pytest

from tests.ops.conftest import ROOT, Process, base_env, compose, compose_command, wait_for

pytestmark = pytest.mark.worker


def beat_healthcheck(env: dict[str, str]) -> int:
    """The compose beat healthcheck's exit status."""
    check = compose()["services"]["beat"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    return subprocess.run(
        [sys.executable, "-c", check[3]], env=env, capture_output=True, timeout=60
    ).returncode


def test_beat_and_a_worker_keep_the_heartbeat_fresh_and_log_json(
    migrated_database, redis_url, tmp_path
):
    prefix = f"adcmeet-ops-{uuid.uuid4().hex[:8]}:"
    env = base_env(
        migrated_database,
        tmp_path,
        CELERY_BROKER_URL=redis_url,
        CELERY_KEY_PREFIX=prefix,
        DATABASE_POOL="false",
    )
    assert beat_healthcheck(env) == 1  # no heartbeat yet

    worker = Process(compose_command("worker"), env, tmp_path / "worker.log")
    beat = Process(compose_command("beat"), env, tmp_path / "beat.log")
    try:
        wait_for(lambda: beat_healthcheck(env) == 0, 60, "the heartbeat")
    finally:
        beat_status = beat.stop()
        worker_status = worker.stop()
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)

    assert (beat_status, worker_status) == (0, 0)
    for process in (worker, beat):
        # Every line is a JSON log record, but the one line celery prints when it stops.
        others = [
            line
            for line in process.lines()
            if not line.startswith("{") and "Warm shutdown" not in line
        ]
        assert others == [], process.text()
        levels = {r["level"] for r in process.records()}
        assert levels <= {"INFO", "WARNING"}, process.text()
        for record in process.records():
            assert record["time"].endswith("Z")
    done = [
        r
        for r in worker.records()
        if r["logger"] == "celery.app.trace" and "adcmeet.tasks.heartbeat" in r["message"]
    ]
    assert done, worker.text()
    assert done[0]["task"] == "adcmeet.tasks.heartbeat"
    assert done[0]["task_id"] in done[0]["message"]
    assert any(r["logger"] == "celery.beat" for r in beat.records())


HEALTH = "from adcmeet.meetings import health; print(health.mail_health().message)"


def test_with_beat_running_and_no_worker_the_health_message_names_the_worker(
    migrated_database, redis_url, tmp_path
):
    prefix = f"adcmeet-ops-{uuid.uuid4().hex[:8]}:"
    env = base_env(
        migrated_database,
        tmp_path,
        CELERY_BROKER_URL=redis_url,
        CELERY_KEY_PREFIX=prefix,
        DATABASE_POOL="false",
    )
    manage = [sys.executable, "manage.py", "shell", "--no-imports", "-c"]

    def message() -> str:
        return subprocess.run(
            [*manage, HEALTH], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        ).stdout.strip()

    forget = "from django.apps import apps; " + (
        "next(m for m in apps.get_models() if m.__name__ == 'Heartbeat').objects.all().delete()"
    )
    subprocess.run([*manage, forget], env=env, cwd=ROOT, check=True, timeout=60)
    assert message() == "The scheduler (Celery beat) has never reported."
    beat = Process(compose_command("beat"), env, tmp_path / "beat.log")
    try:
        named = wait_for(lambda: "worker" in message() and message(), 60, "beat to queue one")
    finally:
        beat.stop()
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)

    assert named.startswith("No Celery worker has run the scheduled tasks yet; the scheduler")
    assert "Celery beat) has never reported" not in named
