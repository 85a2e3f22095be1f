"""From an empty cluster to a healthy one, with nothing faked that gitopsctl drives.

An empty control plane (no CRDs, no namespaces beyond the defaults) that runs workloads
(kube-controller-manager, kube-scheduler, kwok); a GitHub Enterprise host on loopback (HTTPS
with a CA of its own, git over HTTPS and over SSH with the deploy key flux registers); the real
flux CLI, helm and Sealed Secrets chart; the real source-, kustomize- and Sealed Secrets
controllers as processes. `gitopsctl bootstrap`, then `gitopsctl verify` says healthy, and a
second bootstrap changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.controlplane import BIN
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


def flux_untouched(world: World) -> None:
    """Nothing of Flux anywhere: no namespace, no CRD, no deploy key, nothing pushed."""
    assert world.plane.kubectl("get", "namespace", "flux-system", check=False).returncode != 0
    assert "toolkit.fluxcd.io" not in world.plane.kubectl("get", "crds", "-o", "name").stdout
    assert world.github.keys.get(REPOSITORY, []) == []


def test_bad_credentials_and_hosts_stop_before_anything_changes(world: World):
    """A token without the scope, a wrong hostname, a certificate gitopsctl cannot trust: each is
    one line naming it and the fix, exit 3, and the cluster and the Git host as they were."""
    head = world.origin_head()
    config = world.clone / "gitopsctl.toml"
    original = config.read_text()

    world.github.scopes = "read:user, user:email"
    scoped = world.gitopsctl("bootstrap")
    world.github.scopes = "repo"
    assert scoped.returncode == 3, scoped.stderr
    assert "classic token lacks the 'repo' scope (has: read:user, user:email); flux bootstrap github needs it" in (
        scoped.stderr
    )

    config.write_text(original.replace(world.github.hostname, "localhost:1"))
    wrong_host = world.gitopsctl("bootstrap")
    assert wrong_host.returncode == 3, wrong_host.stderr
    assert "cannot reach https://localhost:1/api/v3 (ConnectionError); check the network or github.api_url" in (
        wrong_host.stderr
    )

    config.write_text("".join(line for line in original.splitlines(True) if not line.startswith("ca_file")))
    untrusted = world.gitopsctl("bootstrap")
    assert untrusted.returncode == 3, untrusted.stderr
    assert f"the certificate of https://{world.github.hostname}/api/v3 is not trusted" in untrusted.stderr
    assert "set github.ca_file in gitopsctl.toml to the CA that signed it" in untrusted.stderr

    config.write_text(original)
    for result in (scoped, wrong_host, untrusted):
        assert "✗ prerequisites are missing; nothing was changed" in result.stderr
        assert "Traceback" not in result.stderr
    flux_untouched(world)
    assert world.origin_head() == head


def test_a_half_installed_and_an_older_flux_are_completed_and_upgraded(world: World):
    """Flux's CRDs with nothing else (an install that died), then Flux without its controllers,
    then an older Flux: the real flux bootstrap completes or upgrades each, and verify is healthy.
    Only v2.9.5's manifests are here, so "older" is the version label an older flux install wrote."""
    crds = subprocess.run(
        [str(BIN / "flux"), "install", "--export"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    only_crds = "\n---\n".join(doc for doc in crds.split("\n---\n") if "kind: CustomResourceDefinition" in doc)
    world.plane.kubectl("apply", "--server-side", "-f", "-", stdin=only_crds)
    world.assert_bootstrapped_and_healthy()

    controllers = ("deployment/source-controller", "deployment/kustomize-controller")
    world.plane.kubectl("delete", *controllers, "-n", "flux-system")
    half = world.gitopsctl("bootstrap")
    assert half.returncode == 0, half.stderr
    assert "⚠ Flux is half-installed (no source-controller, kustomize-controller): flux bootstrap completes it" in (
        half.stderr
    )
    world.plane.kubectl("get", *controllers, "-n", "flux-system")

    world.plane.kubectl("label", "namespace", "flux-system", "app.kubernetes.io/version=v2.7.0", "--overwrite")
    older = world.gitopsctl("bootstrap")
    assert older.returncode == 0, older.stderr
    assert "► Flux v2.7.0 is installed: flux bootstrap upgrades it to 2.9.5" in older.stderr
    labels = json.loads(world.plane.kubectl("get", "namespace", "flux-system", "-o", "json").stdout)["metadata"]
    assert labels["labels"]["app.kubernetes.io/version"] == "v2.9.5"
    verify = world.gitopsctl("verify", "--wait", "--timeout=2m")
    assert verify.returncode == 0, verify.stderr


def test_a_cluster_folder_flux_cannot_apply_stops_before_anything_changes(world: World):
    """The repository on the server already has content at the cluster folder, and the real
    flux bootstrap would push, install, then fail its first sync on it (it applies the folder in
    one go): an object in a namespace that only a later Kustomization creates, then a file that
    is not YAML. Each is one line naming the file and the fix, exit 2, nothing changed."""
    misplaced = """apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-settings
  namespace: podinfo
data:
  colour: blue
"""
    (world.clone / "clusters/production/podinfo-settings.yaml").write_text(misplaced)
    git(world.clone, "add", "-A")
    git(world.clone, "commit", "-q", "-m", "Settings next to the cluster's Kustomizations")
    git(world.clone, "push", "-q", "origin", "main")
    # A teammate's push, say: the server has it and this clone does not; the server's is what Flux syncs.
    git(world.clone, "reset", "-q", "--hard", "HEAD~1")

    namespace = world.gitopsctl("bootstrap")
    assert namespace.returncode == 2, namespace.stderr
    assert (
        "✗ flux bootstrap would fail its first sync of clusters/production (origin/main): ConfigMap "
        "podinfo/podinfo-settings (clusters/production/podinfo-settings.yaml) goes into namespace podinfo, "
        "which neither the cluster nor this folder creates"
    ) in namespace.stderr

    git(world.clone, "pull", "-q", "--ff-only")
    (world.clone / "clusters/production/podinfo-settings.yaml").write_text("colour: [blue\n")
    git(world.clone, "commit", "-q", "-am", "Not YAML")
    git(world.clone, "push", "-q", "origin", "main")
    head = world.origin_head()
    broken = world.gitopsctl("bootstrap")
    assert broken.returncode == 2, broken.stderr
    assert "✗ flux bootstrap would fail its first sync of clusters/production (origin/main): kustomize" in (
        broken.stderr
    )
    assert "podinfo-settings.yaml" in broken.stderr

    for result in (namespace, broken):
        assert "fix the cluster folder on origin/main, or bootstrap another folder (--cluster)" in result.stderr
        assert "Traceback" not in result.stderr
    flux_untouched(world)
    assert world.origin_head() == head
    assert git(world.clone, "status", "--porcelain") == ""
