"""Ctrl-C during a rollback says what is true, and leaves the clone exactly as it says.

Reported by the reliability issue: "interrupted before the push: back at X" while origin already
had the revert (and suspended automation was resumed, re-bumping the image); hangs in about 3
of 130 interrupts; a half-restored revert with `.git/*.lock` files left behind. The remote here
is slow on purpose (hooks that sleep before and after it takes the push), so interrupts land
before, during and after the push; the remote is always asked, never guessed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitopsctl.rollback.revert import lock_files
from tests.harness.flux_state import FluxWorld
from tests.harness.git import git

REMOTE_URL = "ssh://git@github.com/homelab-operator/homelab-gitops"
DEPLOYMENT = "flux/apps/frontend/deployment.yaml"
BOT = ("fluxcdbot", "fluxcdbot@users.noreply.github.com")
TAG, BUMPED_TAG = "main-0a1b2c3-1764115200", "main-9f9f9f9-1764200000"


@pytest.fixture
def world(cluster, git_world) -> FluxWorld:
    world = FluxWorld(cluster)
    world.healthy(REMOTE_URL, git_world.head())
    return world


def slow_remote(git_world, *, before: float, after: float) -> None:
    """Hooks in origin: `before` seconds before it takes the push, `after` seconds after."""
    for name, seconds in (("pre-receive", before), ("post-receive", after)):
        hook = git_world.origin / "hooks" / name
        hook.write_text(f"#!/bin/sh\ncat >/dev/null\nsleep {seconds}\n")
        hook.chmod(0o755)


def start_rollback(git_world, cluster, sha: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(git_world.clone), "rollback", sha, "--no-wait"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, which Ctrl-C in a terminal signals as a whole
        env={**os.environ, "KUBECONFIG": str(cluster.kubeconfig), "PYTHONFAULTHANDLER": "1"},
    )  # fmt: skip


def ctrl_c(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack
        _, stderr = process.communicate(timeout=30)
        pytest.fail(f"hung: still running 60 s after Ctrl-C:\n{stderr}")
    return stderr


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def commit(git_world, text_change: tuple[str, str], message: str, author=None) -> str:
    path = git_world.clone / DEPLOYMENT
    old, new = text_change
    sha = git_world.commit_file(DEPLOYMENT, path.read_text().replace(old, new, 1), message, author=author)
    git(git_world.clone, "push", "-q", "origin", "main")
    return sha


def clean(git_world) -> None:
    """No change in the work tree or index, no lock file of git's left."""
    assert git(git_world.clone, "status", "--porcelain", "--untracked-files=no") == ""
    assert lock_files(git_world.clone) == set()


def origin_head(git_world) -> str:
    return git(git_world.origin, "rev-parse", "main")


# -- the three endings, each made to happen --------------------------------------------------


def test_interrupted_after_the_remote_took_the_push(world, git_world, cluster):
    bump = commit(git_world, (TAG, BUMPED_TAG), "chore(images): update", author=BOT)
    started = git_world.origin.parent / "taken"
    hook = git_world.origin / "hooks" / "post-receive"
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\ntouch {started}\nsleep 30\n")
    hook.chmod(0o755)
    process = start_rollback(git_world, cluster, bump)
    wait_for(started)
    stderr = ctrl_c(process)
    revert = git_world.head()
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == (
        f"✗ interrupted after the push: {revert[:8]} is on origin/main; Flux applies it at its next sync "
        "(gitopsctl sync --wait to do it now)"
    )
    assert origin_head(git_world) == revert
    clean(git_world)
    # The revert is live: resuming automation now would write the reverted tag back.
    assert world.get("imageupdateautomations", "flux-system", "flux-system")["spec"]["suspend"] is True


def test_interrupted_before_the_remote_took_the_push(world, git_world, cluster):
    bump = commit(git_world, (TAG, BUMPED_TAG), "chore(images): update", author=BOT)
    started = git_world.origin.parent / "receiving"
    hook = git_world.origin / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\ntouch {started}\nsleep 30\n")
    hook.chmod(0o755)
    process = start_rollback(git_world, cluster, bump)
    wait_for(started)
    stderr = ctrl_c(process)
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == f"✗ interrupted: nothing was pushed; the repository is back at {bump[:8]}"
    assert origin_head(git_world) == bump == git_world.head()
    clean(git_world)
    assert world.get("imageupdateautomations", "flux-system", "flux-system")["spec"]["suspend"] is False


