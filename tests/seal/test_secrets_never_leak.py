"""A marker secret must not reach argv, temp files, the repository in plaintext, or any output."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_CERT
from tests.harness.ssh import make_key, make_known_hosts

MARKER = "MARKER-5f1e2d-do-not-leak"


@pytest.fixture
def recording_path(tmp_path, monkeypatch):
    """Every program on PATH wrapped to log its argv before running."""
    log = tmp_path / "argv.log"
    shims = tmp_path / "shims"
    shims.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep)[:1]:
        for program in Path(folder).iterdir():
            shim = shims / program.name
            shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$0 $*" >> {log}\nexec {program.resolve()} "$@"\n')
            shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    return log, temp


def leaks(text: str) -> bool:
    encoded = base64.b64encode(MARKER.encode()).decode()
    return MARKER in text or encoded in text


def scan_tree(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            data = path.read_bytes()
            if MARKER.encode() in data or base64.b64encode(MARKER.encode()) in data:
                found.append(path)
    return found


def test_every_seal_command_keeps_the_marker_secret(run_cli, sealing_repo, recording_path, tmp_path):
    log, temp = recording_path
    # A real key (vm-ssh-key parses it): its body stands for the key material that must not leak.
    key = make_key(tmp_path / "keys" / "id")
    key_body = key.read_text().splitlines()[2]
    known_hosts = make_known_hosts(tmp_path / "keys" / "known_hosts")
    secret_file = tmp_path / "secret.yaml"
    secret_file.write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-file\n  namespace: default\n"
        f"stringData:\n  token: {MARKER}\n"
    )
    value_file = tmp_path / "value"
    value_file.write_text(MARKER)
    base = ["-vv", "--repo", str(sealing_repo), "seal"]
    runs = [
        run_cli(*base, "harbor-creds", "--no-check", "--username", "robot$x+ci", "--password-stdin", input=MARKER),
        run_cli(
            *base,
            "harbor-creds",
            "--no-check",
            "--username",
            "robot$x+ci",
            "--name",
            "prompted",
            "-n",
            "default",
            input=f"{MARKER}\n{MARKER}\n",
        ),
        run_cli(*base, "vm-ssh-key", "--key-file", str(key), "--known-hosts", str(known_hosts)),
        run_cli(*base, "generic", "from-value", "-n", "default", "--from-file", f"token={value_file}"),
        run_cli(*base, "generic", "from-stdin", "-n", "default", "--from-file", "token=-", input=MARKER),
        run_cli(*base, "file", str(secret_file)),
        run_cli(*base, "file", "-", "--stdout", input=secret_file.read_text().replace("from-file", "piped")),
        # Failures must not print the value either.
        run_cli(*base, "generic", "from-value", "-n", "default", "--from-file", f"token={value_file}"),
        run_cli(*base, "file", "-", "--cert", str(tmp_path / "missing.pem"), input=secret_file.read_text()),
        run_cli(*base, "file", "-", "--stdout", input=f"kind: Secret\nmetadata: [{MARKER}"),
    ]
    assert [r.exit_code for r in runs] == [0, 0, 0, 0, 0, 0, 0, 2, 2, 2], [r.stderr for r in runs]
    for result in runs:
        assert not leaks(result.stdout), result.stdout
        assert not leaks(result.stderr), result.stderr
        assert key_body not in result.stdout + result.stderr
    assert scan_tree(sealing_repo) == []
    assert scan_tree(temp) == []
    assert not log.exists() or not leaks(log.read_text())
    assert not log.exists() or key_body not in log.read_text()
    assert not any(key_body.encode() in p.read_bytes() for p in sealing_repo.rglob("*") if p.is_file())
    tracked = subprocess.run(["git", "status", "--porcelain"], cwd=sealing_repo, capture_output=True, text=True)
    assert "default.from-value.yaml" in tracked.stdout  # the sealed files were written


def test_the_prompt_echo_is_off(run_cli, tmp_path):
    result = run_cli(
        "seal",
        "harbor-creds",
        "--no-check",
        "--username",
        "u",
        "-n",
        "default",
        "--cert",
        str(TEST_CERT),
        "--stdout",
        input=f"{MARKER}\n{MARKER}\n",
    )
    assert result.exit_code == 0
    assert MARKER not in result.stderr


def test_a_secret_object_shows_its_keys_never_its_values():
    """What a traceback or a debugger prints of a Secret carries no value."""
    from gitopsctl.sealing.secret import Secret

    secret = Secret(name="app", namespace="default", data={"token": MARKER.encode()})
    assert repr(secret) == "Secret(default/app, keys=['token'])"
    assert MARKER not in repr(secret) + str(secret)
