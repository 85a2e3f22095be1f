"""The key backup format: what gitopsctl writes, openssl opens with the passphrase, and nothing
else opens; damage and the wrong passphrase are one line each."""

from __future__ import annotations

import os
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from gitopsctl.errors import InputError
from gitopsctl.sealing.keys import SealingKey, check_belongs, read_backup, write_backup, write_private_file
from tests.conftest import TEST_CERT, TEST_KEY

PASSPHRASE = "correct horse battery staple"


def sealing_key(name: str = "sealed-secrets-keyabcde") -> SealingKey:
    return SealingKey(name, "active", "2026-11-01T10:00:00Z", TEST_CERT.read_bytes(), TEST_KEY.read_bytes())


def test_a_backup_round_trips_and_holds_no_key_in_the_clear():
    key = sealing_key()
    data = write_backup([key], PASSPHRASE, "production")
    assert b"PRIVATE KEY-----" in data and b"BEGIN ENCRYPTED PRIVATE KEY" in data
    assert b"BEGIN RSA PRIVATE KEY" not in data and b"BEGIN PRIVATE KEY" not in data
    clear = serialization.load_pem_private_key(TEST_KEY.read_bytes(), password=None)
    der = clear.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert der[-64:] not in data
    cluster, [restored] = read_backup(data, PASSPHRASE, "backup.pem")
    assert cluster == "production"
    assert (restored.name, restored.state, restored.created) == (key.name, "active", key.created)
    assert restored.fingerprint == key.fingerprint
    reloaded = serialization.load_pem_private_key(restored.private_key_pem, password=None)
    assert reloaded.private_numbers() == clear.private_numbers()  # type: ignore[union-attr]


def test_openssl_opens_it_with_the_passphrase_as_the_guide_shows(tmp_path):
    backup = tmp_path / "keys.pem"
    backup.write_bytes(write_backup([sealing_key(), sealing_key("sealed-secrets-keyfghij")], PASSPHRASE, "production"))
    env = {**os.environ, "GITOPSCTL_KEYS_PASSPHRASE": PASSPHRASE}
    keys = subprocess.run(
        ["openssl", "storeutl", "-keys", "-passin", "env:GITOPSCTL_KEYS_PASSPHRASE", str(backup)],
        capture_output=True, text=True, env=env, timeout=30, check=True,
    )  # fmt: skip
    assert keys.stdout.count("BEGIN PRIVATE KEY") == 2
    wrong = subprocess.run(
        ["openssl", "storeutl", "-keys", "-passin", "pass:not-the-passphrase", str(backup)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "BEGIN PRIVATE KEY" not in wrong.stdout


def test_the_wrong_passphrase_is_one_line():
    data = write_backup([sealing_key()], PASSPHRASE, "production")
    with pytest.raises(InputError) as caught:
        read_backup(data, "another passphrase", "backup.pem")
    assert str(caught.value) == (
        "the passphrase does not open backup.pem (or the file was damaged): "
        "type the passphrase the backup was made with"
    )


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda d: d[: len(d) // 2], "it lists 1 key(s) but holds"),
        (lambda d: d.replace(b"# gitopsctl keys backup v1", b"# something else"), "is not a gitopsctl keys backup"),
        (lambda d: d.replace(b"MII", b"MIJ", 1), "damaged"),
    ],
)
def test_a_damaged_backup_is_one_line(damage, words):
    data = damage(write_backup([sealing_key()], PASSPHRASE, "production"))
    with pytest.raises(InputError) as caught:
        read_backup(data, PASSPHRASE, "backup.pem")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_another_clusters_backup_is_refused_before_anything_changes():
    key = sealing_key()
    check_belongs([key], key.fingerprint, "production", "production", force=False)
    with pytest.raises(InputError, match="match nothing this repository pins for production"):
        check_belongs([key], "sha256:" + "0" * 64, "staging", "production", force=False)
    with pytest.raises(InputError, match="made of cluster staging, not production"):
        check_belongs([key], "", "staging", "production", force=False)
    check_belongs([key], "sha256:" + "0" * 64, "staging", "production", force=True)


def test_the_file_is_private_and_never_inside_a_work_tree(tmp_path):
    target = tmp_path / "keys.pem"
    write_private_file(target, b"data", force=False)
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(InputError, match="exists"):
        write_private_file(target, b"data", force=False)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "backups").mkdir()
    with pytest.raises(InputError, match="inside the Git work tree"):
        write_private_file(tmp_path / "repo" / "backups" / "keys.pem", b"data", force=True)
    assert not (tmp_path / "repo" / "backups" / "keys.pem").exists()
