"""A fleet repository in the official Flux examples' shape on an empty cluster's Git host: the
world of the end-to-end tests that start from nothing (bootstrap from zero, key recovery)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.controlplane import ControlPlane, ControlPlaneUnavailable
from tests.harness.empty_cluster import EmptyCluster, FluxControllersOnceInstalled
from tests.harness.git import git
from tests.harness.github_enterprise import GitHubEnterprise
from tests.harness.network import NetworkUnavailable
from tests.harness.sealed_secrets_controller import ControllerBehindTheChart

OWNER, REPOSITORY, TOKEN = "flux-test", "fleet", "ghe-test-token"

# A repository in the official Flux examples' shape: clusters/<name>, apps/base and an overlay.
FILES = {
    "clusters/production/apps.yaml": """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1m
  path: ./apps/production
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  healthChecks:
  - apiVersion: apps/v1
    kind: Deployment
    name: podinfo
    namespace: podinfo
  timeout: 2m
""",
    "apps/base/podinfo/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "apps/base/podinfo/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 2
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.7.0
""",
    "apps/production/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n",
    "apps/production/kustomization.yaml": "namespace: podinfo\nresources:\n- namespace.yaml\n- ../base/podinfo\n",
}


@dataclass
class World:
    cluster: EmptyCluster
    clone: Path
    env: dict[str, str]

    @property
    def plane(self) -> ControlPlane:
        return self.cluster.plane

    @property
    def github(self) -> GitHubEnterprise:
        return self.cluster.github

    @property
    def sealed_secrets(self) -> ControllerBehindTheChart:
        return self.cluster.sealed_secrets

    @property
    def controllers(self) -> FluxControllersOnceInstalled:
        return self.cluster.controllers

    def rebuild_cluster(self) -> None:
        """The cluster is lost and an empty one installed; Git and the laptop's clone remain."""
        self.cluster.rebuild()
        self.env["KUBECONFIG"] = str(self.cluster.plane.kubeconfig)

    def gitopsctl(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "gitopsctl", "--repo", str(self.clone), *args],
            capture_output=True, text=True, env=self.env, timeout=timeout,
        )  # fmt: skip
        assert self.controllers.failure is None, f"the Flux controllers did not start: {self.controllers.failure}"
        return result

    def origin_head(self) -> str:
        return git(self.github.repository(REPOSITORY), "rev-parse", "main")

    def interrupt_bootstrap_at(self, step_line: str) -> str:
        """Ctrl-C the bootstrap as soon as it says ``step_line`` has begun; its stderr."""
        process = subprocess.Popen(
            [sys.executable, "-m", "gitopsctl", "--repo", str(self.clone), "bootstrap"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=self.env, start_new_session=True,
        )  # fmt: skip
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if line.startswith(f"► {step_line}"):
                os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group
                break
        seen.append(process.stderr.read())
        assert process.wait(timeout=120) == 130, "".join(seen)
        return "".join(seen)

    def assert_bootstrapped_and_healthy(self) -> None:
        result = self.gitopsctl("bootstrap")
        assert result.returncode == 0, result.stderr + self.plane.log_tail()[-3000:]
        verify = self.gitopsctl("verify", "--wait", "--timeout=2m")
        assert verify.returncode == 0, verify.stderr


@contextlib.contextmanager
def fleet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str] | None = None, *, helm: bool = False
) -> Iterator[World]:
    """The empty cluster and the fleet repository (FILES and ``files``) pushed to its Git host;
    with ``helm``, helm-controller runs too."""
    # The host's CA bundle would win over the repository's http.sslCAInfo: this host has its own CA.
    monkeypatch.delenv("GIT_SSL_CAINFO", raising=False)
    try:
        cluster = EmptyCluster(tmp_path, OWNER, TOKEN, helm=helm).start()
    except (ControlPlaneUnavailable, NetworkUnavailable) as reason:  # no Go, or not root
        pytest.skip(f"the empty-cluster world cannot run here: {reason}")
    try:
        clone = tmp_path / "fleet"
        for relative, text in {**FILES, **(files or {}), "gitopsctl.toml": cluster.gitopsctl_toml(REPOSITORY)}.items():
            (clone / relative).parent.mkdir(parents=True, exist_ok=True)
            (clone / relative).write_text(text)
        cluster.github.create_repository(REPOSITORY)
        git(tmp_path, "init", "-q", "-b", "main", str(clone))
        git(clone, "config", "http.sslCAInfo", str(cluster.github.ca_file))
        git(clone, "remote", "add", "origin", cluster.github.clone_url(REPOSITORY))
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", "A fleet in the Flux examples' shape")
        git(clone, "push", "-q", "-u", "origin", "main")
        yield World(cluster, clone, cluster.environment(tmp_path))
    finally:
        cluster.stop()
