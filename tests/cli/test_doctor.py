from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness.controlplane import free_port
from tests.harness.github import Token


def write_config(repo: Path, api_url: str, extra: str = "", registry: str = "") -> None:
    """A loopback registry (where none runs, unless given): doctor never asks the example's LAN address."""
    (repo / "gitopsctl.toml").write_text(
        f'[github]\nowner = "homelab-operator"\nrepository = "homelab-gitops"\napi_url = "{api_url}"\n{extra}'
        f'\n[registry]\nhost = "{registry or f"127.0.0.1:{free_port()}"}"\ninsecure = true\n'
    )


def checks_by_name(stdout: str) -> dict[str, dict]:
    return {check["name"]: check for check in json.loads(stdout)["checks"]}


@pytest.mark.needs_tools("helm", "kubeseal")
def test_all_prerequisites_met(run_cli, cluster, github, git_world, monkeypatch):
    write_config(git_world.clone, github.url)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_classic_ok")
    result = run_cli("--repo", str(git_world.clone), "doctor", "-o", "json")
    checks = checks_by_name(result.stdout)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert {name: c["status"] for name, c in checks.items()} == {
        "flux": "ok",
        "helm": "ok",
        "kubectl": "ok",
        "git": "ok",
        "kubeseal": "ok",
        "github owner": "ok",
        "GITHUB_TOKEN": "ok",
        "cluster": "ok",
        "flux check --pre": "ok",
        "sealed secrets API": "skipped",  # not installed before bootstrap
        "registry": "warning",  # none runs at the configured address
    }
    server = json.loads(cluster.kubectl("version", "-o", "json").stdout)["serverVersion"]["gitVersion"]
    assert f"Kubernetes {server} >= 1.33.0" in checks["cluster"]["detail"]
    # The token travels only in the Authorization header.
    assert github.requests[0]["authorization"] == "Bearer ghp_classic_ok"
    assert "ghp_classic_ok" not in result.stdout + result.stderr


@pytest.mark.needs_tools("helm")
def test_reports_every_failure_at_once_and_exits_3(run_cli, git_world, github, monkeypatch, tmp_path):
    write_config(git_world.clone, github.url)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    monkeypatch.setenv("PATH", monkeypatch_path_without(["flux"], tmp_path))
    unreachable = tmp_path / "kubeconfig"
    unreachable.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
        "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n"
    )
    result = run_cli("--repo", str(git_world.clone), "--kubeconfig", str(unreachable), "doctor")
    assert result.exit_code == 3
    assert "✗  flux" in result.stderr and "install the Flux CLI" in result.stderr
    assert "GITHUB_TOKEN was rejected (401)" in result.stderr
    assert "the cluster is unreachable" in result.stderr
    assert "✗ 3 required check(s) failed: flux, GITHUB_TOKEN, cluster" in result.stderr
    assert "Traceback" not in result.stderr
    assert "ghp_revoked" not in result.stderr + result.stdout


def test_classic_token_without_repo_scope_fails(run_cli, git_world, github, monkeypatch):
    github.tokens["ghp_noscope"] = Token(scopes="read:user, gist")
    write_config(git_world.clone, github.url)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_noscope")
    checks = checks_by_name(run_cli("--repo", str(git_world.clone), "doctor", "-o", "json").stdout)
    assert checks["GITHUB_TOKEN"]["status"] == "failed"
    assert "lacks the 'repo' scope (has: gist, read:user)" in checks["GITHUB_TOKEN"]["detail"]


def test_fine_grained_token_is_probed_and_warned_about(run_cli, git_world, github, monkeypatch):
    github.tokens["github_pat_x"] = Token(scopes=None, visible_repos={"homelab-operator/homelab-gitops"})
    write_config(git_world.clone, github.url)
    monkeypatch.setenv("GITHUB_TOKEN", "github_pat_x")
    checks = checks_by_name(run_cli("--repo", str(git_world.clone), "doctor", "-o", "json").stdout)
    assert checks["GITHUB_TOKEN"]["status"] == "warning"
    assert github.requests[-1]["path"] == "/repos/homelab-operator/homelab-gitops"


def test_missing_token_and_owner(run_cli, tmp_path):
    checks = checks_by_name(run_cli("doctor", "-o", "json").stdout)
    assert checks["GITHUB_TOKEN"]["detail"].startswith("not set")
    assert checks["github owner"]["status"] == "failed"


def test_json_output_is_only_json_on_stdout(run_cli, tmp_path):
    result = run_cli("doctor", "--output", "json")
    assert result.exit_code == 3
    json.loads(result.stdout)


