"""Nothing gitopsctl writes lands outside the repository, whatever a flag or gitopsctl.toml says."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import TEST_CERT


def status(repo) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout


@pytest.mark.parametrize("cluster", ["../../escaped", "/tmp/escaped", "a/b", "Production", "..", "a" * 64])
def test_a_cluster_is_one_dns_label(gitopsctl, sealing_repo, tmp_path, cluster):
    before = status(sealing_repo)
    result = gitopsctl(f"--repo {sealing_repo} --cluster {cluster} seal generic app -n default --from-literal k=v")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"✗ --cluster {cluster!r} is not a cluster name: use one DNS-1123 label "
        "(at most 63 lower-case letters, digits and '-')"
    ]
    assert status(sealing_repo) == before
    assert not (tmp_path / "escaped").exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [("sealed_secrets", 'secrets_dir = "../../.."'), ("sealed_secrets", 'secrets_dir = "/etc"'),
     ("cluster", 'clusters_dir = "../outside"')],
)  # fmt: skip
def test_configured_folders_stay_inside_the_repository(gitopsctl, sealing_repo, key, value):
    config = sealing_repo / "gitopsctl.toml"
    config.write_text(
        config.read_text()
        .replace(f"[{key}]\n", f"[{key}]\n{value}\n")
        .replace(
            'secrets_dir = "flux/sealed-secrets"\n',
            "" if "secrets_dir" in value else 'secrets_dir = "flux/sealed-secrets"\n',
        )
        .replace(
            'clusters_dir = "flux/clusters"\n', "" if "clusters_dir" in value else 'clusters_dir = "flux/clusters"\n'
        )
    )
    subprocess.run(["git", "add", "-A"], cwd=sealing_repo, check=True)
    before = status(sealing_repo)
    result = gitopsctl(f"--repo {sealing_repo} seal generic app -n default --from-literal k=v --cert {TEST_CERT}")
    assert result.exit_code == 2
    name = value.split(" =")[0]
    assert f"gitopsctl.toml: '{key}.{name}' must be a relative path inside the repository" in result.stderr
    assert status(sealing_repo) == before


def test_clusters_dir_flag_stays_inside(gitopsctl, sealing_repo):
    result = gitopsctl(f"--repo {sealing_repo} --clusters-dir ../x verify --offline")
    assert result.exit_code == 2
    assert "--clusters-dir '../x' must be a relative path inside the repository" in result.stderr
