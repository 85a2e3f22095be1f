"""Image automation for real: a registry like Harbor, the real image controllers, and a rollback
that stays rolled back.

The home lab as the quick start builds it (tests/harness/home_lab.py). The registry is
distribution with htpasswd on loopback over plain HTTP; tags are pushed through its API as the
home lab's CI pushes them (``main-<sha>-<unix time>``). image-reflector-controller scans them
with the sealed credentials, the ImagePolicy picks the newest, image-automation-controller
commits the bump and pushes it over SSH with the deploy key flux registered, and
kustomize-controller applies it; the Deployment rolls out through the real
kube-controller-manager. No image object's status is written by a test. Scans and automation
runs every 2 seconds; waits follow status fields, never sleeps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.controlplane import ControlPlaneUnavailable
from tests.harness.empty_cluster import REGISTRY_USER
from tests.harness.git import git
from tests.harness.home_lab import (
    AUTOMATION,
    BACKEND,
    BOT,
    FRONTEND,
    IMAGE_POLICY,
    IMAGE_REPOSITORY,
    REPOSITORY,
    Lab,
    ci_tag,
    start_home_lab,
)
from tests.harness.network import NetworkUnavailable


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    # The host's CA bundle would win over the repository's http.sslCAInfo: this host has its own CA.
    monkeypatch.delenv("GIT_SSL_CAINFO", raising=False)
    try:
        lab = start_home_lab(tmp_path)
    except (ControlPlaneUnavailable, NetworkUnavailable) as reason:  # no Go, or not root
        pytest.skip(f"the empty-cluster world cannot run here: {reason}")
    try:
        yield lab
    finally:
        lab.cluster.stop()


def test_a_new_tag_is_scanned_committed_applied_and_verified(lab: Lab):
    bump = lab.bump_frontend(2)
    assert lab.origin_commit(bump) == (BOT, "chore(images): update images")
    assert lab.latest_tag() == ci_tag(2)

    verify = lab.ok("verify")
    assert "ImagePolicy flux-system/frontend" in verify and f"latest tag {ci_tag(2)}" in verify
    history = json.loads(lab.gitopsctl("history", "-o", "json").stdout)
    newest = history["commits"][0]
    assert (newest["sha"], newest["author"]) == (bump, BOT)
    assert "image-bump" in newest["marks"] and "applied" in newest["marks"]


def test_a_rolled_back_bump_stays_rolled_back_until_resumed(lab: Lab):
    good = lab.deployed()
    bump = lab.bump_frontend(2)

    rolled = lab.ok("rollback", bump[:10], "--reason", "build 2 crashes on the Pi", "--timeout=3m")
    assert "✔ suspending image automation in the cluster" in rolled
    assert lab.get(AUTOMATION, "flux-system")["spec"]["suspend"] is True
    assert lab.deployed() == good
    revert = lab.origin_head()
    # Build 2 is still the newest in the registry, and the policy still selects it; the
    # suspended automation writes nothing back.
    lab.wait_for_scans(2)
    assert lab.latest_tag() == ci_tag(2)
    assert lab.origin_head() == revert
    assert lab.deployed() == good

    verify = lab.gitopsctl("verify")
    assert "ImageUpdateAutomation flux-system/flux-system" in verify.stderr
    assert "suspended" in verify.stderr and "gitopsctl images resume" in verify.stderr

    # A fixed build is tagged; ending the hold lets the automation move on to it.
    fixed = lab.push_tag(FRONTEND, 3)
    lab.wait_until("the policy selects the fixed build", lambda: lab.latest_tag() == ci_tag(3))
    resumed = lab.ok("images", "resume")
    assert "resumed ImageUpdateAutomation flux-system/flux-system" in resumed
    lab.wait_for_push_after(lab.last_push())
    lab.ok("sync", "--wait", "--timeout=3m")
    assert lab.deployed() == fixed


def test_a_rollback_pinned_in_git_holds_across_a_rebuilt_cluster_until_the_pin_is_removed(lab: Lab):
    good = lab.deployed()
    bump = lab.bump_frontend(2)

    rolled = lab.ok("rollback", bump[:10], "--pin-in-git", "--timeout=3m")
    assert "✔ suspending image automation in Git" in rolled
    origin = lab.cluster.github.repository(REPOSITORY)
    assert "suspend: true" in git(origin, "show", "main:flux/image-automation/update-automation.yaml")
    assert lab.get(AUTOMATION, "flux-system")["spec"]["suspend"] is True
    revert = lab.origin_head()
    lab.wait_for_scans(2)
    assert (lab.origin_head(), lab.deployed()) == (revert, good)

    # The pin is in Git, so it outlives the cluster: rebuilt from the same repository (the keys
    # restored, so the sealed registry credentials open again), the new cluster's automation is
    # suspended from its first moment and holds while the reflector scans build 2 again.
    lab.env["GITOPSCTL_KEYS_PASSPHRASE"] = "pin-test-passphrase"
    backup = lab.clone.parent / "backups" / "keys.pem"
    backup.parent.mkdir()
    lab.ok("keys", "backup", "--to", str(backup))
    lab.cluster.rebuild()
    lab.env["KUBECONFIG"] = str(lab.cluster.plane.kubeconfig)
    lab.ok("bootstrap", "--restore-keys", str(backup))
    # What bootstrap and the backup recorded (the pin, the backed-up key), as its next steps say.
    git(lab.clone, "commit", "-q", "-am", "Record the key backup")
    git(lab.clone, "push", "-q", "origin", "main")
    recorded = lab.origin_head()
    lab.ok("sync", "--wait", "--timeout=3m")
    assert lab.get(AUTOMATION, "flux-system")["spec"]["suspend"] is True
    lab.wait_for_scans(2)
    assert (lab.origin_head(), lab.deployed()) == (recorded, good)

    resumed = lab.ok("images", "resume")
    assert "the pin is gone from flux/image-automation/update-automation.yaml" in resumed
    assert "suspend" not in git(origin, "show", "main:flux/image-automation/update-automation.yaml")
    # Nothing newer was tagged: the automation writes build 2 back, as its policy says.
    lab.wait_for_push_after(lab.last_push())
    lab.ok("sync", "--wait", "--timeout=3m")
    assert lab.deployed().endswith(ci_tag(2))
    assert lab.get(AUTOMATION, "flux-system")["spec"].get("suspend") in (None, False)


def test_keep_automation_warns_and_the_bump_comes_back(lab: Lab):
    bump = lab.bump_frontend(2)
    before = lab.last_push()
    rolled = lab.ok("rollback", bump[:10], "--keep-automation", "--no-wait")
    assert "⚠ --keep-automation: image automation may write the reverted tag back" in rolled
    rebump = lab.wait_for_push_after(before)
    assert lab.origin_commit(rebump)[0] == BOT
    lab.ok("sync", "--wait", "--timeout=3m")
    assert lab.deployed().endswith(ci_tag(2))


def test_the_bot_pushes_while_the_rollback_pushes(lab: Lab, tmp_path: Path):
    """With --keep-automation the automation stays live; a pre-push hook holds the rollback's
    push until a real bot commit (a backend bump, for a tag pushed while the hook waits) has
    landed, so the push is rejected and the revert is rebased onto the bot's commit. The wait
    then ends on whatever Flux applies on top of the revert (the bot may re-bump at once)."""
    bump = lab.bump_frontend(2)
    waiting = tmp_path / "hook-is-waiting"
    hook = lab.clone / ".git" / "hooks" / "pre-push"
    # One shot: the retried push after the rebase must not wait again.
    hook.write_text(
        "#!/bin/sh\n"
        f'rm -f "$0"; start=$(git rev-parse origin/main); touch {waiting}\n'
        "for _ in $(seq 600); do\n"
        '  [ "$(git ls-remote origin refs/heads/main | cut -f1)" != "$start" ] && exit 0\n'
        "  sleep 0.1\n"
        "done\n"
        "exit 1\n"
    )
    hook.chmod(0o755)
    command = ["rollback", bump[:10], "--keep-automation", "--timeout=3m"]
    rollback = subprocess.Popen(
        [sys.executable, "-m", "gitopsctl", "--repo", str(lab.clone), *command],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=lab.env,
    )  # fmt: skip
    lab.wait_until("the rollback reaches its push", waiting.exists)
    lab.push_tag(BACKEND, 2)
    _, stderr = rollback.communicate(timeout=300)
    assert rollback.returncode == 0, stderr
    assert "the remote had moved: rebased the revert onto it and pushed" in stderr
    origin = lab.cluster.github.repository(REPOSITORY)
    revert = next(
        line.split()[0]
        for line in git(origin, "log", "--format=%H %s", "main").splitlines()
        if 'Revert "chore(images): update images"' in line
    )
    assert lab.origin_commit(f"{revert}^") == (BOT, "chore(images): update images")
    assert git(origin, "show", "--format=", "--name-only", f"{revert}^") == "flux/apps/backend-deploy/job.yaml"
    job = lab.get("job", "backend-deploy", "default")
    assert ci_tag(2) in json.dumps(job["spec"]["template"]["spec"]["containers"][0]["env"])


def test_registry_and_policy_failures_show_in_verify_with_their_fix(lab: Lab):
    def failing(kind: str, name: str, words: str = "") -> bool:
        conditions = lab.get(kind, name).get("status", {}).get("conditions", [])
        ready = next((c for c in conditions if c["type"] == "Ready"), {})
        return ready.get("status") == "False" and words in ready.get("message", "")

    def line(stderr: str, subject: str) -> str:
        return next(text for text in stderr.splitlines() if subject in text)

    # A typo sealed without the registry's check, and a policy that matches nothing CI pushes.
    lab.ok(
        "seal", "harbor-creds", "--username", REGISTRY_USER, "--password-stdin", "--no-check", "--force", input="typo"
    )
    policy = lab.clone / "flux/image-automation/backend.yaml"
    policy.write_text(policy.read_text().replace("'^main-[a-f0-9]+-(?P<ts>[0-9]+)$'", "'^release-(?P<ts>[0-9]+)$'"))
    git(lab.clone, "commit", "-q", "-am", "A typo and a pattern for tags nobody pushes")
    git(lab.clone, "push", "-q", "origin", "main")
    lab.ok("sync")
    lab.wait_until("the scan fails with the wrong password", lambda: failing(IMAGE_REPOSITORY, "frontend"))
    lab.wait_until("the policy finds no tag", lambda: failing(IMAGE_POLICY, "backend"))
    verify = lab.gitopsctl("verify")
    assert verify.returncode == 4, verify.stderr
    assert "reseal them: gitopsctl seal harbor-creds" in line(verify.stderr, "✗ ImageRepository flux-system/frontend")
    assert "no tag in the registry matches the policy's spec.filterTags" in line(
        verify.stderr, "✗ ImagePolicy flux-system/backend"
    )

    lab.cluster.registry.stop()
    lab.wait_until(
        "the scan fails with the registry down", lambda: failing(IMAGE_REPOSITORY, "frontend", "connection refused")
    )
    verify = lab.gitopsctl("verify")
    assert verify.returncode == 4, verify.stderr
    assert "the registry cannot be reached" in line(verify.stderr, "✗ ImageRepository flux-system/frontend")


def test_an_automation_push_refused_shows_in_verify_with_its_fix(lab: Lab):
    """The deploy key lost its write access (an operator unticked it): the bot's push is refused."""
    lab.cluster.github.make_deploy_keys_read_only(REPOSITORY)
    lab.push_tag(FRONTEND, 2)

    def refused() -> bool:
        conditions = lab.get(AUTOMATION, "flux-system").get("status", {}).get("conditions", [])
        ready = next((c for c in conditions if c["type"] == "Ready"), {})
        return ready.get("status") == "False" and "read only" in ready.get("message", "")

    lab.wait_until("the automation's push is refused", refused)
    verify = lab.gitopsctl("verify")
    assert verify.returncode == 4, verify.stderr
    line = next(
        text for text in verify.stderr.splitlines() if "✗ ImageUpdateAutomation flux-system/flux-system" in text
    )
    assert "marked as read only" in line
    assert line.endswith(
        "(the key Flux pushes with may not write to the repository: give the deploy key write access "
        "(flux bootstrap --read-write-key, which gitopsctl bootstrap passes))"
    )
