"""From an empty cluster to a healthy one, with nothing faked that gitopsctl drives.

An empty control plane (no CRDs, no namespaces beyond the defaults) that runs workloads
(kube-controller-manager, kube-scheduler, kwok); a GitHub Enterprise host on loopback (HTTPS
with a CA of its own, git over HTTPS and over SSH with the deploy key flux registers); the real
flux CLI, helm and Sealed Secrets chart; the real source-, kustomize- and Sealed Secrets
controllers as processes. `gitopsctl bootstrap`, then `gitopsctl verify` says healthy, and a
second bootstrap changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.fleet import REPOSITORY, World, fleet
from tests.harness.git import git


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with fleet(tmp_path, monkeypatch) as started:
        yield started


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
