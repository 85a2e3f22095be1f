"""gitopsctl images resume: the hold a rollback put on image automation ends where it was put,
with real git (a bare origin and the operator's clone) and the real API server."""

from __future__ import annotations

import pytest

from tests.harness.flux_state import FluxWorld
from tests.harness.git import git

REMOTE_URL = "ssh://git@github.com/homelab-operator/homelab-gitops"
DEPLOYMENT = "flux/apps/frontend/deployment.yaml"
AUTOMATION_FILE = "flux/image-automation/update-automation.yaml"
IMAGE_UPDATE_AUTOMATIONS = "imageupdateautomations"


@pytest.fixture
def world(cluster, git_world) -> FluxWorld:
    world = FluxWorld(cluster)
    world.healthy(REMOTE_URL, git_world.head())
    return world


def suspended(world: FluxWorld) -> bool | None:
    return world.get(IMAGE_UPDATE_AUTOMATIONS, "flux-system", "flux-system")["spec"].get("suspend")


def images_resume(run_cli, git_world, *args: str):
    return run_cli("--repo", str(git_world.clone), "images", "resume", *args)


def roll_back_a_bump(run_cli, git_world, *args: str) -> None:
    path = git_world.clone / DEPLOYMENT
    bumped = path.read_text().replace("main-0a1b2c3-1764115200", "main-9f9f9f9-1764200000")
    bump = git_world.commit_file(DEPLOYMENT, bumped, "Bump by hand")
    git(git_world.clone, "push", "-q", "origin", "main")
    result = run_cli("--repo", str(git_world.clone), "rollback", bump, "--no-wait", *args)
    assert result.exit_code == 0, result.stderr


def test_a_hold_in_the_cluster_is_resumed_there(run_cli, world, git_world):
    roll_back_a_bump(run_cli, git_world)
    assert suspended(world) is True
    head = git(git_world.origin, "rev-parse", "main")

    result = images_resume(run_cli, git_world)
    assert result.exit_code == 0, result.stderr
    assert "✔ resumed ImageUpdateAutomation flux-system/flux-system" in result.stderr
    assert suspended(world) is False
    assert git(git_world.origin, "rev-parse", "main") == head  # nothing to change in Git


def test_a_pin_in_git_is_removed_in_a_pushed_commit_and_the_cluster_resumed(run_cli, world, git_world):
    roll_back_a_bump(run_cli, git_world, "--pin-in-git")
    assert "suspend: true" in git(git_world.origin, "show", f"main:{AUTOMATION_FILE}")
    before = (git_world.clone / AUTOMATION_FILE).read_text()

    result = images_resume(run_cli, git_world, "flux-system")
    assert result.exit_code == 0, result.stderr
    after = git(git_world.origin, "show", f"main:{AUTOMATION_FILE}")
    assert "suspend" not in after
    # Only the pin went: every other line, comments included, is as it was.
    assert [line for line in before.splitlines() if "suspend" not in line] == after.splitlines()
    assert git(git_world.origin, "log", "-1", "--format=%s", "main") == "Resume image automation (flux-system)"
    assert f"the pin is gone from {AUTOMATION_FILE}" in result.stderr
    assert suspended(world) is False
    assert git(git_world.clone, "status", "--porcelain") == ""


def test_nothing_suspended_is_nothing_to_do(run_cli, world, git_world):
    head = git(git_world.origin, "rev-parse", "main")
    result = images_resume(run_cli, git_world)
    assert result.exit_code == 0, result.stderr
    assert "✔ image automation is not suspended: nothing to resume" in result.stderr
    assert git(git_world.origin, "rev-parse", "main") == head


def test_an_unknown_name_is_refused(run_cli, world, git_world):
    result = images_resume(run_cli, git_world, "frontend-bot")
    assert result.exit_code == 2
    assert (
        result.stderr.rstrip()
        .splitlines()[-1]
        .startswith("✗ no ImageUpdateAutomation frontend-bot in the repository or in flux-system")
    )


def test_a_pin_with_uncommitted_changes_is_refused_and_nothing_changes(run_cli, world, git_world):
    roll_back_a_bump(run_cli, git_world, "--pin-in-git")
    (git_world.clone / DEPLOYMENT).write_text((git_world.clone / DEPLOYMENT).read_text() + "# mine\n")
    head = git(git_world.origin, "rev-parse", "main")
    result = images_resume(run_cli, git_world)
    assert result.exit_code == 2
    assert "✗ the repository has uncommitted changes" in result.stderr
    assert git(git_world.origin, "rev-parse", "main") == head
    assert suspended(world) is True


def test_a_rejected_push_leaves_the_clone_where_it_was(run_cli, world, git_world):
    roll_back_a_bump(run_cli, git_world, "--pin-in-git")
    head = git_world.head()
    hook = git_world.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch: pushes need a review' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = images_resume(run_cli, git_world)
    assert result.exit_code == 1
    assert "the push was rejected" in result.stderr
    assert f"nothing was pushed and the clone is back at {head[:8]}" in result.stderr
    assert git_world.head() == head and git(git_world.clone, "status", "--porcelain") == ""
    assert suspended(world) is True
