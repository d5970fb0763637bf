"""deploy/kubernetes/: valid against the Kubernetes API schemas (kubernetes-validate, offline,
strict: an unknown field is an error), and shaped as the design needs: stateless web pods
behind an autoscaler and a disruption budget, workers that scale, exactly one beat, migrations
as a Job, probes on /healthz, PostgreSQL and Redis by URL from a Secret."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.ops.conftest import ROOT, compose

MANIFESTS = ROOT / "deploy" / "kubernetes"
# The oldest release still supported by its maintainers when this was written, and the newest
# the validator knows: the manifests must be valid on both.
VERSIONS = ["1.31.0", kubernetes_validate.latest_version()]


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[tuple[str, str], dict]:
    out = {}
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in documents(path):
            if doc["kind"] != "Kustomization":
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def container(doc: dict) -> dict:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    (only,) = spec["template"]["spec"]["containers"]
    return only


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "path", sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")
)
def test_the_manifest_is_valid_against_the_kubernetes_schema(path, version):
    for doc in documents(MANIFESTS / path):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_would_catch_a_mistake():
    web = resources()[("Deployment", "adcmeet-web")]
    container(web)["livenessProbe"]["tcpSocket"]["prot"] = "http"  # a typo

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example():
    (kustomization,) = documents(MANIFESTS / "kustomization.yaml")
    files = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}

    assert set(kustomization["resources"]) == files - {"secret.example.yaml"}
    assert [i["name"] for i in kustomization["images"]] == ["adcmeet"]


def test_web_is_stateless_autoscaled_and_protected_from_disruption():
    r = resources()
    web = r[("Deployment", "adcmeet-web")]
    labels = web["spec"]["selector"]["matchLabels"]
    hpa = r[("HorizontalPodAutoscaler", "adcmeet-web")]
    pdb = r[("PodDisruptionBudget", "adcmeet-web")]

    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "adcmeet-web"
    }  # fmt: skip
    assert hpa["spec"]["minReplicas"] >= 2
    assert pdb["spec"]["selector"]["matchLabels"] == labels
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    assert r[("Service", "adcmeet-web")]["spec"]["selector"] == labels
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    # Same command as compose; nothing persistent mounted.
    assert container(web)["command"] == compose()["services"]["web"]["command"]
    volumes = web["spec"]["template"]["spec"]["volumes"]
    assert all("emptyDir" in v for v in volumes)


def test_web_probes_ask_healthz_as_the_public_host_over_https():
    r = resources()
    web = container(r[("Deployment", "adcmeet-web")])
    allowed = r[("ConfigMap", "adcmeet")]["data"]["ALLOWED_HOSTS"].split(",")

    for probe in ("startupProbe", "readinessProbe"):
        get = web[probe]["httpGet"]
        headers = {h["name"]: h["value"] for h in get["httpHeaders"]}
        assert get["path"] == "/healthz"
        assert headers["Host"] in allowed
        assert headers["X-Forwarded-Proto"] == "https"
    # A database outage makes pods unready; it must not restart them all.
    assert "tcpSocket" in web["livenessProbe"]


def test_pods_outlive_the_graceful_shutdown():
    r = resources()
    web = r[("Deployment", "adcmeet-web")]["spec"]["template"]["spec"]
    pre_stop = int(container(r[("Deployment", "adcmeet-web")])["lifecycle"]["preStop"]["exec"]
                   ["command"][1])  # fmt: skip
    graceful = int(r[("ConfigMap", "adcmeet")]["data"]["GUNICORN_GRACEFUL_TIMEOUT"])

    assert web["terminationGracePeriodSeconds"] > pre_stop + graceful
    worker = r[("Deployment", "adcmeet-worker")]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] >= 60


def test_exactly_one_beat_and_never_two_during_a_rollout():
    r = resources()
    beat = r[("Deployment", "adcmeet-beat")]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = [h["spec"]["scaleTargetRef"]["name"] for (kind, _), h in r.items()
               if kind == "HorizontalPodAutoscaler"]  # fmt: skip
    assert "adcmeet-beat" not in targets
    assert container(beat)["command"] == compose()["services"]["beat"]["command"]


def test_workers_scale_and_run_the_compose_command():
    worker = resources()[("Deployment", "adcmeet-worker")]

    assert worker["spec"]["replicas"] >= 2
    assert container(worker)["command"] == compose()["services"]["worker"]["command"]


def test_migrations_are_a_job_with_the_compose_command():
    job = resources()[("Job", "adcmeet-migrate")]

    assert container(job)["command"] == compose()["services"]["migrate"]["command"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_databases_are_external_and_secrets_stay_out_of_the_config_map():
    r = resources()
    config = r[("ConfigMap", "adcmeet")]["data"]
    secret_keys = set(r[("Secret", "adcmeet")]["stringData"])

    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= secret_keys
    assert not {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD"} & set(config)
    assert not [kind for kind, _ in r if kind == "StatefulSet"]
    for name in ("adcmeet-web", "adcmeet-worker", "adcmeet-beat"):
        sources = container(r[("Deployment", name)])["envFrom"]
        assert {"configMapRef": {"name": "adcmeet"}} in sources
        assert {"secretRef": {"name": "adcmeet"}} in sources


def test_every_app_pod_runs_as_the_image_user_on_a_read_only_root():
    r = resources()
    for name in ("adcmeet-web", "adcmeet-worker", "adcmeet-beat"):
        pod = r[("Deployment", name)]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == 10001
        assert container(r[("Deployment", name)])["securityContext"]["readOnlyRootFilesystem"]
        mounts = {m["mountPath"] for m in container(r[("Deployment", name)])["volumeMounts"]}
        assert "/app/var" in mounts


def test_the_nightly_backup_checks_its_dump_before_keeping_it():
    job = resources()[("CronJob", "adcmeet-backup")]
    script = container(job)["command"][-1]

    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert "--format=custom" in script
    assert script.index("pg_restore --list") < script.index("mv ")
