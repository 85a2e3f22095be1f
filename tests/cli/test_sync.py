"""gitopsctl sync: ask Flux to reconcile now (the requestedAt annotation), and with --wait, watch."""

from __future__ import annotations

import json

import pytest

from tests.harness.flux_state import FluxWorld

REMOTE_URL = "ssh://git@github.com/homelab-operator/homelab-gitops"
REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"


@pytest.fixture
def world(cluster) -> FluxWorld:
    return FluxWorld(cluster)


def requested(cluster, resource: str) -> dict[str, str]:
    items = json.loads(cluster.kubectl("get", resource, "-n", "flux-system", "-o", "json").stdout)["items"]
    return {i["metadata"]["name"]: (i["metadata"].get("annotations") or {}).get(REQUESTED_AT, "") for i in items}


def test_every_source_and_kustomization_is_asked_once(gitopsctl, world, cluster, git_world):
    world.healthy(REMOTE_URL, git_world.head())
    result = gitopsctl(f"--repo {git_world.clone} sync")
    assert result.exit_code == 0, result.stderr
    assert "  asked 6 object(s) to reconcile now" in result.stderr
    stamps = {**requested(cluster, "gitrepositories"), **requested(cluster, "kustomizations")}
    assert len(stamps) == 6 and all(stamps.values()) and len(set(stamps.values())) == 1


def test_a_suspended_kustomization_is_named_not_asked_silently(gitopsctl, world, cluster, git_world):
    world.healthy(REMOTE_URL, git_world.head())
    cluster.kubectl(
        "patch", "kustomization", "ingress", "-n", "flux-system", "--type=merge", "-p", '{"spec":{"suspend":true}}'
    )
    result = gitopsctl(f"--repo {git_world.clone} sync")
    assert result.exit_code == 0, result.stderr
    assert "⚠ Kustomization flux-system/ingress is suspended and was not asked to reconcile" in result.stderr


def test_nothing_to_ask_is_a_warning(gitopsctl, cluster, git_world):
    result = gitopsctl(f"--repo {git_world.clone} sync")
    assert result.exit_code == 0
    assert "⚠ no Flux source, Kustomization or HelmRelease found: is Flux bootstrapped?" in result.stderr


def test_wait_exits_4_when_the_cluster_does_not_get_there(gitopsctl, world, git_world):
    world.healthy(REMOTE_URL, git_world.head())
    world.kustomization_failed("frontend", "BuildFailed", "kustomize build failed: missing resource")
    result = gitopsctl(f"--repo {git_world.clone} sync --wait --timeout 2s")
    assert result.exit_code == 4
    assert result.stderr.splitlines()[-1].startswith(
        "✗ timed out: 1 not healthy: Kustomization flux-system/frontend: BuildFailed"
    )


def test_wait_returns_at_once_when_healthy(gitopsctl, world, git_world):
    world.healthy(REMOTE_URL, git_world.head())
    result = gitopsctl(f"--repo {git_world.clone} sync --wait --timeout 30s")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "✔ all healthy and in sync"
