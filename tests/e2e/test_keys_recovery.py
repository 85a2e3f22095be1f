"""Lose the cluster, keep the secrets: back up the real controller's keys, destroy the control
plane, start an empty one, `gitopsctl bootstrap --restore-keys`, and the SealedSecrets already in
Git become the same Secrets again.

The world is the bootstrap-from-zero one (tests/harness/fleet.py): the real flux CLI, helm and
Sealed Secrets chart, the real controllers, a GitHub Enterprise host that outlives the cluster.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.fleet import World, fleet
from tests.harness.git import git

MARKER = "MARKER-token-7d1c0a"
PASSPHRASE = "MARKER-passphrase-31b9e2"
SEALED_SECRETS_KUSTOMIZATION = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: sealed-secrets
  namespace: flux-system
spec:
  interval: 1m
  path: ./flux/sealed-secrets/production
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with fleet(tmp_path, monkeypatch) as started:
        started.env["GITOPSCTL_KEYS_PASSPHRASE"] = PASSPHRASE
        yield started


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stderr


def secret_data(world: World, name: str, timeout: float = 120) -> dict[str, str]:
    """The Secret the controller made from the SealedSecret, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = world.plane.kubectl("get", "secret", name, "-n", "default", "-o", "json", check=False)
        if found.returncode == 0:
            return json.loads(found.stdout)["data"]
        time.sleep(0.5)
    raise AssertionError(f"no Secret default/{name} after {timeout:g}s:\n{world.plane.log_tail()[-3000:]}")


def controller_logs(world: World) -> str:
    """The last lines of each Sealed Secrets controller process this cluster started."""
    logs = sorted((world.plane.workdir / "logs").glob("sealed-secrets-controller-*.log"))
    return "\n".join(f"{log.name}:\n{log.read_text(errors='replace')[-1500:]}" for log in logs)


def test_a_rebuilt_cluster_opens_the_sealed_secrets_already_in_git(world: World, tmp_path: Path):
    ok(world.gitopsctl("bootstrap"))
    token = tmp_path / "token"
    token.write_text(MARKER)
    ok(world.gitopsctl("seal", "generic", "app-token", "-n", "default", "--from-file", f"token={token}"))
    (world.clone / "clusters/production/sealed-secrets.yaml").write_text(SEALED_SECRETS_KUSTOMIZATION)
    git(world.clone, "add", "-A")
    git(world.clone, "commit", "-q", "-m", "Seal the app token")
    git(world.clone, "push", "-q", "origin", "main")
    ok(world.gitopsctl("sync"))
    before = secret_data(world, "app-token")

    unbacked = "(the one the repository seals with) is in no backup: gitopsctl keys backup --to FILE"
    assert unbacked in world.gitopsctl("verify").stderr
    backup = tmp_path / "backups" / "keys.pem"
    backup.parent.mkdir()
    ok(world.gitopsctl("keys", "backup", "--to", str(backup)))
    assert unbacked not in world.gitopsctl("verify").stderr
    listed = json.loads(world.gitopsctl("keys", "list", "-o", "json").stdout)["keys"]
    assert [key["backed_up"] for key in listed] == [True]

    world.rebuild_cluster()  # the SD card died; Git and the backup remain
    restored = ok(world.gitopsctl("bootstrap", "--restore-keys", str(backup)))
    assert "restoring 1 sealing key(s)" in restored
    assert "certificate unchanged" in restored  # the controller seals with the old key: the pin holds
    ok(world.gitopsctl("sync"))
    assert secret_data(world, "app-token") == before

    # Restoring into the running controller restarts it (a new Pod, a new process) with the keys.
    again = ok(world.gitopsctl("keys", "restore", str(backup)))
    assert "the controller holds the restored keys" in again
    # The restarted controller opens every SealedSecret in the repository. kwok calls the new Pod
    # ready before its process listens (no readiness probe here), so ask until it answers.
    deadline = time.monotonic() + 90
    while (verified := world.gitopsctl("seal", "verify")).returncode != 0 and time.monotonic() < deadline:
        time.sleep(1)
    ok(verified)

    # The controller renews its key (here: a cutoff time, as after a compromise): it seals with
    # the new one, the restored one still opens what Git holds, and keys list asks for a backup.
    world.sealed_secrets.extra_args = (f"--key-cutoff-time={email.utils.format_datetime(dt.datetime.now(dt.UTC))}",)
    deadline = time.monotonic() + 90
    restart = ("rollout", "restart", "deployment/sealed-secrets-controller", "-n", "flux-system")
    while world.plane.kubectl(*restart, check=False).returncode != 0:  # one restart per second, says kubectl
        assert time.monotonic() < deadline
        time.sleep(0.2)
    while len(keys := json.loads(world.gitopsctl("keys", "list", "-o", "json").stdout)["keys"]) < 2:
        assert time.monotonic() < deadline, controller_logs(world)
        time.sleep(1)
    assert [key["backed_up"] for key in keys] == [True, False]
    assert "⚠ not in a backup: " in world.gitopsctl("keys", "list").stderr
    world.plane.kubectl("delete", "secret", "app-token", "-n", "default")
    world.plane.kubectl("annotate", "sealedsecret", "app-token", "-n", "default", "test/touched=1", "--overwrite")
    assert secret_data(world, "app-token") == before  # opened again, with the restored key

    # Nothing in the clear anywhere but the Secret itself: not in the backup, the clone or any output.
    assert MARKER not in backup.read_text() and PASSPHRASE not in backup.read_text()
    clone_text = "".join(p.read_text(errors="replace") for p in world.clone.rglob("*") if p.is_file())
    assert MARKER not in clone_text and PASSPHRASE not in clone_text
    assert PASSPHRASE not in restored
