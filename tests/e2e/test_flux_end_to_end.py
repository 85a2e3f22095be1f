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
from tests.harness.flux_manifests import gotk_sync
from tests.harness.flux_state import FluxWorld
from tests.harness.git import git
from tests.harness.git_server import GitHttpServer
from tests.harness.kubectl_secrets import kubectl_docker_registry_data
from tests.harness.network import IsolatedNetwork, NetworkUnavailable
from tests.harness.sealed_secrets_controller import SealedSecretsController

CLUSTER = "flux/clusters/e2e"


@dataclass
class E2ECluster:
    plane: ControlPlane
    sealed_secrets: SealedSecretsController | None
    why_no_sealed_secrets: str = ""


@pytest.fixture(scope="module")
def e2e() -> Iterator[E2ECluster]:
    network: IsolatedNetwork | None = None
    reason = ""
    try:
        network = IsolatedNetwork().create()
    except NetworkUnavailable as error:
        reason = str(error)
    try:
        plane = start_control_plane(network.host_ip if network else "127.0.0.1")
    except ControlPlaneUnavailable as error:
        if network:
            network.delete()
        pytest.skip(f"control plane unavailable: {error}")
    try:
        plane.kubectl("create", "namespace", "flux-system")
        FluxControllers(plane).start()
        sealed = SealedSecretsController(plane, network).start() if network else None
        world = FluxWorld(plane)
        # The controllers run as processes here; these Deployments stand for them in verify.
        names = ("source-controller", "kustomize-controller", "sealed-secrets-controller")
        world.apply("".join(_stand_in(name) for name in names))
        for name in names:
            world.deployment_available(name, "flux-system")
        yield E2ECluster(plane, sealed, reason)
    finally:
        plane.stop()
        if network:
            network.delete()


@pytest.fixture(scope="module")
def flux_cluster(e2e: E2ECluster) -> ControlPlane:
    return e2e.plane


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
    # The loopback server needs no credentials, so no secretRef.
    result.write(
        f"{CLUSTER}/flux-system/gotk-sync.yaml",
        gotk_sync(f"{server.url}/gitops.git", "main", f"./{CLUSTER}", interval="10m", secret=None),
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
    result.write(
        f"{CLUSTER}/sealed-secrets.yaml",
        """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: sealed-secrets
  namespace: flux-system
spec:
  interval: 10m
  path: ./flux/sealed-secrets/e2e
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
""",
    )
    result.write(
        "flux/sealed-secrets/e2e/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
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


def test_sealed_secret_from_seal_to_secret_in_the_cluster(run_cli, e2e, repo, tmp_path):
    if e2e.sealed_secrets is None:
        pytest.skip(f"no test network for the Sealed Secrets controller: {e2e.why_no_sealed_secrets}")
    base = ["--repo", str(repo.clone)]
    # The certificate through the API server's service proxy, as kubeseal fetches it.
    fetched = run_cli(*base, "seal", "fetch-cert")
    assert fetched.exit_code == 0, fetched.stderr
    password = "pa$$w0rd-e2e"
    sealed = run_cli(
        *base,
        "seal",
        "harbor-creds",
        "--no-check",
        "--username",
        "robot$e2e+ci",
        "--password-stdin",
        "-n",
        "default",
        input=password,
    )
    assert sealed.exit_code == 0, sealed.stderr
    repo.commit_and_push("Seal the Harbor credentials")
    synced = run_cli(*base, "sync", "--wait", "--timeout", "120s")
    assert synced.exit_code == 0, synced.stderr
    secret = json.loads(e2e.plane.kubectl("get", "secret", "harbor-credentials", "-n", "default", "-o", "json").stdout)
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert secret["data"] == kubectl_docker_registry_data("robot$e2e+ci", password)

    verified = run_cli(*base, "seal", "verify")
    assert verified.exit_code == 0, verified.stderr
    path = repo.clone / "flux/sealed-secrets/e2e/default.harbor-credentials.yaml"
    before = path.read_text()
    reencrypted = run_cli(*base, "seal", "reencrypt", str(path))
    assert reencrypted.exit_code == 0, reencrypted.stderr
    assert path.read_text() != before
    assert run_cli(*base, "seal", "verify", str(path)).exit_code == 0
    keys = e2e.sealed_secrets.keys_dir(tmp_path)
    opened = run_cli("unseal", str(path), *[a for k in keys for a in ("--private-key", str(k))], "-o", "json")
    assert json.loads(opened.stdout)["data"] == secret["data"]


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
