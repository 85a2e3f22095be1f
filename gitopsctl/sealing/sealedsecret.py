"""SealedSecret objects: sealing a Secret into one, opening one with the controller's keys."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsctl.errors import InputError
from gitopsctl.sealing.crypto import DecryptionError, hybrid_decrypt, hybrid_encrypt
from gitopsctl.sealing.scope import Scope
from gitopsctl.sealing.secret import Secret

API_VERSION = "bitnami.com/v1alpha1"
KIND = "SealedSecret"


def seal(secret: Secret, public_key: rsa.RSAPublicKey, scope: Scope) -> dict[str, Any]:
    """The SealedSecret kubeseal would write for ``secret`` (all values under one label).

    A scope annotation already on the Secret is kept, as kubeseal keeps it: the effective
    scope is read back from the annotations, so label and annotations always agree.
    """
    annotations = {**secret.annotations, **scope.annotations()}
    effective = Scope.from_annotations(annotations)
    if effective is not Scope.CLUSTER_WIDE and not secret.namespace:
        raise InputError(
            f"secret {secret.name} has no namespace",
            hint="pass --namespace (strict and namespace-wide need one)",
        )
    label = effective.label(secret.namespace, secret.name)
    template_metadata = secret.metadata()
    if annotations:
        template_metadata["annotations"] = annotations
    template: dict[str, Any] = {"metadata": template_metadata}
    if secret.type:
        template["type"] = secret.type
    if secret.immutable is not None:
        template["immutable"] = secret.immutable
    top_metadata: dict[str, Any] = {"name": secret.name}
    if secret.namespace:
        top_metadata["namespace"] = secret.namespace
    if effective.annotations():
        top_metadata["annotations"] = effective.annotations()
    encrypted = {
        key: base64.b64encode(hybrid_encrypt(public_key, value, label)).decode()
        for key, value in sorted(secret.data.items())
    }
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": top_metadata,
        "spec": {"template": template, "encryptedData": encrypted},
    }


def scope_of(sealed: dict[str, Any]) -> Scope:
    """The scope the controller will use: read from the top-level metadata."""
    return Scope.from_annotations((sealed.get("metadata") or {}).get("annotations"))


def identity(sealed: dict[str, Any], source: str) -> tuple[str, str]:
    if not isinstance(sealed, dict) or sealed.get("kind") != KIND:
        kind = sealed.get("kind") if isinstance(sealed, dict) else type(sealed).__name__
        raise InputError(f"{source}: expected kind SealedSecret, found {kind!r}")
    metadata = sealed.get("metadata") or {}
    name = metadata.get("name")
    if not name:
        raise InputError(f"{source}: the SealedSecret has no metadata.name")
    return str(name), str(metadata.get("namespace") or "")


def unseal(sealed: dict[str, Any], private_keys: Sequence[rsa.RSAPrivateKey], source: str) -> dict[str, Any]:
    """The Secret the controller would create from ``sealed`` (what kubeseal --recovery-unseal prints)."""
    name, namespace = identity(sealed, source)
    label = scope_of(sealed).label(namespace, name)
    spec = sealed.get("spec") or {}
    data: dict[str, str] = {}
    for key, value in sorted((spec.get("encryptedData") or {}).items()):
        try:
            blob = base64.b64decode(str(value), validate=True)
        except (ValueError, binascii.Error):
            raise InputError(f"{source}: encryptedData.{key} is not valid base64") from None
        try:
            data[key] = base64.b64encode(hybrid_decrypt(private_keys, blob, label)).decode()
        except DecryptionError as error:
            raise InputError(
                f"{source}: {key}: {error}",
                hint="check that the keys are the controller's and that name, namespace and scope were not changed",
            ) from None
    template = spec.get("template") or {}
    metadata = {**(template.get("metadata") or {}), "name": name}
    if namespace:
        metadata["namespace"] = namespace
    secret: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata}
    if template.get("type"):
        secret["type"] = template["type"]
    if template.get("immutable") is not None:
        secret["immutable"] = template["immutable"]
    for key, value in (template.get("data") or {}).items():
        data.setdefault(key, base64.b64encode(str(value).encode()).decode())
    secret["data"] = data
    return secret


def merge(existing: dict[str, Any], update: dict[str, Any], source: str) -> dict[str, Any]:
    """Add or replace ``update``'s keys in ``existing``; every other key stays as it was."""
    if identity(existing, source) != identity(update, "the new secret"):
        raise InputError(
            f"{source} holds {'/'.join(reversed(identity(existing, source)))}, "
            f"not {'/'.join(reversed(identity(update, 'new')))}",
            hint="seal with the same --name and --namespace as the file you merge into",
        )
    if scope_of(existing) is not scope_of(update):
        raise InputError(
            f"{source} is sealed {scope_of(existing).value}, the new values {scope_of(update).value}",
            hint=f"pass --scope {scope_of(existing).value}",
        )
    merged = dict(existing)
    spec = dict(merged.get("spec") or {})
    spec["encryptedData"] = {**(spec.get("encryptedData") or {}), **update["spec"]["encryptedData"]}
    merged["spec"] = spec
    return merged


def load_private_keys(pems: Sequence[tuple[str, bytes]]) -> list[rsa.RSAPrivateKey]:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: PLC0415 - kept off the sealing path's start-up

    keys: list[rsa.RSAPrivateKey] = []
    for source, pem in pems:
        blocks = _pem_blocks(pem, b"PRIVATE KEY")
        if not blocks:
            raise InputError(
                f"{source}: no PEM private key found", hint="pass the tls.key of a sealed-secrets-key Secret"
            )
        for block in blocks:
            try:
                key = load_pem_private_key(block, password=None)
            except (ValueError, TypeError):
                raise InputError(f"{source}: the private key is malformed or encrypted") from None
            if not isinstance(key, rsa.RSAPrivateKey):
                raise InputError(f"{source}: not an RSA private key")
            keys.append(key)
    return keys


def _pem_blocks(pem: bytes, marker: bytes) -> list[bytes]:
    blocks: list[bytes] = []
    position = 0
    while True:
        start = pem.find(b"-----BEGIN ", position)
        if start < 0:
            return blocks
        end_marker = pem.find(b"-----END ", start)
        end = pem.find(b"-----", end_marker + 9)
        if end_marker < 0 or end < 0:
            return blocks
        if marker in pem[start : pem.find(b"\n", start)]:
            blocks.append(pem[start : end + 5])
        position = end + 5
