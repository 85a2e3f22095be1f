"""From an empty cluster to a healthy one, with nothing faked that gitopsctl drives.

An empty control plane (no CRDs, no namespaces beyond the defaults) that runs workloads
(kube-controller-manager, kube-scheduler, kwok); a GitHub Enterprise host on loopback (HTTPS
with a CA of its own, git over HTTPS and over SSH with the deploy key flux registers); the real
flux CLI, helm and Sealed Secrets chart; the real source-, kustomize- and Sealed Secrets
controllers as processes. `gitopsctl bootstrap`, then `gitopsctl verify` says healthy, and a
second bootstrap changes nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
    plane: ControlPlane
    github: GitHubEnterprise
    sealed_secrets: ControllerBehindTheChart
    controllers: FluxControllersOnceInstalled
    clone: Path
    env: dict[str, str]

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


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # The host's CA bundle would win over the repository's http.sslCAInfo: this host has its own CA.
    monkeypatch.delenv("GIT_SSL_CAINFO", raising=False)
    try:
        cluster = EmptyCluster(tmp_path, OWNER, TOKEN).start()
    except (ControlPlaneUnavailable, NetworkUnavailable) as reason:  # no Go, or not root
        pytest.skip(f"the empty-cluster world cannot run here: {reason}")
    try:
        clone = tmp_path / "fleet"
        for relative, text in {**FILES, "gitopsctl.toml": cluster.gitopsctl_toml(REPOSITORY)}.items():
            (clone / relative).parent.mkdir(parents=True, exist_ok=True)
            (clone / relative).write_text(text)
        cluster.github.create_repository(REPOSITORY)
        git(tmp_path, "init", "-q", "-b", "main", str(clone))
        git(clone, "config", "http.sslCAInfo", str(cluster.github.ca_file))
        git(clone, "remote", "add", "origin", cluster.github.clone_url(REPOSITORY))
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", "A fleet in the Flux examples' shape")
        git(clone, "push", "-q", "-u", "origin", "main")
        yield World(
            cluster.plane, cluster.github, cluster.sealed_secrets, cluster.controllers, clone,
            cluster.environment(tmp_path),
        )  # fmt: skip
    finally:
        cluster.stop()


def test_bootstrap_from_an_empty_cluster_to_a_healthy_verify(world: World):
    started = time.monotonic()
    result = world.gitopsctl("bootstrap")
    assert result.returncode == 0, result.stderr + world.plane.log_tail()[-3000:]
    took = time.monotonic() - started
    # flux bootstrap created the deploy key over the API and pushed its manifests over HTTPS.
    keys = world.github.keys[REPOSITORY]
    assert [(key.title, key.read_only) for key in keys] == [
        ("flux-system-main-flux-system-./clusters/production", False)
    ]
    assert "clusters/production/flux-system/gotk-sync.yaml" in git(
        world.github.repository(REPOSITORY), "ls-tree", "-r", "--name-only", "main"
    )
    # The certificate was fetched from the real controller behind the chart's Service, and pinned.
    assert (world.clone / "flux/sealed-secrets/production/sealed-secrets-cert.pem").is_file()
    assert "cert_fingerprints" in (world.clone / "gitopsctl.toml").read_text()

    verify = world.gitopsctl("verify", "--wait", "--timeout=2m")
    assert verify.returncode == 0, verify.stderr
    assert "flux-system/apps" in verify.stderr and verify.stderr.endswith("✔ all healthy and in sync\n")

    head = world.origin_head()
    again = world.gitopsctl("bootstrap")
    assert again.returncode == 0, again.stderr
    assert "Flux is already bootstrapped with these settings" in again.stderr
    assert "is already installed" in again.stderr
    assert world.origin_head() == head
    print(f"bootstrap from zero took {took:.1f}s")


@pytest.mark.parametrize(
    ("step_line", "step"),
    [
        ("bootstrapping Flux", "flux"),
        ("installing Sealed Secrets", "sealed secrets"),
        ("storing the sealing certificate", "certificate"),
        ("verifying cluster", "verify"),
    ],
)
def test_ctrl_c_at_each_step_leaves_a_state_the_next_run_resumes_from(world: World, step_line: str, step: str):
    if step == "certificate":
        world.sealed_secrets.enabled.clear()  # hold the controller back, so the step is still waiting
    stderr = world.interrupt_bootstrap_at(step_line)
    assert stderr.rstrip().splitlines()[-1] == (
        f"✗ interrupted during the {step} step; run gitopsctl bootstrap again to resume"
    ), stderr
    world.sealed_secrets.enabled.set()
    world.assert_bootstrapped_and_healthy()


def test_a_failure_in_flux_bootstrap_resumes(world: World):
    """The GitHub host fails the deploy-key call once: flux bootstrap stops half-way (its component
    manifests pushed, no sync yet); the next run completes it."""
    world.github.failures["POST /api/v3/repos/flux-test/fleet/keys"] = 1
    failed = world.gitopsctl("bootstrap")
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.rstrip().splitlines()[-1].startswith("✗ bootstrap stopped at the flux step: flux failed"), (
        failed.stderr
    )
    world.assert_bootstrapped_and_healthy()


def test_a_controller_that_never_starts_fails_the_certificate_step_in_time_and_resumes(world: World):
    world.sealed_secrets.enabled.clear()
    failed = world.gitopsctl("bootstrap", "--timeout=20s")
    assert failed.returncode == 1, failed.stderr
    assert "◎ the Sealed Secrets controller has not made its first key yet" in failed.stderr
    assert "bootstrap stopped at the certificate step: no active sealing key Secret" in failed.stderr
    world.sealed_secrets.enabled.set()
    world.assert_bootstrapped_and_healthy()
