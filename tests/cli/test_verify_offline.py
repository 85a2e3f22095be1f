"""verify --offline on the example repository and on broken copies of it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_CERT
from tests.harness.git import EXAMPLE, GIT_IDENTITY
from tests.harness.ssh import make_key, make_known_hosts


@pytest.fixture
def example(tmp_path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env={**GIT_IDENTITY, "PATH": "/usr/bin:/bin"})
    return repo


def seal_required_secrets(run_cli, repo: Path, tmp_path: Path) -> None:
    config = repo / "gitopsctl.toml"
    text = config.read_text()
    config.write_text(text[: text.index("\n# Written by")] + "\n")
    store = repo / "flux" / "sealed-secrets" / "production"
    (store / "sealed-secrets-cert.pem").write_bytes(TEST_CERT.read_bytes())
    key = make_key(tmp_path / "id")
    known_hosts = make_known_hosts(tmp_path / "known_hosts")
    assert (
        run_cli(
            "--repo",
            str(repo),
            "seal",
            "harbor-creds",
            "--no-check",
            "--username",
            "robot$h+ci",
            "--password-stdin",
            input="password1",
        ).exit_code
        == 0
    )
    sealed = run_cli(
        "--repo", str(repo), "seal", "vm-ssh-key", "--key-file", str(key), "--known-hosts", str(known_hosts)
    )
    assert sealed.exit_code == 0, sealed.stderr


def test_example_lists_the_secrets_to_seal(run_cli, example):
    """A Secret that is not in Git may be created in the cluster: a warning with the seal command, not a problem."""
    result = run_cli("--repo", str(example), "verify", "--offline", "-o", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["problems"] == []
    assert len(report["warnings"]) == 3
    assert report["order"] == [
        ["flux-system/sealed-secrets"],
        ["flux-system/frontend", "flux-system/image-automation"],
        ["flux-system/backend-deploy", "flux-system/ingress"],
    ]
    assert sorted((m["namespace"], m["name"]) for m in report["missing_secrets"]) == [
        ("default", "harbor-credentials"),
        ("default", "vm-ssh-key"),
        ("flux-system", "harbor-credentials"),
    ]


def test_example_with_its_secrets_sealed_is_consistent(run_cli, example, tmp_path):
    seal_required_secrets(run_cli, example, tmp_path)
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 0, result.stderr
    assert "  1. flux-system/sealed-secrets" in result.stderr
    assert "✔ flux/clusters/production: the repository is consistent" in result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "flux/clusters/production/sealed-secrets.yaml",
                "  prune: true\n",
                "  prune: true\n  dependsOn:\n  - name: backend-deploy\n",
            ),
            "dependency cycle: flux-system/backend-deploy → flux-system/frontend → flux-system/sealed-secrets",
        ),
        (
            ("flux/clusters/production/ingress.yaml", "- name: frontend", "- name: frontnd"),
            "Kustomization flux-system/ingress: dependsOn flux-system/frontnd, which does not exist",
        ),
        (
            (
                "flux/clusters/production/frontend.yaml",
                "path: ./flux/apps/frontend",
                "path: ./flux/apps/frontendx",
            ),
            "Kustomization flux-system/frontend: path ./flux/apps/frontendx does not exist",
        ),
        (
            ("flux/apps/frontend/deployment.yaml", "name: frontend\n  namespace", "name: web\n  namespace"),
            "health check Deployment default/frontend is not in what it applies",
        ),
        (
            ("flux/apps/frontend/deployment.yaml", '"flux-system:frontend"', '"flux-system:frontent"'),
            "image policy marker names flux-system:frontent, which is not in the repository",
        ),
    ],
)
def test_broken_copies(run_cli, example, tmp_path, change, message):
    seal_required_secrets(run_cli, example, tmp_path)
    relative, old, new = change
    edit(example / relative, old, new)
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 4
    assert message in result.stderr


def test_renamed_sealed_secret_is_caught(run_cli, example, tmp_path):
    seal_required_secrets(run_cli, example, tmp_path)
    sealed = example / "flux/sealed-secrets/production/default.vm-ssh-key.yaml"
    edit(
        sealed,
        "  name: vm-ssh-key\n  namespace: default\nspec",
        "  name: vm-ssh-key\n  namespace: backend\nspec",
    )
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 4
    assert "spec.template.metadata.namespace is 'default'; a renamed sealed secret no longer decrypts" in result.stderr


def test_missing_cluster_folder_is_exit_2(run_cli, example):
    result = run_cli("--repo", str(example), "--cluster", "staging", "verify", "--offline")
    assert result.exit_code == 2
    assert "cluster folder flux/clusters/staging does not exist" in result.stderr


def test_an_ssh_secret_sealed_without_known_hosts_is_caught(run_cli, example, tmp_path):
    """The deploy Job reads /ssh/known_hosts (UserKnownHostsFile): the sealed secret must hold it."""
    seal_required_secrets(run_cli, example, tmp_path)
    assert run_cli("--repo", str(example), "verify", "--offline").exit_code == 0
    # Sealed the way an operator might before vm-ssh-key required host keys: the key alone.
    key = tmp_path / "id"
    resealed = run_cli(
        "--repo", str(example), "seal", "generic", "vm-ssh-key", "-n", "default", "--type", "kubernetes.io/ssh-auth",
        "--from-file", f"ssh-privatekey={key}", "--force",
    )  # fmt: skip
    assert resealed.exit_code == 0, resealed.stderr
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 4
    problems = [line for line in result.stderr.splitlines() if line.startswith("✗ Job")]
    assert problems == [
        "✗ Job default/backend-deploy reads /ssh/known_hosts (UserKnownHostsFile) from Secret default/vm-ssh-key, "
        "whose sealed secret has no known_hosts key: gitopsctl seal vm-ssh-key --key-file PATH -n default "
        "--name vm-ssh-key --known-hosts FILE (or --scan HOST) --force"
    ]


def test_a_kustomization_path_in_a_hidden_folder(run_cli, example, tmp_path):
    """./.apps/frontend is a folder named .apps, not apps with its dot stripped."""
    seal_required_secrets(run_cli, example, tmp_path)
    (example / "flux/apps/frontend").rename(example / ".frontend")
    edit(example / "flux/clusters/production/frontend.yaml", "path: ./flux/apps/frontend", "path: ./.frontend")
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 0, result.stderr


def test_a_sealed_file_left_out_of_kustomization_yaml_is_reported(run_cli, example, tmp_path):
    """An interrupted write (or a hand edit) can leave a sealed file unlisted: Flux never applies it."""
    seal_required_secrets(run_cli, example, tmp_path)
    store = example / "flux/sealed-secrets/production"
    edit(store / "kustomization.yaml", "- default.vm-ssh-key.yaml\n", "")
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 4
    assert (
        "flux/sealed-secrets/production/default.vm-ssh-key.yaml: a SealedSecret that kustomization.yaml does not "
        "list, so Flux never applies it; add default.vm-ssh-key.yaml to its resources (or delete the file)"
    ) in result.stderr
    # …and it no longer counts as sealed: the Job that needs it is named too.
    assert "⚠ Job default/backend-deploy needs Secret default/vm-ssh-key, which is not in Git" in result.stderr


def test_a_listed_file_that_does_not_exist_is_reported(run_cli, example, tmp_path):
    seal_required_secrets(run_cli, example, tmp_path)
    store = example / "flux/sealed-secrets/production"
    (store / "default.vm-ssh-key.yaml").unlink()
    result = run_cli("--repo", str(example), "verify", "--offline")
    assert result.exit_code == 4
    problems = [line for line in result.stderr.splitlines() if line.startswith("✗ Kustomization")]
    assert len(problems) == 1, result.stderr
    # kustomize's own words, naming the Kustomization and the missing file
    assert problems[0].startswith("✗ Kustomization flux-system/sealed-secrets: kustomize build fails: ")
    assert "default.vm-ssh-key.yaml" in problems[0]
