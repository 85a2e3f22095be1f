"""End to end with the real Flux controllers: push → reconcile → verify; rollback → applied.

A control plane of its own (etcd, kube-apiserver, source-controller, kustomize-controller),
so the real controllers never touch the objects other tests write by hand. The GitOps
repository is served over smart HTTP on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.controlplane import ControlPlane, ControlPlaneUnavailable, start_control_plane
from tests.harness.flux_controllers import FluxControllers
from tests.harness.flux_state import FluxWorld
from tests.harness.git import git
from tests.harness.git_server import GitHttpServer

CLUSTER = "flux/clusters/e2e"


@pytest.fixture(scope="module")
def flux_cluster() -> Iterator[ControlPlane]:
    try:
        plane = start_control_plane()
    except ControlPlaneUnavailable as reason:
        pytest.skip(f"control plane unavailable: {reason}")
    try:
        plane.kubectl("create", "namespace", "flux-system")
        FluxControllers(plane).start()
        world = FluxWorld(plane)
        # The controllers run as processes here; these Deployments stand for them in verify.
        world.apply(
            "".join(
                _stand_in(name) for name in ("source-controller", "kustomize-controller", "sealed-secrets-controller")
            )
        )
        for name in ("source-controller", "kustomize-controller", "sealed-secrets-controller"):
            world.deployment_available(name, "flux-system")
        yield plane
    finally:
        plane.stop()


@dataclass
class Repo:
    clone: Path
    origin: Path

    def write(self, relative: str, text: str) -> None:
        path = self.clone / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def commit_and_push(self, message: str) -> str:
        git(self.clone, "add", "-A")
        git(self.clone, "commit", "-q", "-m", message)
        git(self.clone, "push", "-q", "origin", "main")
        return git(self.clone, "rev-parse", "HEAD")


@pytest.fixture
def repo(flux_cluster, tmp_path, monkeypatch) -> Iterator[Repo]:
    server_root = tmp_path / "served"
    server_root.mkdir()
    origin = server_root / "gitops.git"
    git(server_root, "init", "-q", "--bare", "-b", "main", str(origin))
    server = GitHttpServer(server_root).start()
    clone = tmp_path / "gitops"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "main")
    result = Repo(clone, origin)
    result.write(
        "gitopsctl.toml",
        '[cluster]\nname = "e2e"\n\n[flux]\ncomponents_extra = []\n'
        'components = ["source-controller", "kustomize-controller"]\n',
    )
    result.write(
        f"{CLUSTER}/flux-system/gotk-sync.yaml",
        f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  ref:
    branch: main
  url: {server.url}/gitops.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./{CLUSTER}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
""",
    )
    result.write(
        f"{CLUSTER}/apps.yaml",
        """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./flux/apps
  prune: true
  dependsOn:
  - name: flux-system
  sourceRef:
    kind: GitRepository
    name: flux-system
""",
    )
    result.write("flux/apps/settings.yaml", _config_map("2"))
    result.commit_and_push("GitOps layout for the end-to-end cluster")
    monkeypatch.setenv("KUBECONFIG", str(flux_cluster.kubeconfig))
    # What flux bootstrap applies by hand once; from here on Flux manages itself.
    flux_cluster.kubectl("apply", "-f", str(clone / CLUSTER / "flux-system" / "gotk-sync.yaml"))
    yield result
    flux_cluster.kubectl(
        "delete",
        "kustomizations.kustomize.toolkit.fluxcd.io,gitrepositories.source.toolkit.fluxcd.io",
        "--all",
        "-n",
        "flux-system",
        "--wait=true",
        "--timeout=60s",
        check=False,
    )
    server.stop()


def replicas(plane: ControlPlane) -> str:
    output = plane.kubectl("get", "configmap", "frontend-settings", "-n", "default", "-o", "json").stdout
    return str(json.loads(output)["data"]["replicas"])


def test_push_reconcile_verify_then_rollback(run_cli, flux_cluster, repo):
    first = run_cli("--repo", str(repo.clone), "verify", "--wait", "--timeout", "120s")
    assert first.exit_code == 0, first.stderr
    assert replicas(flux_cluster) == "2"

    repo.write("flux/apps/settings.yaml", _config_map("5"))
    bad = repo.commit_and_push("Scale the frontend to 5")
    synced = run_cli("--repo", str(repo.clone), "sync", "--wait", "--timeout", "120s")
    assert synced.exit_code == 0, synced.stderr
    assert f"applied {bad[:8]}" in synced.stderr
    assert replicas(flux_cluster) == "5"

    rolled = run_cli("--repo", str(repo.clone), "rollback", bad[:10], "--reason", "e2e", "--timeout", "120s")
    assert rolled.exit_code == 0, rolled.stderr
    assert "✔ all healthy and in sync" in rolled.stderr
    assert replicas(flux_cluster) == "2"
    head = git(repo.origin, "rev-parse", "main")
    applied = json.loads(
        flux_cluster.kubectl(
            "get", "kustomizations.kustomize.toolkit.fluxcd.io", "apps", "-n", "flux-system", "-o", "json"
        ).stdout
    )["status"]["lastAppliedRevision"]
    assert applied == f"main@sha1:{head}"


def _config_map(replicas: str) -> str:
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: frontend-settings
  namespace: default
data:
  replicas: "{replicas}"
"""


def _stand_in(name: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: flux-system}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: manager, image: "local/{name}"}}]}}
---
"""
