"""The Kubernetes manifests (deploy/kubernetes/) are valid resources, strictly (no field a
schema does not know), for the Kubernetes versions a school's cluster may run, and hold
what the app needs: probes on the health endpoint, a pre-stop wait, resources, cookie
affinity on the ingress, an autoscaler on CPU."""

from __future__ import annotations

import pytest
import yaml  # PyYAML: comes with kubernetes-validate (requirements-dev.txt)

from tests.deploy.conftest import ROOT, need

FOLDER = ROOT / "deploy" / "kubernetes"
VERSIONS = ("1.28", "1.30", "1.33")  # the oldest still common, and later ones


def _resources() -> dict[str, dict]:
    out = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out[doc["kind"]] = doc
    return out


@pytest.fixture(scope="module")
def validate():
    try:
        import kubernetes_validate
    except ImportError:
        need("kubernetes-validate is not installed (requirements-dev.txt)")
    return kubernetes_validate


def test_the_folder_holds_the_four_resources():
    assert sorted(_resources()) == ["Deployment", "HorizontalPodAutoscaler", "Ingress", "Service"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_strictly(validate, version):
    for doc in _resources().values():
        validate.validate(doc, version, strict=True)  # raises ValidationError


def test_the_validator_does_reject_a_wrong_field(validate):
    service = _resources()["Service"]
    service["spec"]["portz"] = service["spec"].pop("ports")
    with pytest.raises(validate.ValidationError):
        validate.validate(service, VERSIONS[-1], strict=True)


def test_the_deployment_probes_health_waits_before_stopping_and_is_sized():
    deployment = _resources()["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = container["ports"][0]
    assert port == {"name": "http", "containerPort": 8501}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/_stcore/health", "port": "http"}
    assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    wait = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert 0 < wait < pod["terminationGracePeriodSeconds"]
    resources = container["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"] == "1"
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert resources["requests"] == resources["limits"]  # Guaranteed: a core of its own
    assert pod["securityContext"]["runAsNonRoot"] is True
    labels = deployment["spec"]["selector"]["matchLabels"]
    assert _resources()["Service"]["spec"]["selector"] == labels


def test_the_ingress_keeps_a_browser_on_one_pod_and_the_autoscaler_watches_cpu():
    resources = _resources()
    notes = resources["Ingress"]["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # websockets
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"  # the frame stream
    backend = resources["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["name"] == resources["Service"]["metadata"]["name"]
    hpa = resources["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == resources["Deployment"]["metadata"]["name"]
    (metric,) = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert hpa["minReplicas"] >= 2
