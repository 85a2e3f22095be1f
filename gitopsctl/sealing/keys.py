"""The Sealed Secrets controller's private keys: what it holds, a backup encrypted at rest, and
putting them back into a new cluster.

The controller keeps each key pair as a ``kubernetes.io/tls`` Secret in its namespace, labelled
``sealedsecrets.bitnami.com/sealed-secrets-key`` ("active", or "compromised" once rotated out of
use), loads them all when it starts, seals with the newest, and makes a new one every
``--key-renew-period`` (30 days by default). Every SealedSecret in Git opens only with the key that
sealed it: lose the keys with the cluster and Git holds nothing but ciphertext.

The backup is one PEM file that openssl reads: comment lines naming the cluster and each key,
then per key its certificate and its private key as encrypted PKCS#8 (PBES2, AES-256-CBC, a key
derived from the passphrase), so ``openssl storeutl -keys -passin env:VAR FILE`` opens it
without gitopsctl. A private key exists in the clear only in this process's memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsctl.errors import InputError, OperationFailed
from gitopsctl.files import replace_atomically
from gitopsctl.kube import Kube
from gitopsctl.redaction import register_secret
from gitopsctl.sealing.certificate import SealingCertificate
from gitopsctl.sealing.sources import SEALING_KEY_LABEL as KEY_LABEL

# The controller's default --key-renew-period (bitnami/sealed-secrets cmd/controller).
DEFAULT_RENEW_PERIOD = dt.timedelta(days=30)
HEADER = "# gitopsctl keys backup v1"
_KEY_LINE = re.compile(r"^# key (?P<name>\S+) (?P<state>\S+) (?P<created>\S+)$", re.MULTILINE)
_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", re.DOTALL)
_ENCRYPTED_KEY = re.compile(
    rb"-----BEGIN ENCRYPTED PRIVATE KEY-----.+?-----END ENCRYPTED PRIVATE KEY-----\n?", re.DOTALL
)


@dataclass(frozen=True)
class SealingKey:
    name: str
    state: str  # the label's value: "active" or "compromised"
    created: str  # the Secret's creationTimestamp (RFC 3339)
    certificate_pem: bytes
    # unencrypted, in memory only; empty when only listed (keys list never reads a private key)
    private_key_pem: bytes = field(default=b"", repr=False)

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    @property
    def fingerprint(self) -> str:
        public_key = self.certificate.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        return SealingCertificate(self.certificate, public_key, self.certificate_pem).fingerprint

    @property
    def created_at(self) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(self.created.replace("Z", "+00:00"))
        except ValueError:
            return self.certificate.not_valid_before_utc

    def secret(self, namespace: str) -> dict[str, object]:
        """The Secret the controller loads this key from."""
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"name": self.name, "namespace": namespace, "labels": {KEY_LABEL: self.state}},
            "data": {
                "tls.crt": base64.b64encode(self.certificate_pem).decode(),
                "tls.key": base64.b64encode(self.private_key_pem).decode(),
            },
        }


def list_keys(kube: Kube, namespace: str) -> list[SealingKey]:
    """The controller's keys without their private halves (a jsonpath selects the rest), oldest first."""
    label = KEY_LABEL.replace(".", "\\.")
    template = (
        f'{{range .items[*]}}{{.metadata.name}}{{" "}}{{.metadata.labels.{label}}}{{" "}}'
        '{.metadata.creationTimestamp}{" "}{.data.tls\\.crt}{"\\n"}{end}'
    )
    output = kube.kubectl(["get", "secrets", "-n", namespace, "-l", KEY_LABEL, "-o", f"jsonpath={template}"])
    keys = []
    for line in output.splitlines():
        words = line.split()
        if len(words) != 4:
            continue
        name, state, created, certificate = words
        try:
            keys.append(SealingKey(name, state, created, base64.b64decode(certificate)))
        except ValueError:
            continue
    return sorted(keys, key=lambda k: (k.created_at, k.name))