def test_interrupted_when_the_remote_cannot_be_asked(world, git_world, cluster):
    bad = commit(git_world, ("replicas: ", "replicas: 1"), "Scale up")
    started = git_world.origin.parent / "receiving"
    gone = git_world.origin.with_name("moved-away.git")
    hook = git_world.origin / "hooks" / "pre-receive"
    # The network goes away with the interrupt: the remote can no longer be asked.
    hook.write_text(f"#!/bin/sh\ntrap 'mv {git_world.origin} {gone}; exit 1' INT TERM\ncat >/dev/null\n"
                    f"touch {started}\nsleep 30 & wait\n")  # fmt: skip
    hook.chmod(0o755)
    process = start_rollback(git_world, cluster, bad)
    wait_for(started)
    stderr = ctrl_c(process)
    revert = git_world.head()
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == (
        f"✗ interrupted: push state unknown; check with git fetch (the revert commit {revert[:8]} stays local, "
        "image automation stays as it is)"
    )
    assert git(git_world.clone, "log", "-1", "--format=%s") == 'Revert "Scale up"'
    clean(git_world)


def test_git_lock_files_left_by_an_interrupted_child_are_removed_and_others_kept(world, git_world, cluster):
    """git removes its own locks on SIGINT, but not a child killed outright; ours go, others stay."""
    bad = commit(git_world, ("replicas: ", "replicas: 1"), "Scale up")
    someone_elses = git_world.clone / ".git" / "refs" / "heads" / "other.lock"
    someone_elses.write_text("")
    started = git_world.origin.parent / "receiving"
    hook = git_world.origin / "hooks" / "pre-receive"
    # The push leaves a lock behind, as a git killed mid-update would.
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\ntouch {git_world.clone}/.git/index.lock {started}\nsleep 30\n")
    hook.chmod(0o755)
    process = start_rollback(git_world, cluster, bad)
    wait_for(started)
    stderr = ctrl_c(process)
    assert stderr.splitlines()[-1] == f"✗ interrupted: nothing was pushed; the repository is back at {bad[:8]}"
    assert lock_files(git_world.clone) == {someone_elses}
    assert git_world.head() == bad


# -- random interrupts with a slow remote ------------------------------------------------------


def interrupt_rollbacks(world, git_world, cluster, iterations: int) -> dict[str, int]:
    slow_remote(git_world, before=0.3, after=0.3)
    randomness = random.Random(iterations)
    outcomes: dict[str, int] = {}
    for round_ in range(iterations):
        target = commit(git_world, ("replicas: ", f"replicas: {round_ % 7 + 1}"), f"Change {round_}")
        process = start_rollback(git_world, cluster, target)
        time.sleep(randomness.uniform(0.2, 2.5))
        stderr = ctrl_c(process) if process.poll() is None else process.communicate()[1]
        last = stderr.splitlines()[-1] if stderr.strip() else ""
        head, remote = git_world.head(), origin_head(git_world)
        if process.returncode == 0 or (process.returncode == -signal.SIGINT and "✔ pushed" in stderr):
            ending = "finished"
            assert head == remote != target, stderr
        elif last.startswith("✗ interrupted after the push: "):
            ending = "after the push"
            assert last.split()[5] == head[:8] and head == remote != target, stderr
        elif last == f"✗ interrupted: nothing was pushed; the repository is back at {target[:8]}":
            ending = "nothing pushed"
            assert head == remote == target, stderr
        elif last == "✗ interrupted before anything changed: nothing was pushed":
            ending = "before anything changed"
            assert head == remote == target, stderr
        else:
            pytest.fail(f"exit {process.returncode}, an ending that is not one of the promised ones:\n{stderr}")
        assert process.returncode in (0, 130, -signal.SIGINT), stderr
        clean(git_world)
        outcomes[ending] = outcomes.get(ending, 0) + 1
    return outcomes


def test_random_interrupts_of_rollback_with_a_slow_remote(world, git_world, cluster):
    interrupt_rollbacks(world, git_world, cluster, 4)


@pytest.mark.slow
def test_random_interrupts_of_rollback_with_a_slow_remote_many_times(world, git_world, cluster):
    outcomes = interrupt_rollbacks(world, git_world, cluster, 200)
    # Worth something only if interrupts landed on both sides of the push.
    assert outcomes.get("nothing pushed", 0) > 0 and outcomes.get("after the push", 0) > 0, outcomes
