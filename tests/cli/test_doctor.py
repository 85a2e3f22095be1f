from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness.github import Token


def write_config(repo: Path, api_url: str, extra: str = "") -> None:
    (repo / "gitopsctl.toml").write_text(
        f'[github]\nowner = "homelab-operator"\nrepository = "homelab-gitops"\napi_url = "{api_url}"\n{extra}'
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
    }
    assert "Kubernetes v1.36.3 >= 1.33.0" in checks["cluster"]["detail"]
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
    }
    # Outside a repository only the tool's own minimum applies.
    outside = run_cli("doctor", "-o", "json")
    assert checks_by_name(outside.stdout)["flux"]["status"] == "ok"
