"""Live verify, sync --wait and rollback's wait on a cluster shaped like public Flux repositories:
a HelmRelease from a chart repository, manifests from an OCI artifact, an application repository
as a second GitRepository. Everything real: the empty-cluster world bootstrapped by gitopsctl with
the real flux, source-, kustomize- and helm-controller as processes, kwok running the Pods the
charts create, the artifact pushed by `flux push artifact` to the registry with basic auth.

One world for the module (bootstrapping it takes a minute); the tests run in order and each
leaves it healthy, but the last, which breaks a release on purpose.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.controlplane import BIN
from tests.harness.empty_cluster import REGISTRY_PASSWORD, REGISTRY_USER
from tests.harness.fleet import World, fleet
from tests.harness.git import git
from tests.harness.git_server import GitHttpServer
from tests.harness.kubectl_secrets import kubectl_docker_registry_data

CHART_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
      - name: hello
        image: "registry.lan/hello:{{ .Chart.AppVersion }}"
"""


def helm_release(name: str, replicas: int, *, depends: str = "") -> str:
    depends_on = f"\n  dependsOn:\n  - name: {depends}" if depends else ""
    return f"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: hello
spec:
  interval: 1m{depends_on}
  chart:
    spec:
      chart: hello
      version: "1.x"
      interval: 1m
      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}
  values:
    replicaCount: {replicas}
"""


def kustomization(name: str, source_kind: str, source: str, path: str, extra: str = "") -> str:
    return f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef: {{kind: {source_kind}, name: {source}}}{extra}
"""


def config_map(name: str, value: str) -> str:
    metadata = f"{{name: {name}, namespace: default}}"
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {metadata}\ndata: {{version: '{value}'}}\n"


def source_objects(charts: str, registry: str, app_server: str) -> str:
    return f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: charts, namespace: flux-system}}
spec: {{interval: 1m, url: "{charts}"}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: manifests, namespace: flux-system}}
spec:
  interval: 10m
  url: oci://{registry}/fleet/manifests
  ref: {{tag: latest}}
  insecure: true
  secretRef: {{name: registry-credentials}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: hello-app, namespace: flux-system}}