def monkeypatch_path_without(programs: list[str], tmp_path: Path) -> str:
    """PATH with the test programs except ``programs``."""
    import os

    folder = tmp_path / "partial-bin"
    folder.mkdir()
    original = Path(os.environ["PATH"].split(os.pathsep)[0])
    for entry in original.iterdir():
        if entry.name not in programs:
            (folder / entry.name).symlink_to(entry.resolve())
    rest = os.environ["PATH"].split(os.pathsep)[1:]
    return os.pathsep.join([str(folder), *rest])


def test_flux_must_be_as_new_as_the_repository_needs(run_cli, git_world, github, monkeypatch, tmp_path):
    """The example's image.toolkit.fluxcd.io/v1 objects need Flux 2.7: flux 2.6 is refused, naming both."""
    import os

    write_config(git_world.clone, github.url)
    old = tmp_path / "old-flux-bin"
    old.mkdir()
    (old / "flux").write_text('#!/bin/sh\n[ "$1" = version ] && { echo "flux: v2.6.4"; exit 0; }\nexit 0\n')
    (old / "flux").chmod(0o755)
    monkeypatch.setenv("PATH", f"{old}{os.pathsep}{os.environ['PATH']}")
    result = run_cli("--repo", str(git_world.clone), "doctor", "-o", "json")
    assert result.exit_code == 3
    assert checks_by_name(result.stdout)["flux"] == {
        "name": "flux",
        "status": "failed",
        "detail": "2.6.4 is older than 2.7.0, which image.toolkit.fluxcd.io/v1 ImageRepository "
        "(flux/image-automation/backend.yaml) needs; upgrade it",
        "required": True,
        "advice": [],
    }
    # Outside a repository only the tool's own minimum applies.
    outside = run_cli("doctor", "-o", "json")
    assert checks_by_name(outside.stdout)["flux"]["status"] == "ok"


@pytest.mark.needs_tools("registry")
def test_the_registry_answers_and_a_plain_http_one_gets_its_node_and_vm_entries(
    run_cli, git_world, github, monkeypatch, tmp_path
):
    from tests.conftest import TOOLS_BIN
    from tests.harness.registry import Registry

    registry = Registry(TOOLS_BIN / "registry", tmp_path / "registry", {"robot$homelab+ci": "pw"}).start()
    try:
        write_config(git_world.clone, github.url, registry=registry.host)
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_classic_ok")
        text = run_cli("--repo", str(git_world.clone), "doctor")
        as_json = run_cli("--repo", str(git_world.clone), "doctor", "-o", "json")
    finally:
        registry.stop()
    check = checks_by_name(as_json.stdout)["registry"]
    assert (check["status"], check["detail"]) == (
        "ok",
        f"{registry.host} answers as a Docker registry (basic auth) over plain HTTP: see below",
    )
    lines = text.stderr.splitlines()
    start = lines.index("/etc/rancher/k3s/registries.yaml on every k3s node (then restart k3s or k3s-agent):")
    assert lines[start : start + 7] == [
        "/etc/rancher/k3s/registries.yaml on every k3s node (then restart k3s or k3s-agent):",
        "  mirrors:",
        f'    "{registry.host}":',
        "      endpoint:",
        f'        - "http://{registry.host}"',
        "/etc/docker/daemon.json on the backend VM (then restart docker):",
        f'  {{"insecure-registries": ["{registry.host}"]}}',
    ]


def test_the_sealed_secrets_api_through_a_refused_proxy_is_a_warning_naming_the_cause(
    run_cli, cluster, github, git_world, monkeypatch
):
    from tests.harness.sealed_secrets_controller import NAME, NAMESPACE, publish_unreachable_service

    publish_unreachable_service(cluster)
    try:
        write_config(git_world.clone, github.url)
        result = run_cli("--repo", str(git_world.clone), "doctor", "-o", "json")
    finally:
        cluster.kubectl("delete", "service,endpoints", NAME, "-n", NAMESPACE, check=False)
    check = checks_by_name(result.stdout)["sealed secrets API"]
    assert check["status"] == "warning" and not check["required"]
    assert check["detail"].startswith(
        f"the API server's service proxy to {NAMESPACE}/{NAME} answered 503: a NetworkPolicy (Flux's defaults "
        "in flux-system) keeps the API server out"
    )


@pytest.mark.needs_tools("helm", "kubeseal")
def test_the_doctor_table_matches_the_golden_output(gitopsctl, cluster, github, git_world, monkeypatch):
    import re

    from tests.harness.golden import assert_golden, normalise

    registry = f"127.0.0.1:{free_port()}"
    write_config(git_world.clone, github.url, registry=registry)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_classic_ok")
    result = gitopsctl(f"--repo {git_world.clone} doctor")
    assert result.exit_code == 0, result.stderr
    # Tool and server versions differ between machines; what is held here is what the operator reads.
    text = re.sub(r"\bv?\d+\.\d+\.\d+ >= ", "<version> >= ", result.stderr.replace(registry, "<registry>"))
    assert_golden("doctor.txt", normalise(text))