def read_keys(kube: Kube, namespace: str) -> list[SealingKey]:
    """The controller's keys, oldest first; each private key is registered for redaction as read."""
    listing = json.loads(kube.kubectl(["get", "secrets", "-n", namespace, "-l", KEY_LABEL, "-o", "json"]))
    keys = []
    for item in listing.get("items") or []:
        data = item.get("data") or {}
        metadata = item.get("metadata") or {}
        try:
            private_key = base64.b64decode(data["tls.key"])
            certificate = base64.b64decode(data["tls.crt"])
        except (KeyError, ValueError):
            continue  # not a key pair the controller could load either
        register_secret(private_key.decode("ascii", errors="replace"))
        keys.append(
            SealingKey(
                name=str(metadata.get("name", "")),
                state=str((metadata.get("labels") or {}).get(KEY_LABEL, "active")),
                created=str(metadata.get("creationTimestamp", "")),
                certificate_pem=certificate,
                private_key_pem=private_key,
            )
        )
    return sorted(keys, key=lambda k: (k.created_at, k.name))


def renew_period(kube: Kube, namespace: str, deployment: str) -> dt.timedelta | None:
    """The controller's --key-renew-period (0 turns renewal off), from its Deployment's args;
    None when there is no such Deployment."""
    output = kube.kubectl(["get", "deployment", deployment, "-n", namespace, "--ignore-not-found", "-o", "json"])
    if not output.strip():
        return None
    document = json.loads(output)
    containers = ((document.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    words = [str(w) for c in containers for w in [*(c.get("command") or []), *(c.get("args") or [])]]
    for index, word in enumerate(words):
        value = None
        if word.startswith("--key-renew-period="):
            value = word.partition("=")[2]
        elif word == "--key-renew-period" and index + 1 < len(words):
            value = words[index + 1]
        if value is not None:
            return parse_go_duration(value)
    return DEFAULT_RENEW_PERIOD


def parse_go_duration(text: str) -> dt.timedelta:
    """Go's time.Duration text as the controller takes it: 720h, 1h30m, 0."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if text.strip() in ("0", ""):
        return dt.timedelta(0)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise InputError(f"--key-renew-period {text!r} is not a duration", hint="e.g. 720h")
    return dt.timedelta(seconds=sum(float(n) * units[u] for n, u in parts))


def write_backup(keys: list[SealingKey], passphrase: str, cluster: str, now: dt.datetime | None = None) -> bytes:
    """The backup file's bytes: every key encrypted with ``passphrase``, certificates in the clear."""
    if not keys:
        raise OperationFailed("the controller holds no sealing keys", hint="is Sealed Secrets installed and running?")
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [HEADER, f"# cluster {cluster}", f"# created {stamp}"]
    blocks: list[bytes] = []
    encryption = serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
    for key in keys:
        private = serialization.load_pem_private_key(key.private_key_pem, password=None)
        lines.append(f"# key {key.name} {key.state} {key.created or '-'}")
        lines.append(f"#   {key.fingerprint}")
        encrypted = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        blocks.append(key.certificate_pem.rstrip(b"\n") + b"\n" + encrypted)
    return ("\n".join(lines) + "\n").encode() + b"".join(blocks)


def read_backup(data: bytes, passphrase: str, source: str) -> tuple[str, list[SealingKey]]:
    """The cluster a backup was made of and its keys, decrypted; one line for what is wrong with it."""
    text = data.decode("utf-8", errors="replace")
    damaged = f"{source} is not a whole gitopsctl keys backup"
    if not text.startswith(HEADER):
        raise InputError(f"{source} is not a gitopsctl keys backup", hint="pass the file gitopsctl keys backup wrote")
    cluster = next((line[len("# cluster ") :] for line in text.splitlines() if line.startswith("# cluster ")), "")
    named = list(_KEY_LINE.finditer(text))
    certificates = _CERTIFICATE.findall(data)
    encrypted = _ENCRYPTED_KEY.findall(data)
    if not named or not (len(named) == len(certificates) == len(encrypted)):
        raise InputError(
            f"{damaged}: it lists {len(named)} key(s) but holds {len(certificates)} certificate(s) and "
            f"{len(encrypted)} key block(s)",
            hint="it was cut short or edited; use another copy",
        )
    keys = []
    for line, certificate_pem, block in zip(named, certificates, encrypted, strict=True):
        try:
            private = serialization.load_pem_private_key(block, password=passphrase.encode("utf-8"))
        except (ValueError, TypeError):
            raise InputError(
                f"the passphrase does not open {source} (or the file was damaged)",
                hint="type the passphrase the backup was made with",
            ) from None
        if not isinstance(private, rsa.RSAPrivateKey):
            raise InputError(f"{damaged}: the key of {line['name']} is not an RSA key")
        try:
            certificate = x509.load_pem_x509_certificate(certificate_pem)
        except ValueError:
            raise InputError(f"{damaged}: the certificate of {line['name']} is damaged") from None
        public = certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey) or public.public_numbers() != private.public_key().public_numbers():
            raise InputError(
                f"{damaged}: the certificate of {line['name']} does not belong to its key",
                hint="it was edited; use another copy",
            )
        clear = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        register_secret(clear.decode("ascii"))
        keys.append(
            SealingKey(
                name=line["name"],
                state=line["state"],
                created="" if line["created"] == "-" else line["created"],
                certificate_pem=certificate_pem if certificate_pem.endswith(b"\n") else certificate_pem + b"\n",
                private_key_pem=clear,
            )
        )
    return cluster, keys


def restore_keys(kube: Kube, namespace: str, keys: list[SealingKey]) -> None:
    """Put the keys where the controller loads them from (stdin only: no key in an argv or a file)."""
    manifests = {"apiVersion": "v1", "kind": "List", "items": [key.secret(namespace) for key in keys]}
    existing = kube.kubectl(["get", "namespace", namespace, "--ignore-not-found", "-o", "name"])
    if not existing.strip():
        kube.kubectl(["create", "namespace", namespace])
    kube.kubectl(["apply", "--server-side", "--field-manager=gitopsctl", "-f", "-"], stdin=json.dumps(manifests))


def restart_controller(kube: Kube, namespace: str, deployment: str, timeout: float) -> None:
    """The controller reads its keys only when it starts."""
    kube.kubectl(["rollout", "restart", f"deployment/{deployment}", "-n", namespace])
    kube.kubectl(
        ["rollout", "status", f"deployment/{deployment}", "-n", namespace, f"--timeout={int(timeout)}s"],
        timeout=timeout + 10,
    )


def check_private_target(target: Path, *, force: bool) -> None:
    """Refuse, before anything is read, a backup file inside a Git work tree (a key backup must
    not be one `git add -A` away from a push), or an existing one without ``force``."""
    folder = target.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            raise InputError(
                f"{target} is inside the Git work tree {candidate}",
                hint="write the backup outside any repository (e.g. ~/backups/sealing-keys.pem)",
            )
    if target.exists() and not force:
        raise InputError(f"{target} exists", hint="pass --force to replace it, or choose another file")


def write_private_file(target: Path, data: bytes, *, force: bool) -> None:
    """Write ``data`` readable by its owner only (mode 0600 from the start, then renamed into place)."""
    check_private_target(target, force=force)
    try:
        replace_atomically(target, data, mode=0o600)
    except OSError as error:
        raise InputError(f"cannot write {target} ({error.strerror})", hint="choose a folder you can write") from None


def read_backup_file(source: Path, passphrase: str) -> tuple[str, list[SealingKey]]:
    try:
        data = source.read_bytes()
    except OSError as error:
        raise InputError(f"{source}: cannot be read ({error.strerror})", hint="check the path") from None
    return read_backup(data, passphrase, str(source))


def check_belongs(keys: list[SealingKey], pinned: str, made_of: str, cluster: str, *, force: bool) -> None:
    """Refuse, before anything changes, a backup that is not this cluster's: its keys match nothing
    the repository pins (or, with no pin, it names another cluster). SealedSecrets sealed for
    this cluster would stay closed, and the controller would hold keys it should not."""
    if force:
        return
    fingerprints = [k.fingerprint for k in keys]
    if pinned and pinned not in fingerprints:
        raise InputError(
            f"the backup's {len(keys)} key(s) match nothing this repository pins for {cluster} ({pinned}); "
            f"it was made of cluster {made_of or '?'}",
            hint="restore this cluster's backup, or pass --force to restore these keys anyway",
        )
    if not pinned and made_of and made_of != cluster:
        raise InputError(
            f"the backup was made of cluster {made_of}, not {cluster}",
            hint="restore this cluster's backup, or pass --force to restore these keys anyway",
        )


def controller_present(kube: Kube, namespace: str, deployment: str) -> bool:
    output = kube.kubectl(["get", "deployment", deployment, "-n", namespace, "--ignore-not-found", "-o", "name"])
    return bool(output.strip())
