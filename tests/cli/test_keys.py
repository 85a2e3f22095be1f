"""gitopsctl keys list and backup against the real API server, and restore's refusals: a
backup that is not this cluster's, or no controller to give the keys to, change nothing.
(Restoring into a running controller is end to end: tests/e2e/test_keys_recovery.py.)"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from tests.conftest import TEST_CERT, TEST_KEY

LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key"
PASSPHRASE = "MARKER-passphrase-0c9a"
KEY_NAME = "sealed-secrets-key7xq2p"


@pytest.fixture
def sealing_key(cluster):
    cluster.kubectl(
        "create", "secret", "tls", KEY_NAME, "-n", "flux-system", f"--cert={TEST_CERT}", f"--key={TEST_KEY}"
    )
    cluster.kubectl("label", "secret", KEY_NAME, "-n", "flux-system", f"{LABEL}=active")
    return cluster


@pytest.fixture
def recorded_argv(tmp_path, monkeypatch):
    """kubectl wrapped to log every argv it is given, and a TMPDIR of our own to look into."""
    import shutil

    log, shims, temp = tmp_path / "argv.log", tmp_path / "shims", tmp_path / "tmp"
    shims.mkdir()
    temp.mkdir()
    real = shutil.which("kubectl")
    (shims / "kubectl").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\nexec {real} "$@"\n')
    (shims / "kubectl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMPDIR", str(temp))
    return log, temp


def key_material() -> list[str]:
    """What must never show: the private key, as PEM lines and as the Secret's base64."""
    pem = TEST_KEY.read_text()
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return [lines[3], base64.b64encode(pem.encode()).decode()[:60], PASSPHRASE]


def test_list_shows_the_key_without_reading_it(run_cli, sealing_key, sealing_repo, recorded_argv):
    result = run_cli("-vv", "--repo", str(sealing_repo), "keys", "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
    [key] = json.loads(result.stdout)["keys"]
    assert (key["name"], key["state"], key["backed_up"]) == (KEY_NAME, "active", False)
    assert key["fingerprint"].startswith("sha256:")
    text = run_cli("--repo", str(sealing_repo), "keys", "list")
    assert f"⚠ not in a backup: {KEY_NAME}: gitopsctl keys backup --to FILE" in text.stderr
    assert "jsonpath=" in recorded_argv[0].read_text()  # the private half is never selected


def test_backup_is_encrypted_private_recorded_and_leaks_nothing(
    run_cli, sealing_key, sealing_repo, tmp_path, recorded_argv
):
    target = tmp_path / "outside" / "keys.pem"
    target.parent.mkdir()
    result = run_cli(
        "-vv", "--repo", str(sealing_repo), "keys", "backup", "--to", str(target), "--passphrase-stdin",
        input=PASSPHRASE,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"✔ backed up 1 key(s) to {target}" in result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in target.read_bytes()
    listed = json.loads(run_cli("--repo", str(sealing_repo), "keys", "list", "-o", "json").stdout)
    assert listed["keys"][0]["backed_up"] is True
    assert "key_backups" in (sealing_repo / "gitopsctl.toml").read_text()
    log, temp = recorded_argv
    seen = result.stdout + result.stderr + log.read_text() + (sealing_repo / "gitopsctl.toml").read_text()
    seen += "".join(p.read_text(errors="replace") for p in temp.rglob("*") if p.is_file())
    for marker in key_material():
        assert marker not in seen
        assert marker not in target.read_text()


def test_backup_inside_the_repository_is_refused(run_cli, sealing_key, sealing_repo):
    result = run_cli(
        "--repo", str(sealing_repo), "keys", "backup", "--to", str(sealing_repo / "keys.pem"), "--passphrase-stdin",
        input=PASSPHRASE,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"✗ {sealing_repo / 'keys.pem'} is inside the Git work tree {sealing_repo}: write the backup outside any "
        "repository (e.g. ~/backups/sealing-keys.pem)"
    ]
    assert not (sealing_repo / "keys.pem").exists()


def test_restore_refusals_change_nothing(run_cli, sealing_key, sealing_repo, tmp_path):
    target = tmp_path / "keys.pem"
    env = {"GITOPSCTL_KEYS_PASSPHRASE": PASSPHRASE}
    assert run_cli("--repo", str(sealing_repo), "keys", "backup", "--to", str(target), env=env).exit_code == 0
    before = sealing_key.kubectl("get", "secrets", "-n", "flux-system", "-o", "name").stdout
    wrong = run_cli(
        "--repo", str(sealing_repo), "keys", "restore", str(target), env={"GITOPSCTL_KEYS_PASSPHRASE": "x" * 12}
    )
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith(f"✗ the passphrase does not open {target}")
    # This repository pins another certificate: the backup is another cluster's.
    config = sealing_repo / "gitopsctl.toml"
    config.write_text(
        config.read_text() + '\n[sealed_secrets.cert_fingerprints]\nproduction = "sha256:' + "0" * 64 + '"\n'
    )
    other = run_cli("--repo", str(sealing_repo), "keys", "restore", str(target), env=env)
    assert other.exit_code == 2
    assert "match nothing this repository pins for production" in other.stderr
    # The right backup, but no controller to give it to.
    absent = run_cli("--repo", str(sealing_repo), "keys", "restore", str(target), "--force", env=env)
    assert absent.exit_code == 3
    assert (
        "no Sealed Secrets controller sealed-secrets-controller in flux-system: nothing was restored" in absent.stderr
    )
    assert sealing_key.kubectl("get", "secrets", "-n", "flux-system", "-o", "name").stdout == before


def test_a_short_passphrase_is_refused(run_cli, sealing_key, tmp_path):
    result = run_cli("keys", "backup", "--to", str(tmp_path / "k.pem"), "--passphrase-stdin", input="short")
    assert result.exit_code == 2
    assert "the passphrase is shorter than 8 characters" in result.stderr
    assert not Path(tmp_path / "k.pem").exists()
