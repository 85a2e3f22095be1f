"""gitopsctl rollback with real git (a bare origin, the operator's clone, a bot's clone)
and the real API server for the guard, the reconcile request and the wait."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.harness.controlplane import free_port
from tests.harness.flux_state import EXAMPLE_KUSTOMIZATIONS, FluxWorld
from tests.harness.git import git
from tests.harness.golden import assert_golden, normalise
from tests.harness.statuses import git_repository_status

REMOTE_URL = "ssh://git@github.com/homelab-operator/homelab-gitops"
DEPLOYMENT = "flux/apps/frontend/deployment.yaml"
BOT = ("fluxcdbot", "fluxcdbot@users.noreply.github.com")


@pytest.fixture
def world(cluster, git_world) -> FluxWorld:
    world = FluxWorld(cluster)
    world.healthy(REMOTE_URL, git_world.head())
    return world


def change_replicas(git_world, count: int, repo=None) -> str:
    path = (repo or git_world.clone) / DEPLOYMENT
    text = path.read_text()
    current = text.split("replicas: ")[1].split("\n")[0]
    return git_world.commit_file(
        DEPLOYMENT, text.replace(f"replicas: {current}", f"replicas: {count}"), f"Scale frontend to {count}", repo=repo
    )


def push(repo) -> None:
    git(repo, "push", "-q", "origin", "main")


def snapshot(git_world) -> dict[str, str]:
    return {
        "refs": git(git_world.clone, "for-each-ref", "--format=%(refname) %(objectname)"),
        "origin": git(git_world.origin, "for-each-ref", "--format=%(refname) %(objectname)"),
        "status": git(git_world.clone, "status", "--porcelain", "--untracked-files=all"),
        "head": git_world.head(),
    }


def rollback(run_cli, git_world, *args):
    return run_cli("--repo", str(git_world.clone), "rollback", *args)


def controller_applies_new_commits(world: FluxWorld, git_world, stop: threading.Event) -> threading.Thread:
    """Stands in for source- and kustomize-controller: applies whatever origin's main points at."""

    def run() -> None:
        applied = git_world.head()
        while not stop.is_set():
            head = git(git_world.origin, "rev-parse", "main")
            if head != applied:
                time.sleep(0.3)
                world.source_at(head)
                for name in EXAMPLE_KUSTOMIZATIONS:
                    inventory = ["default_backend-deploy_batch_Job"] if name == "backend-deploy" else []
                    world.kustomization_applied(name, head, inventory=inventory)
                applied = head
            stop.wait(0.1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_plain_revert_pushes_a_trailer_commit_and_requests_reconciliation(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    result = rollback(run_cli, git_world, bad[:7], "--reason", "too many replicas", "--no-wait")
    assert result.exit_code == 0, result.stderr
    head = git(git_world.origin, "rev-parse", "main")
    message = git(git_world.origin, "log", "-1", "--format=%B", "main")
    assert message.startswith('Revert "Scale frontend to 5"')
    assert f"Rollback-Of: {bad}" in message and "Reason: too many replicas" in message
    assert "replicas: 2" in git(git_world.origin, "show", f"{head}:{DEPLOYMENT}")
    assert git(git_world.origin, "rev-parse", "main~1") == bad  # history kept, nothing rewritten
    annotations = world.get("gitrepositories", "flux-system", "flux-system")["metadata"]["annotations"]
    assert "reconcile.fluxcd.io/requestedAt" in annotations
    for name in EXAMPLE_KUSTOMIZATIONS:
        assert (
            "reconcile.fluxcd.io/requestedAt"
            in world.get("kustomizations", "flux-system", name)["metadata"]["annotations"]
        )


def test_waits_until_the_cluster_applied_the_revert(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    stop = threading.Event()
    controller_applies_new_commits(world, git_world, stop)
    try:
        result = rollback(run_cli, git_world, bad, "--timeout", "30s")
    finally:
        stop.set()
    assert result.exit_code == 0, result.stderr
    assert "✔ all healthy and in sync" in result.stderr


def test_the_wait_for_a_revert_does_not_ask_the_application_repositories_remotes(run_cli, world, git_world):
    """verify asks where an application repository's branch points; a rollback waiting for its
    own push does not (an unreachable remote would hold its first judgement up to 10 s)."""
    url = f"http://127.0.0.1:{free_port()}/app.git"  # nothing listens there
    world.apply(f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: app, namespace: flux-system}}
spec: {{interval: 1m, url: "{url}", ref: {{branch: main}}}}
""")
    world.set_status("gitrepositories", "flux-system", "app", git_repository_status(f"main@sha1:{'c' * 40}"))
    verified = run_cli("-v", "--repo", str(git_world.clone), "verify")
    asked = f"ls-remote {url}"
    assert asked in verified.stderr
    assert "GitRepository flux-system/app" in verified.stderr and "its remote did not answer" in verified.stderr
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    stop = threading.Event()
    controller_applies_new_commits(world, git_world, stop)
    try:
        result = run_cli("-v", "--repo", str(git_world.clone), "rollback", bad, "--timeout", "30s")
    finally:
        stop.set()
    assert result.exit_code == 0, result.stderr
    assert asked not in result.stderr


def test_wait_times_out_with_exit_4_when_nothing_applies_it(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    result = rollback(run_cli, git_world, bad, "--timeout", "2s")
    assert result.exit_code == 4
    assert "✗ timed out:" in result.stderr


def test_merge_commit_is_reverted_against_its_first_parent(run_cli, world, git_world):
    git(git_world.clone, "checkout", "-q", "-b", "feature")
    change_replicas(git_world, 4)
    git(git_world.clone, "checkout", "-q", "main")
    git(git_world.clone, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = git_world.head()
    push(git_world.clone)
    result = rollback(run_cli, git_world, merge, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "is a merge commit: reverting it against its first parent (git revert -m 1)" in result.stderr
    assert "replicas: 2" in (git_world.clone / DEPLOYMENT).read_text()


def test_conflict_leaves_the_repository_exactly_as_it_was(run_cli, world, git_world):
    first = change_replicas(git_world, 3)
    change_replicas(git_world, 4)
    push(git_world.clone)
    before = snapshot(git_world)
    result = rollback(run_cli, git_world, first, "--no-wait")
    assert result.exit_code == 1
    assert f"reverting {first[:8]} conflicts with later changes in: {DEPLOYMENT}" in result.stderr
    assert snapshot(git_world) == before


def test_dirty_tree_is_refused(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    (git_world.clone / "flux" / "apps" / "scratch.yaml").write_text("x: 1\n")
    before = snapshot(git_world)
    result = rollback(run_cli, git_world, bad)
    assert result.exit_code == 2
    assert "the repository has uncommitted changes (flux/apps/scratch.yaml)" in result.stderr
    assert snapshot(git_world) == before


@pytest.mark.parametrize(
    ("sha", "message"),
    [
        ("deadbeef", "no commit 'deadbeef' in the repository"),
        ("not-a-sha", "'not-a-sha' is not a commit SHA"),
    ],
)
def test_unknown_and_malformed_sha(run_cli, world, git_world, sha, message):
    before = snapshot(git_world)
    result = rollback(run_cli, git_world, sha)
    assert result.exit_code == 2
    assert message in result.stderr
    assert snapshot(git_world) == before


def test_ambiguous_sha(run_cli, world, git_world):
    # Many commits on a local side branch, until two share a four-digit prefix.
    stream = ["reset refs/heads/side"]
    for number in range(1, 1200):
        message = f"c{number}"
        stream += [
            "commit refs/heads/side",
            f"mark :{number}",
            f"committer T <t@e.st> {1700000000 + number} +0000",
            f"data {len(message)}",
            message,
        ]
        if number > 1:
            stream.append(f"from :{number - 1}")
    subprocess.run(
        ["git", "fast-import", "--quiet"], input="\n".join(stream) + "\n", text=True, check=True, cwd=git_world.clone
    )
    shas = git(git_world.clone, "rev-list", "side").split()
    prefixes = [sha[:4] for sha in shas]
    prefix = next(p for p in prefixes if prefixes.count(p) > 1)
    result = rollback(run_cli, git_world, prefix)
    assert result.exit_code == 2
    assert f"'{prefix}' is ambiguous: give more digits of the SHA" in result.stderr


def test_already_reverted(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    assert rollback(run_cli, git_world, bad, "--no-wait").exit_code == 0
    result = rollback(run_cli, git_world, bad)
    assert result.exit_code == 2
    assert f"{bad[:8]} was already reverted by" in result.stderr


def test_a_commit_made_live_again_by_a_revert_of_its_revert_can_be_rolled_back(run_cli, world, git_world):
    """It said "already reverted: nothing to do" while the commit was live again."""
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    assert rollback(run_cli, git_world, bad, "--no-wait").exit_code == 0
    git(git_world.clone, "revert", "--no-edit", "HEAD")  # someone brings it back
    push(git_world.clone)
    result = rollback(run_cli, git_world, bad, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "replicas: 5" not in (git_world.clone / DEPLOYMENT).read_text()


def test_remote_moved_during_the_push_is_rebased_and_retried(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    bot = git_world.second_clone("bot")
    hook = git_world.clone / ".git" / "hooks" / "pre-push"
    marker = git_world.clone.parent / "bot-pushed"
    # The bot pushes while our push is under way, once.
    hook.write_text(f"""#!/bin/sh
[ -e {marker} ] && exit 0
touch {marker}
cd {bot} && git pull -q && echo bot > bot.txt && git add bot.txt && \\
  git -c user.name=fluxcdbot -c user.email=bot@x commit -q -m 'chore(images): bump' && git push -q origin main
""")
    hook.chmod(0o755)
    result = rollback(run_cli, git_world, bad, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "the remote had moved: rebased the revert onto it and pushed" in result.stderr
    log = git(git_world.origin, "log", "--format=%s", "-3", "main").splitlines()
    assert log == ['Revert "Scale frontend to 5"', "chore(images): bump", "Scale frontend to 5"]


def test_push_rejected_for_another_reason_keeps_the_local_commit(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    hook = git_world.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    origin_before = git(git_world.origin, "rev-parse", "main")
    result = rollback(run_cli, git_world, bad, "--no-wait")
    assert result.exit_code == 1
    assert "the push was rejected" in result.stderr and "stays local" in result.stderr
    assert git(git_world.origin, "rev-parse", "main") == origin_before
    assert git(git_world.clone, "log", "-1", "--format=%s").startswith("Revert")


def test_dry_run_changes_nothing(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    before = snapshot(git_world)
    result = rollback(run_cli, git_world, bad, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "dry run: nothing was changed" in result.stderr
    assert snapshot(git_world) == before
    assert_golden("rollback_dry_run.txt", normalise(result.stderr, shas=(bad,)))


def test_no_push_makes_the_commit_locally(run_cli, world, git_world):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    origin_before = git(git_world.origin, "rev-parse", "main")
    result = rollback(run_cli, git_world, bad, "--no-push")
    assert result.exit_code == 0, result.stderr
    assert git(git_world.origin, "rev-parse", "main") == origin_before
    assert git(git_world.clone, "rev-parse", "HEAD~1") == bad


def test_interrupt_before_the_push_restores_head(world, git_world, cluster):
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    before = snapshot(git_world)
    started = git_world.clone.parent / "push-started"
    hook = git_world.clone / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\ntouch {started}\nsleep 30\n")
    hook.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(git_world.clone), "rollback", bad, "--no-wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "KUBECONFIG": str(cluster.kubeconfig), "PYTHONFAULTHANDLER": "1"},
    )
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack
        _, stderr = process.communicate(timeout=30)
        pytest.fail(f"still running 30 s after Ctrl-C:\n{stderr}")
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == f"✗ interrupted: nothing was pushed; the repository is back at {bad[:8]}"
    assert snapshot(git_world) == before


def test_image_bump_suspends_automation_before_the_push(run_cli, world, git_world):
    path = git_world.clone / DEPLOYMENT
    text = path.read_text()
    bumped = text.replace("main-0a1b2c3-1764115200", "main-9f9f9f9-1764200000")
    bump = git_world.commit_file(DEPLOYMENT, bumped, "chore(images): update images", author=BOT)
    push(git_world.clone)
    result = run_cli("-v", "--repo", str(git_world.clone), "rollback", bump, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "this is an image automation commit (authored by the image automation (fluxcdbot))" in result.stderr
    commands = [line for line in result.stderr.splitlines() if line.startswith("$ ")]
    patch = next(i for i, c in enumerate(commands) if "patch" in c and "imageupdateautomations" in c)
    git_push = next(i for i, c in enumerate(commands) if c.startswith("$ git push"))
    assert patch < git_push
    automation = world.get("imageupdateautomations", "flux-system", "flux-system")
    assert automation["spec"]["suspend"] is True
    # Owned as gitopsctl: kustomize-controller takes over the fields of kubectl* managers and would
    # drop the suspension at its next apply (tests/e2e/test_image_automation.py shows it for real).
    owners = [e["manager"] for e in automation["metadata"]["managedFields"] if "f:suspend" in json.dumps(e)]
    assert owners == ["gitopsctl"]
    assert "gitopsctl images resume flux-system" in result.stderr


def test_image_tag_only_change_is_recognised_and_pinned_in_git(run_cli, world, git_world):
    path = git_world.clone / DEPLOYMENT
    bumped = path.read_text().replace("main-0a1b2c3-1764115200", "main-9f9f9f9-1764200000")
    bump = git_world.commit_file(DEPLOYMENT, bumped, "Bump by hand")
    push(git_world.clone)
    result = rollback(run_cli, git_world, bump, "--pin-in-git", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "changes only image tags marked for image automation" in result.stderr
    automation = git(git_world.origin, "show", "main:flux/image-automation/update-automation.yaml")
    assert "  suspend: true" in automation
    # Suspended in the cluster too, before the push: until Flux applies the pin, nothing else holds it.
    assert world.get("imageupdateautomations", "flux-system", "flux-system")["spec"].get("suspend") is True
    assert "end the hold: gitopsctl images resume" in result.stderr


ROLLBACK_FROM_PYTHON = """
import sys
from pathlib import Path

from gitopsctl.config import load_config
from gitopsctl.git import Git
from gitopsctl.kube import Kube
from gitopsctl.rollback.steps import RollbackFlow
from gitopsctl.runner import Runner
from tests.harness.progress import RecordingProgress

repo, sha = Path(sys.argv[1]), sys.argv[2]
runner = Runner()
flow = RollbackFlow(
    git=Git(runner, repo), kube=Kube(runner), config=load_config(repo), repo=repo,
    progress=RecordingProgress(echo=True), reason="from a program", keep_automation=False, pin_in_git=False,
)
flow.execute(flow.preflight(sha, dry_run=False), push=False)
"""


def test_a_rollback_runs_from_python_without_click(git_world, monkeypatch):
    from tests.harness.git import GIT_IDENTITY, git
    from tests.harness.without_click import run_without_click

    bad = git_world.commit_file("flux/apps/frontend/extra.yaml", "a: 1\n", "Add something broken")
    git(git_world.clone, "push", "-q", "origin", "main")
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    result = run_without_click(ROLLBACK_FROM_PYTHON, str(git_world.clone), bad[:8])
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"done: reverting {bad[:8]}" in result.stdout
    assert f"Rollback-Of: {bad}" in git(git_world.clone, "log", "-1", "--format=%B")
    assert not (git_world.clone / "flux/apps/frontend/extra.yaml").exists()


def test_preconditions_are_exit_2_with_the_fix(run_cli, git_world, tmp_path):
    from tests.harness.git import git as run_git

    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    run_git(git_world.clone, "remote", "rename", "origin", "upstream")
    result = rollback(run_cli, git_world, bad, "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "✗ the repository has no remote 'origin': git remote add origin URL, or set github.remote in gitopsctl.toml "
        "to the remote Flux pulls from"
    )
    config = git_world.clone / "gitopsctl.toml"
    config.write_text(config.read_text().replace('branch = "main"', 'branch = "main"\nremote = "upstream"'))
    run_git(git_world.clone, "commit", "-qam", "Pull from upstream")
    run_git(git_world.clone, "push", "-q", "upstream", "main")
    assert rollback(run_cli, git_world, bad, "--dry-run").exit_code == 0

    empty = tmp_path / "empty"
    run_git(tmp_path, "init", "-q", "-b", "main", str(empty))
    result = run_cli("--repo", str(empty), "rollback", "abcd", "--dry-run")
    assert result.exit_code == 2
    assert "the repository has no commits yet" in result.stderr


def test_the_boundary_of_a_shallow_clone_is_not_called_the_first_commit(run_cli, git_world, tmp_path):
    from tests.harness.git import git as run_git

    for count in (5, 6, 7):
        change_replicas(git_world, count)
    push(git_world.clone)
    shallow = tmp_path / "shallow"
    run_git(tmp_path, "clone", "-q", "--depth", "2", f"file://{git_world.origin}", str(shallow))
    boundary = run_git(shallow, "rev-list", "--max-parents=0", "HEAD")
    result = run_cli("--repo", str(shallow), "rollback", boundary, "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"✗ {boundary[:8]} is where this shallow clone's history stops; its parent was not fetched: "
        "git fetch --unshallow, then run again"
    )


def test_a_bot_commit_on_top_of_the_revert_counts_as_the_revert_applied(run_cli, world, git_world):
    """Image automation pushes on top of the revert before Flux applies it: the cluster then
    runs a newer commit that includes the revert, which the wait takes as done."""
    bad = change_replicas(git_world, 5)
    push(git_world.clone)
    world.source_at(git_world.head())
    bot = git_world.second_clone("bot")
    stop = threading.Event()

    def bot_then_flux() -> None:
        start = git(git_world.origin, "rev-parse", "main")
        while not stop.is_set() and git(git_world.origin, "rev-parse", "main") == start:
            time.sleep(0.05)
        git(bot, "pull", "-q")
        (bot / "bot.txt").write_text("bump\n")
        git(bot, "add", "bot.txt")
        git(bot, "-c", "user.name=fluxcdbot", "-c", "user.email=bot@x", "commit", "-q", "-m", "chore(images): bump")
        git(bot, "push", "-q", "origin", "main")
        newer = git(bot, "rev-parse", "HEAD")
        world.source_at(newer)
        for name in EXAMPLE_KUSTOMIZATIONS:
            inventory = ["default_backend-deploy_batch_Job"] if name == "backend-deploy" else []
            world.kustomization_applied(name, newer, inventory=inventory)

    thread = threading.Thread(target=bot_then_flux, daemon=True)
    thread.start()
    try:
        result = rollback(run_cli, git_world, bad, "--timeout", "60s")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert "which includes" in result.stderr
    assert "✔ all healthy and in sync" in result.stderr
