"""Where the cluster folder is: --clusters-dir, cluster.clusters_dir, or found in the common layouts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.harness.git import GIT_IDENTITY

APPS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\n  namespace: podinfo\n"


def repository(root: Path, clusters_dir: str) -> Path:
    """The layout of the official Flux examples: <clusters_dir>/staging, apps/staging; no gitopsctl.toml."""
    (root / clusters_dir / "staging").mkdir(parents=True)
    (root / clusters_dir / "staging" / "apps.yaml").write_text(APPS)
    (root / "apps" / "staging").mkdir(parents=True)
    (root / "apps" / "staging" / "podinfo.yaml").write_text(CONFIG_MAP)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env={**GIT_IDENTITY, "PATH": "/usr/bin:/bin"})
    return root


@pytest.mark.parametrize("clusters_dir", ["clusters", "flux/clusters"])
def test_the_common_layouts_are_found_and_named(run_cli, tmp_path, clusters_dir):
    repo = repository(tmp_path / "repo", clusters_dir)
    result = run_cli("--repo", str(repo), "--cluster", "staging", "verify", "--offline", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["order"] == [["flux-system/apps"]]
    assert result.stderr.splitlines()[0] == (
        f"using the cluster folder {clusters_dir}/staging (--clusters-dir to choose)"
    )


def test_clusters_dir_flag_and_its_environment_twin(run_cli, tmp_path):
    repo = repository(tmp_path / "repo", "deploy/k8s/clusters")
    by_flag = run_cli(
        "--repo", str(repo), "--cluster", "staging", "--clusters-dir", "deploy/k8s/clusters", "verify", "--offline"
    )
    assert by_flag.exit_code == 0, by_flag.stderr
    assert "✔ deploy/k8s/clusters/staging: the repository is consistent" in by_flag.stderr
    by_env = run_cli(
        "--repo",
        str(repo),
        "--cluster",
        "staging",
        "verify",
        "--offline",
        env={"GITOPSCTL_CLUSTERS_DIR": "deploy/k8s/clusters/"},
    )
    assert by_env.exit_code == 0, by_env.stderr
    assert "using the cluster folder" not in by_env.stderr


def test_a_missing_cluster_names_where_it_looked_and_the_flag(run_cli, tmp_path):
    repo = repository(tmp_path / "repo", "deploy/k8s/clusters")
    result = run_cli("--repo", str(repo), "--cluster", "staging", "verify", "--offline")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"✗ cluster folder staging does not exist in {repo} (looked in flux/clusters/staging and "
        "clusters/staging): pass --cluster NAME for another cluster, or --clusters-dir DIR "
        "(cluster.clusters_dir in gitopsctl.toml) for another layout"
    ]


def test_the_configured_folder_wins_over_the_search(run_cli, tmp_path):
    repo = repository(tmp_path / "repo", "clusters")
    (repo / "gitopsctl.toml").write_text('[cluster]\nname = "staging"\nclusters_dir = "flux/clusters"\n')
    result = run_cli("--repo", str(repo), "verify", "--offline")
    assert result.exit_code == 2
    assert "✗ cluster folder flux/clusters/staging does not exist in" in result.stderr
