"""seal vm-ssh-key: a key the deploy Job can use and host keys it can trust, checked before sealing.

Keys come from the real ssh-keygen; --scan reads a real sshd on loopback with the real ssh-keyscan.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY
from tests.harness.controlplane import free_port
from tests.harness.ssh import SSHD, Sshd, fingerprint, make_key, make_known_hosts

STORE = "flux/sealed-secrets/production"


def status(repo: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout


def seal(run_cli, repo: Path, *args: str):
    return run_cli("--repo", str(repo), "seal", "vm-ssh-key", *args)


@pytest.fixture
def sshd(tmp_path):
    if not SSHD.exists():
        pytest.skip("sshd is not installed (apt install openssh-server; .ci/run installs it)")
    server = Sshd(tmp_path / "sshd").start()
    yield server
    server.stop()


def test_known_hosts_is_required(run_cli, sealing_repo, tmp_path):
    before = status(sealing_repo)
    result = seal(run_cli, sealing_repo, "--key-file", str(make_key(tmp_path / "id")))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "✗ the deploy Job checks the VM's host key (UserKnownHostsFile), so the secret needs known_hosts: "
        "pass --known-hosts FILE, or --scan HOST[:PORT] to read the host keys from the VM"
    ]
    both = seal(run_cli, sealing_repo, "--key-file", "id", "--known-hosts", "kh", "--scan", "vm")
    assert both.exit_code == 2 and "--known-hosts and --scan both give the host keys" in both.stderr
    assert status(sealing_repo) == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda path: make_key(path, passphrase="correct horse battery"),
            "the key is protected by a passphrase, which the deploy Job cannot type",
        ),
        (
            lambda path: path.write_text(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"
            ),
            "the private key cannot be read (damaged or an unsupported format)",
        ),
    ],
    ids=["passphrase", "damaged"],
)
def test_a_key_the_job_cannot_use_is_refused(run_cli, sealing_repo, tmp_path, make, message):
    key = tmp_path / "id"
    make(key)
    before = status(sealing_repo)
    result = seal(
        run_cli, sealing_repo, "--key-file", str(key), "--known-hosts", str(make_known_hosts(tmp_path / "kh"))
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"✗ --key-file {key}: {message}: ")
    assert status(sealing_repo) == before


def test_a_known_hosts_file_without_host_keys_is_refused(run_cli, sealing_repo, tmp_path):
    (tmp_path / "kh").write_text("192.168.0.50 ssh-ed25519 bm90IGEga2V5\n")
    result = seal(
        run_cli, sealing_repo, "--key-file", str(make_key(tmp_path / "id")), "--known-hosts", str(tmp_path / "kh")
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"✗ {tmp_path / 'kh'}:1: the key is not a ssh-ed25519 key"]


def test_scan_reads_the_host_keys_of_a_real_sshd(run_cli, sealing_repo, tmp_path, sshd):
    result = seal(
        run_cli, sealing_repo, "--key-file", str(make_key(tmp_path / "id")), "--scan", f"127.0.0.1:{sshd.port}", "--yes"
    )
    assert result.exit_code == 0, result.stderr
    # The fingerprint shown is the one ssh-keygen gives for the server's own host key.
    assert f"  {fingerprint(sshd.host_key.with_suffix('.pub'))} ssh-ed25519 ([127.0.0.1]:{sshd.port})" in result.stderr
    unsealed = run_cli(
        "unseal", str(sealing_repo / STORE / "default.vm-ssh-key.yaml"), "--private-key", str(TEST_KEY), "-o", "json"
    )
    known_hosts = base64.b64decode(json.loads(unsealed.stdout)["data"]["known_hosts"]).decode()
    blob = sshd.host_key.with_suffix(".pub").read_text().split()[1]
    assert known_hosts == f"[127.0.0.1]:{sshd.port} ssh-ed25519 {blob}\n"


def test_scanned_keys_must_be_confirmed(run_cli, sealing_repo, tmp_path, sshd):
    before = status(sealing_repo)
    result = seal(
        run_cli, sealing_repo, "--key-file", str(make_key(tmp_path / "id")), "--scan", f"127.0.0.1:{sshd.port}"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "✗ the scanned host keys are not confirmed: compare them with "
        "'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the VM, then pass --yes"
    )
    assert status(sealing_repo) == before


def test_a_scan_host_that_does_not_answer_is_one_line(run_cli, sealing_repo, tmp_path):
    before = status(sealing_repo)
    port = free_port()  # nothing listens there
    result = seal(
        run_cli, sealing_repo, "--key-file", str(make_key(tmp_path / "id")), "--scan", f"127.0.0.1:{port}", "--yes"
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"✗ --scan 127.0.0.1:{port}: no SSH host key came back within 5s: check the address and that sshd runs "
        "there, or pass --known-hosts FILE"
    ]
    bad = seal(run_cli, sealing_repo, "--key-file", str(tmp_path / "id"), "--scan", "-oProxyCommand=x", "--yes")
    assert bad.exit_code == 2 and "is not HOST or HOST:PORT" in bad.stderr
    assert status(sealing_repo) == before
