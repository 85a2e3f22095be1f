"""gitopsctl history: the commits that change what the cluster runs, marked for choosing a rollback."""

from __future__ import annotations

import json

import pytest

from tests.harness.flux_state import FluxWorld
from tests.harness.git import GIT_IDENTITY, git
from tests.harness.golden import assert_golden, normalise

DEPLOYMENT = "flux/apps/frontend/deployment.yaml"
BOT = ("fluxcdbot", "fluxcdbot@users.noreply.github.com")  # the example's ImageUpdateAutomation author


@pytest.fixture
def world(cluster) -> FluxWorld:
    return FluxWorld(cluster)


def test_bumps_rollbacks_and_the_applied_commit_are_marked(gitopsctl, world, git_world, monkeypatch):
    for name, value in GIT_IDENTITY.items():  # the revert's author, whatever this machine's git says
        monkeypatch.setenv(name, value)
    applied = git_world.head()
    world.kustomizations({"flux-system": []})
    world.kustomization_applied("flux-system", applied)
    bump = git_world.commit_file(
        DEPLOYMENT,
        (git_world.clone / DEPLOYMENT).read_text().replace("main-0a1b2c3-1764115200", "main-9f9f9f9-1764200000"),
        "chore(images): update images",
        author=BOT,
    )
    git(git_world.clone, "push", "-q", "origin", "main")
    assert gitopsctl(f"--repo {git_world.clone} rollback {bump} --no-wait").exit_code == 0
    result = gitopsctl(f"--repo {git_world.clone} history -o json")
    marks = {c["subject"]: c["marks"] for c in json.loads(result.stdout)["commits"]}
    assert marks["chore(images): update images"] == ["image-bump"]
    assert marks['Revert "chore(images): update images"'] == [f"rollback-of {bump[:8]}"]
    assert marks["Initial GitOps layout"] == ["applied"]
    table = gitopsctl(f"--repo {git_world.clone} history")
    assert table.exit_code == 0, table.stderr
    commits = tuple(git(git_world.clone, "rev-list", "HEAD").split())
    assert_golden("history.txt", normalise(table.stderr, shas=commits))


def test_a_change_outside_the_clusters_paths_is_not_listed(gitopsctl, git_world):
    git_world.commit_file("README.md", "notes\n", "Document the lab")
    result = gitopsctl(f"--repo {git_world.clone} history -o json")
    subjects = [c["subject"] for c in json.loads(result.stdout)["commits"]]
    assert "Document the lab" not in subjects and "Initial GitOps layout" in subjects
