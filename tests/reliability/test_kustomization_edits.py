"""Listing a sealed file in kustomization.yaml keeps the operator's file what kustomize reads."""

from __future__ import annotations

import subprocess

from gitopsctl.yamlfiles import load_yaml_documents
from tests.conftest import TEST_CERT

STORE = "flux/sealed-secrets/production"
HEAD = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def seal(gitopsctl, repo, name="app"):
    return gitopsctl(f"--repo {repo} seal generic {name} -n default --from-literal k=v --cert {TEST_CERT}")


def resources(path) -> list[str]:
    return load_yaml_documents(path.read_text(encoding="utf-8-sig"), str(path))[0]["resources"]


def test_a_byte_order_mark_is_kept_and_not_read_as_part_of_a_key(gitopsctl, sealing_repo):
    kustomization = sealing_repo / STORE / "kustomization.yaml"
    kustomization.write_bytes(b"\xef\xbb\xbf" + f"{HEAD}resources:\n- networkpolicy.yaml\n".encode())
    assert seal(gitopsctl, sealing_repo).exit_code == 0
    assert kustomization.read_bytes().startswith(b"\xef\xbb\xbf")
    assert kustomization.read_text(encoding="utf-8-sig").count("resources:") == 1
    assert resources(kustomization) == ["networkpolicy.yaml", "default.app.yaml"]


def test_an_existing_kustomization_yml_is_the_one_edited(gitopsctl, sealing_repo):
    store = sealing_repo / STORE
    (store / "kustomization.yaml").rename(store / "kustomization.yml")
    assert seal(gitopsctl, sealing_repo).exit_code == 0
    assert not (store / "kustomization.yaml").exists()
    assert resources(store / "kustomization.yml") == ["networkpolicy.yaml", "default.app.yaml"]


def test_resources_that_are_not_a_list_are_refused_before_anything_is_written(gitopsctl, sealing_repo):
    kustomization = sealing_repo / STORE / "kustomization.yaml"
    kustomization.write_text(f"{HEAD}resources: default-app-extra.yaml\n")
    subprocess.run(["git", "add", "-A"], cwd=sealing_repo, check=True)
    result = seal(gitopsctl, sealing_repo)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"✗ {kustomization}: 'resources' must be a list of files, not a string: write it as a list (- file.yaml)"
    ]
    assert not (sealing_repo / STORE / "default.app.yaml").exists()


def test_a_symlinked_kustomization_stays_a_link(gitopsctl, sealing_repo):
    store = sealing_repo / STORE
    (store / "kustomization.yaml").rename(store / "shared-kustomization.yaml")
    (store / "kustomization.yaml").symlink_to("shared-kustomization.yaml")
    assert seal(gitopsctl, sealing_repo).exit_code == 0
    assert (store / "kustomization.yaml").is_symlink()
    assert resources(store / "shared-kustomization.yaml") == ["networkpolicy.yaml", "default.app.yaml"]