spec: {{interval: 10m, url: "{app_server}/hello-app.git", ref: {{branch: main}}}}
"""


@dataclass
class Sources:
    world: World
    app_clone: Path

    def gitopsctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.world.gitopsctl(*args)

    def ok(self, *args: str) -> str:
        result = self.gitopsctl(*args)
        assert result.returncode == 0, (
            f"gitopsctl {' '.join(args)}:\n{result.stderr}\n{self.world.plane.log_tail()[-4000:]}"
        )
        return result.stderr

    def get(self, kind: str, name: str, namespace: str) -> dict:
        return json.loads(self.world.plane.kubectl("get", kind, name, "-n", namespace, "-o", "json").stdout)

    def config_value(self, name: str) -> str:
        return str(self.get("configmap", name, "default")["data"]["version"])

    def push_fleet(self, files: dict[str, str], message: str) -> str:
        for relative, text in files.items():
            (self.world.clone / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.world.clone / relative).write_text(text)
        git(self.world.clone, "add", "-A")
        git(self.world.clone, "commit", "-q", "-m", message)
        git(self.world.clone, "push", "-q", "origin", "main")
        return git(self.world.clone, "rev-parse", "HEAD")

    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, (
                f"{what}: not within {timeout:.0f}s\n{self.world.plane.log_tail()[-3000:]}"
            )
            time.sleep(0.3)


def push_artifact(registry: str, folder: Path, revision: str) -> None:
    """What a CI job publishes for Flux to pull: the real `flux push artifact`, basic auth, plain HTTP."""
    result = subprocess.run(
        [str(BIN / "flux"), "push", "artifact", f"oci://{registry}/fleet/manifests:latest", f"--path={folder}",
         "--source=https://git.lan/fleet", f"--revision={revision}", "--insecure-registry",
         f"--creds={REGISTRY_USER}:{REGISTRY_PASSWORD}", "--timeout=60s"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, test_bin: Path) -> Iterator[Sources]:
    workdir = tmp_path_factory.mktemp("sources")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # The per-test environment is not set up yet for a module's fixture: the same PATH.
        monkeypatch.setenv("PATH", f"{test_bin}:/usr/bin:/bin")
        with fleet(workdir, monkeypatch, helm=True) as world:
            yield from _bootstrapped(world, workdir)


def _bootstrapped(world: World, workdir: Path) -> Iterator[Sources]:
    """The fleet with a chart repository, an OCI artifact and an application repository, bootstrapped and synced."""
    cluster = world.cluster
    # A chart repository's release, an OCI artifact from CI, an application's own repository.
    cluster.charts.add_chart("hello", "1.0.0", {"deployment.yaml": CHART_TEMPLATE}, "replicaCount: 1\n")
    manifests = workdir / "oci-manifests"
    manifests.mkdir()
    (manifests / "settings.yaml").write_text(config_map("oci-settings", "1"))
    push_artifact(cluster.registry.host, manifests, "main@sha1:" + "1" * 40)
    served = workdir / "app-served"
    served.mkdir()
    git(served, "init", "-q", "--bare", "-b", "main", str(served / "hello-app.git"))
    app_server = GitHttpServer(served).start()
    app_clone = workdir / "hello-app"
    git(workdir, "clone", "-q", str(served / "hello-app.git"), str(app_clone))
    git(app_clone, "checkout", "-q", "-b", "main")
    (app_clone / "deploy").mkdir()
    (app_clone / "deploy" / "settings.yaml").write_text(config_map("app-settings", "1"))
    git(app_clone, "add", "-A")
    git(app_clone, "commit", "-q", "-m", "The application's manifests")
    git(app_clone, "push", "-q", "origin", "main")
    result = Sources(world, app_clone)
    result.push_fleet(
        {
            "clusters/production/sources.yaml": source_objects(
                cluster.charts.url, cluster.registry.host, app_server.url
            ),
            "clusters/production/infrastructure.yaml": kustomization(
                "infrastructure",
                "GitRepository",
                "flux-system",
                "./infrastructure",
                "\n  wait: true\n  timeout: 3m",
            ),
            "clusters/production/oci-settings.yaml": kustomization("oci-settings", "OCIRepository", "manifests", "./"),
            "clusters/production/hello-app.yaml": kustomization("hello-app", "GitRepository", "hello-app", "./deploy"),
            # Not waited for by its Kustomization (no wait: true): only verify's own judgement of the
            # HelmRelease keeps a wait going until helm-controller has released a change.
            "clusters/production/releases.yaml": kustomization(
                "releases", "GitRepository", "flux-system", "./releases", "\n  dependsOn:\n  - name: infrastructure"
            ),
            "infrastructure/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: hello}\n",
            "releases/hello.yaml": helm_release("hello", 1),
        },
        "Infrastructure from a chart, settings from an OCI artifact, an application repository",
    )
    result.ok("bootstrap")
    # The registry's credentials, as an operator creates them by hand (or a SealedSecret does).
    data = kubectl_docker_registry_data(REGISTRY_USER, REGISTRY_PASSWORD, server=cluster.registry.host)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": "registry-credentials", "namespace": "flux-system"},
        "data": data,
    }
    world.plane.kubectl("apply", "-f", "-", stdin=json.dumps(secret))
    result.ok("sync", "--wait", "--timeout=4m")
    try:
        yield result
    finally:
        app_server.stop()


def test_verify_judges_each_source_on_its_own_and_shows_the_helm_release(sources: Sources):
    report = json.loads(sources.gitopsctl("verify", "-o", "json").stdout)
    assert report["healthy"] is True, report
    findings = {f["subject"]: f for f in report["findings"]}
    assert findings["HelmRelease hello/hello"]["detail"] == "hello@1.0.0 deployed (release 1), wanted hello@1.x"
    assert findings["OCIRepository flux-system/manifests"]["detail"].startswith("ready at sha256:")
    assert findings["HelmRepository flux-system/charts"]["status"] == "ok"
    assert findings["HelmChart flux-system/hello-hello"]["detail"] == "ready at 1.0.0"
    assert findings["GitRepository flux-system/hello-app"]["detail"].startswith("in sync with branch main at ")
    assert findings["Kustomization flux-system/oci-settings"]["detail"].startswith("applied sha256:")
    # The HelmRelease sits after the Kustomization that applies it.
    levels = {key: depth for depth, level in enumerate(report["order"]) for key in level}
    assert levels["flux-system/infrastructure"] < levels["flux-system/releases"] < levels["HelmRelease/hello/hello"]
    assert sources.config_value("oci-settings") == "1"
    assert sources.config_value("app-settings") == "1"
    assert sources.get("deployment", "hello", "hello")["status"]["availableReplicas"] == 1

    # The application repository moves on: verify knows from its remote that Flux is behind, and
    # sync --wait brings it and what it applies up to date.
    (sources.app_clone / "deploy" / "settings.yaml").write_text(config_map("app-settings", "2"))
    git(sources.app_clone, "commit", "-q", "-am", "Version 2 of the application's settings")
    git(sources.app_clone, "push", "-q", "origin", "main")
    pushed = git(sources.app_clone, "rev-parse", "HEAD")
    behind = sources.gitopsctl("verify")
    assert behind.returncode == 4, behind.stderr
    assert "behind its remote: has " in behind.stderr and f"branch main is at {pushed[:8]}" in behind.stderr
    synced = sources.ok("sync", "--wait", "--timeout=2m")
    assert "✔ all healthy and in sync" in synced
    assert sources.config_value("app-settings") == "2"


def test_a_new_chart_release_is_waited_for_and_a_rollback_waits_for_the_release(sources: Sources):
    sources.world.cluster.charts.add_chart("hello", "1.1.0", {"deployment.yaml": CHART_TEMPLATE}, "replicaCount: 1\n")
    sources.ok("sync", "--wait", "--timeout=3m")
    release = sources.get("helmreleases.helm.toolkit.fluxcd.io", "hello", "hello")
    assert release["status"]["history"][0]["chartVersion"] == "1.1.0"

    scaled = sources.push_fleet({"releases/hello.yaml": helm_release("hello", 3)}, "Three replicas of hello")
    sources.ok("sync", "--wait", "--timeout=3m")
    assert sources.get("deployment", "hello", "hello")["spec"]["replicas"] == 3

    rolled = sources.ok("rollback", scaled[:10], "--reason", "too many replicas", "--timeout=3m")
    assert "✔ all healthy and in sync" in rolled
    # The wait ended only once helm-controller had released the revert, not just once it was applied.
    assert sources.get("deployment", "hello", "hello")["spec"]["replicas"] == 1
    history = sources.get("helmreleases.helm.toolkit.fluxcd.io", "hello", "hello")["status"]["history"]
    assert history[0]["status"] == "deployed" and history[0]["version"] >= 4


def test_a_failing_helm_release_shows_the_controllers_message_and_what_waits_for_it(sources: Sources):
    sources.push_fleet(
        {
            "infrastructure/broken.yaml": helm_release("broken", -1),
            "infrastructure/after-broken.yaml": helm_release("after-broken", 1, depends="broken"),
        },
        "A release whose values the API server refuses, and one that depends on it",
    )
    sources.ok("sync")

    def install_failed() -> bool:
        found = sources.world.plane.kubectl(
            "get", "helmreleases.helm.toolkit.fluxcd.io", "broken", "-n", "hello", "-o", "json", check=False
        )
        release = json.loads(found.stdout) if found.returncode == 0 else {}
        conditions = {c["type"]: c for c in release.get("status", {}).get("conditions", [])}
        return conditions.get("Released", {}).get("status") == "False"

    sources.wait_until("helm-controller fails the install", install_failed)
    result = sources.gitopsctl("verify")
    assert result.returncode == 4, result.stderr
    line = next(line for line in result.stderr.splitlines() if "HelmRelease hello/broken" in line)
    assert "spec.replicas" in line and "must be greater than or equal to 0" in line, result.stderr
    assert "needed by HelmRelease hello/after-broken, Kustomization flux-system/infrastructure" in line
