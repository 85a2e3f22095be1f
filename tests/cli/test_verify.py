"""gitopsctl verify against a real API server holding upstream-shaped Flux objects."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness.flux_state import FluxWorld
from tests.harness.golden import assert_golden, normalise

REMOTE_URL = "ssh://git@github.com/homelab-operator/homelab-gitops"


@pytest.fixture
def world(cluster) -> FluxWorld:
    return FluxWorld(cluster)


def verify(run_cli, git_world, *args):
    return run_cli("--repo", str(git_world.clone), "verify", *args)


def squash(text: str) -> str:
    return re.sub(r" +", " ", text)


def kubeconfig_for(path: Path, server: str) -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
        f"    server: {server}\n    insecure-skip-tls-verify: true\n"
        "users:\n- name: u\n  user:\n    token: test-token\n"
        "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
    )
    return path


def test_all_healthy_matches_the_golden_output(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    result = verify(run_cli, git_world)
    assert result.exit_code == 0, result.stderr
    assert_golden("verify_healthy.txt", normalise(result.stderr, shas=(head,)))


def test_json_report(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    result = verify(run_cli, git_world, "-o", "json")
    report = json.loads(result.stdout)
    assert report["healthy"] is True and report["target"] == head
    assert report["order"] == [
        ["flux-system/sealed-secrets"],
        ["flux-system/frontend", "flux-system/image-automation"],
        ["flux-system/backend-deploy", "flux-system/ingress"],
    ]


def test_failing_health_checks(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.deployment_available("frontend", "default", available=False)
    world.kustomization_failed(
        "frontend",
        "HealthCheckFailed",
        "timeout waiting for: [Deployment/default/frontend status: 'InProgress']",
        applied=head,
        attempted=head,
        healthy="False",
    )
    result = verify(run_cli, git_world)
    assert result.exit_code == 4
    assert (
        "✗ flux-system/frontend HealthCheckFailed: timeout waiting for: "
        "[Deployment/default/frontend status: 'InProgress']"
    ) in squash(result.stderr)
    assert "◎ Deployment default/frontend" in result.stderr


def test_dependency_not_ready_is_traced_to_its_root(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.kustomization_failed("sealed-secrets", "BuildFailed", "kustomize build failed: missing resource")
    world.kustomization_failed("frontend", "DependencyNotReady", "dependency 'flux-system/sealed-secrets' is not ready")
    world.kustomization_failed("ingress", "DependencyNotReady", "dependency 'flux-system/frontend' is not ready")
    result = verify(run_cli, git_world)
    assert result.exit_code == 4
    assert "✗ flux-system/ingress DependencyNotReady: blocked by flux-system/sealed-secrets" in squash(result.stderr)
    assert "✗ flux-system/sealed-secrets BuildFailed: kustomize build failed" in squash(result.stderr)
    # The whole failing report, as the operator sees it.
    assert_golden("verify_dependency_not_ready.txt", normalise(result.stderr, shas=(head,)))


def test_source_behind_the_remote_head(run_cli, world, git_world):
    old = git_world.head()
    world.healthy(REMOTE_URL, old)
    new = git_world.commit_file("flux/apps/frontend/note.txt", "x", "A change not yet fetched by Flux")
    subprocess.run(["git", "push", "-q", "origin", "main"], cwd=git_world.clone, check=True)
    result = verify(run_cli, git_world)
    assert result.exit_code == 4
    assert f"behind by 1 commit: has {old[:8]}, the branch head is {new[:8]}" in result.stderr
    assert f"applied {old[:8]}, waiting for {new[:8]}" in result.stderr


def test_suspended_automation_is_a_warning_only(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.image_automation(suspended=True)
    result = verify(run_cli, git_world)
    assert result.exit_code == 0, result.stderr
    assert "⚠ ImageUpdateAutomation flux-system/flux-system" in result.stderr
    assert "resume with gitopsctl images resume flux-system" in result.stderr


def test_stalled_object(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.set_status(
        "kustomizations",
        "flux-system",
        "ingress",
        {
            "conditions": [
                {
                    "type": "Stalled",
                    "status": "True",
                    "reason": "InvalidCELExpression",
                    "message": "bad healthCheckExprs",
                    "lastTransitionTime": "2026-11-26T00:00:00Z",
                },
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "InvalidCELExpression",
                    "message": "bad healthCheckExprs",
                    "lastTransitionTime": "2026-11-26T00:00:00Z",
                },
            ]
        },
    )
    result = verify(run_cli, git_world)
    assert result.exit_code == 4
    assert "stalled: InvalidCELExpression: bad healthCheckExprs" in result.stderr


def test_empty_cluster(run_cli, cluster, git_world):
    result = verify(run_cli, git_world)
    assert result.exit_code == 4
    assert "no Flux objects found: run gitopsctl bootstrap" in result.stderr
    assert "Deployment flux-system/source-controller not found" in result.stderr


def test_unreachable_cluster_is_one_line_exit_1(run_cli, git_world, tmp_path):
    config = kubeconfig_for(tmp_path / "kubeconfig", "https://127.0.0.1:9")
    result = run_cli("--repo", str(git_world.clone), "--kubeconfig", str(config), "verify")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("✗ the cluster is unreachable")
    assert "Traceback" not in result.stderr


def test_hanging_api_server_times_out(run_cli, git_world, tmp_path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    config = kubeconfig_for(tmp_path / "kubeconfig", f"https://127.0.0.1:{listener.getsockname()[1]}")
    started = time.monotonic()
    result = run_cli("--repo", str(git_world.clone), "--kubeconfig", str(config), "--request-timeout", "1s", "verify")
    listener.close()
    assert result.exit_code == 1
    assert "the cluster is unreachable" in result.stderr or "did not finish" in result.stderr
    assert time.monotonic() - started < 20


def test_wait_turns_healthy_midway(world, git_world, cluster, tmp_path):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.deployment_available("frontend", "default", available=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitopsctl",
            "--repo",
            str(git_world.clone),
            "verify",
            "--wait",
            "--timeout",
            "60s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    assert process.poll() is None, process.communicate()
    changed = time.monotonic()
    world.deployment_available("frontend", "default", available=True)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert time.monotonic() - changed < 5  # woken by the change, not a poll interval
    assert "◎ 1 not healthy: Deployment default/frontend" in stderr


def test_wait_times_out_with_exit_4(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    world.deployment_available("frontend", "default", available=False)
    result = verify(run_cli, git_world, "--wait", "--timeout", "2s")
    assert result.exit_code == 4
    assert "✗ timed out: 1 not healthy: Deployment default/frontend" in result.stderr


def test_kubectl_calls_do_not_grow_with_the_number_or_the_kinds_of_objects(run_cli, world, git_world):
    head = git_world.head()
    world.healthy(REMOTE_URL, head)

    def spawns() -> int:
        result = verify(run_cli, git_world, "-v")
        return result.stderr.count("$ kubectl")

    few = spawns()
    world.kustomizations({f"app-{i}": ["frontend"] for i in range(40)})
    world.of_every_kind(160)
    assert spawns() == few


def test_a_repository_without_origin_is_judged_without_a_branch_head(run_cli, world, git_world):
    """A new operator's `git init` has no origin: a warning with the fix, not git's raw error."""
    head = git_world.head()
    world.healthy(REMOTE_URL, head)
    subprocess.run(["git", "remote", "remove", "origin"], cwd=git_world.clone, check=True)
    result = verify(run_cli, git_world)
    assert "does not appear to be a git repository" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        "⚠ the repository has no remote 'origin': the cluster is not compared with a branch head "
        "(git remote add origin URL && git push -u origin main, or set github.remote in gitopsctl.toml)"
    )
    assert result.exit_code == 0, result.stderr
