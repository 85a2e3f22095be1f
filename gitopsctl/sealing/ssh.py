"""The deploy Job's SSH material, checked before it is sealed: a key a Job can use, host keys it can trust.

A Job cannot type a passphrase, and ssh with ``UserKnownHostsFile`` fails with "Host key
verification failed" when the sealed secret has no known_hosts: both would otherwise surface
minutes later, in the cluster, after the secret was pushed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_ssh_private_key

from gitopsctl.errors import InputError, OperationFailed
from gitopsctl.runner import Runner

SCAN_TIMEOUT_SECONDS = 5
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


@dataclass(frozen=True)
class HostKey:
    hosts: str
    key_type: str
    blob: bytes

    @property
    def fingerprint(self) -> str:
        """As ssh-keygen -l prints it: SHA256 of the key blob, unpadded base64."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")

    def line(self) -> str:
        return f"{self.hosts} {self.key_type} {base64.b64encode(self.blob).decode()}"


def check_private_key(key: bytes, source: str) -> None:
    """Refuse what a Job cannot use: not a private key, or one protected by a passphrase.

    The messages name the file, never its content.
    """
    if b"PRIVATE KEY-----" not in key:
        raise InputError(
            f"--key-file {source}: not a PEM or OpenSSH private key",
            hint="pass the private key (e.g. ~/.ssh/id_ed25519), not the .pub file",
        )
    loader = load_ssh_private_key if b"BEGIN OPENSSH PRIVATE KEY" in key else load_pem_private_key
    try:
        loader(key, password=None)
    except TypeError:
        # cryptography raises TypeError only for a key that needs a password.
        raise InputError(
            f"--key-file {source}: the key is protected by a passphrase, which the deploy Job cannot type",
            hint="use a key without one for the Job (on a copy: ssh-keygen -p -N '' -f COPY)",
        ) from None
    except (ValueError, binascii.Error):
        raise InputError(
            f"--key-file {source}: the private key cannot be read (damaged or an unsupported format)",
            hint="generate one with ssh-keygen -t ed25519 -N '' -f deploy_key",
        ) from None
    except Exception as error:  # cryptography's UnsupportedAlgorithm and kin: still the file's fault
        raise InputError(f"--key-file {source}: unsupported private key ({type(error).__name__})") from None


def parse_known_hosts(text: str, source: str) -> list[HostKey]:
    """The host keys of a known_hosts file; a line that is not one is an input error naming it."""
    keys: list[HostKey] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if fields[0].startswith("@"):  # @cert-authority / @revoked markers
            fields = fields[1:]
        if len(fields) < 3:
            raise InputError(f"{source}:{number}: not a known_hosts line (HOSTS KEYTYPE BASE64-KEY)")
        try:
            blob = base64.b64decode(fields[2], validate=True)
        except binascii.Error:
            raise InputError(f"{source}:{number}: the key is not valid base64") from None
        if _key_type_of(blob) != fields[1]:
            raise InputError(f"{source}:{number}: the key is not a {fields[1]} key")
        keys.append(HostKey(fields[0], fields[1], blob))
    if not keys:
        raise InputError(
            f"{source}: no host key in it", hint="write it with ssh-keyscan HOST, or use --scan HOST to do that here"
        )
    return keys


def scan(runner: Runner, target: str) -> list[HostKey]:
    """The host keys ``target`` (HOST or HOST:PORT, [IPv6]:PORT) offers, read with ssh-keyscan."""
    host, port = split_target(target)
    args = ["-T", str(SCAN_TIMEOUT_SECONDS)]
    if port:
        args += ["-p", port]
    # ssh-keyscan exits 1 when a host does not answer; the empty output says it below.
    result = runner.run("ssh-keyscan", [*args, host], timeout=SCAN_TIMEOUT_SECONDS * 4, ok_codes=(0, 1))
    lines = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise OperationFailed(
            f"--scan {target}: no SSH host key came back within {SCAN_TIMEOUT_SECONDS}s",
            hint="check the address and that sshd runs there, or pass --known-hosts FILE",
        )
    return parse_known_hosts("\n".join(lines), f"ssh-keyscan {target}")


def split_target(target: str) -> tuple[str, str]:
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        port = rest.removeprefix(":")
    elif target.count(":") == 1:
        host, port = target.split(":")
    else:
        host, port = target, ""
    # ssh-keyscan takes a leading '-' as an option: only host-name characters are let through.
    if not _HOST.match(host) or (port and not port.isdigit()):
        raise InputError(f"--scan {target!r} is not HOST or HOST:PORT", hint="e.g. --scan 192.168.0.50:22")
    return host, port


def _key_type_of(blob: bytes) -> str:
    """The key type an SSH public key blob names in its first field (RFC 4253 string)."""
    if len(blob) < 4:
        return ""
    length = int.from_bytes(blob[:4], "big")
    return blob[4 : 4 + length].decode("ascii", errors="replace")
