"""Kubernetes Secrets as gitopsctl builds and reads them, with plaintext kept as bytes.

Builders produce exactly what ``kubectl create secret …`` would, so a sealed value decrypts
to the same bytes an operator would have put in the cluster by hand.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from gitopsctl.errors import InputError
from gitopsctl.redaction import register_secret
from gitopsctl.shapes import kind_of

MAX_SECRET_BYTES = 1024 * 1024  # the API server's limit on a Secret (etcd's object size)
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
SSH_AUTH = "kubernetes.io/ssh-auth"

# Server-set fields kubeseal strips from an input Secret before sealing it.
_SERVER_FIELDS = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "selfLink",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Secret:
    """A Secret as gitopsctl builds it: values as bytes, checked as it is made.

    A plain class (not a dataclass, which costs ~1 ms on the sealing path's start), and its repr
    names the keys only: a value never reaches a log or a traceback through it.
    """

    __slots__ = ("annotations", "data", "extra_metadata", "immutable", "labels", "name", "namespace", "type")

    def __init__(
        self,
        name: str,
        namespace: str,
        data: dict[str, bytes],
        type: str | None = None,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        extra_metadata: dict[str, Any] | None = None,
        immutable: bool | None = None,
    ) -> None:
        self.name = name
        self.namespace = namespace
        self.data = data
        self.type = type
        self.labels = dict(labels or {})
        self.annotations = dict(annotations or {})
        self.extra_metadata = dict(extra_metadata or {})
        self.immutable = immutable
        validate_name(self.name, "secret name")
        if self.namespace:
            validate_namespace(self.namespace)
        for key, value in self.data.items():
            validate_data_key(key)
            register_secret(value)

    def __repr__(self) -> str:
        return f"Secret({self.namespace}/{self.name}, keys={sorted(self.data)})"

    def check_size(self) -> None:
        """The API server refuses a Secret over 1 MiB: say so now, not after the push."""
        size = sum(len(value) for value in self.data.values())
        if size > MAX_SECRET_BYTES:
            raise InputError(
                f"Secret {self.namespace}/{self.name} holds {size:,} bytes; the API server refuses Secrets over 1 MiB",
                hint="keep large files out of Secrets (a ConfigMap, a volume, or an image)",
            )

    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {**self.extra_metadata, "name": self.name}
        if self.namespace:
            metadata["namespace"] = self.namespace
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        return metadata

    def manifest(self) -> dict[str, Any]:
        """The Secret as Kubernetes stores it (data base64-encoded)."""
        document: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": self.metadata()}
        if self.type:
            document["type"] = self.type
        if self.immutable is not None:
            document["immutable"] = self.immutable
        document["data"] = {k: base64.b64encode(v).decode() for k, v in sorted(self.data.items())}
        return document


def validate_name(name: str, what: str) -> None:
    if len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        raise InputError(
            f"{what} '{name}' is not a valid DNS-1123 name",
            hint="use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
        )


def validate_namespace(namespace: str) -> None:
    if len(namespace) > 63 or not DNS1123_LABEL.match(namespace):
        raise InputError(
            f"namespace '{namespace}' is not a valid DNS-1123 label",
            hint="use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        )


def validate_data_key(key: str) -> None:
    if len(key) > 253 or not DATA_KEY.match(key):
        raise InputError(
            f"secret key '{key}' is not valid", hint="keys may contain only letters, digits, '-', '_' and '.'"
        )


def go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it (compact, HTML characters escaped)."""
    import json  # noqa: PLC0415 - kept off the sealing path's start-up

    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text.encode()


def docker_config_json(registry: str, username: str, password: str) -> bytes:
    """What `kubectl create secret docker-registry` stores under .dockerconfigjson."""
    if "://" in registry or "/" in registry.rstrip("/"):
        raise InputError(
            f"registry '{registry}' must be host[:port] as in image references",
            hint="drop the scheme and path, e.g. 192.168.0.40:5000",
        )
    register_secret(password)
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    register_secret(auth)
    return go_json({"auths": {registry: {"username": username, "password": password, "auth": auth}}})


def read_file_bytes(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{what} {path}: permission denied") from None


def parse_env_file(text: str, source: str) -> dict[str, bytes]:
    """KEY=VALUE lines as kubectl --from-env-file reads them (no quote processing)."""
    values: dict[str, bytes] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        key, separator, value = line.partition("=")
        if not separator:
            raise InputError(f"{source}:{number}: expected KEY=VALUE")
        validate_data_key(key)
        values[key] = value.encode()
    return values


def secrets_from_manifests(documents: list[Any], source: str) -> list[Secret]:
    """Secrets from parsed YAML/JSON documents (a List is unpacked), as kubeseal reads them."""
    secrets: list[Secret] = []
    for document in documents:
        if document is None:
            continue
        if isinstance(document, dict) and document.get("kind") == "List":
            secrets.extend(secrets_from_manifests(list(document.get("items") or []), source))
            continue
        secrets.append(_secret_from_manifest(document, source))
    if not secrets:
        raise InputError(f"{source}: no Secret found", hint="pass a Secret manifest (YAML or JSON)")
    return secrets


def _require_string(value: Any, source: str, where: str, name: str, key: str) -> None:
    """A Secret's values are strings, as kubectl decodes them: YAML's 0123, true or an empty value
    are a number, a boolean, null, and sealing their str() would change the secret. The message
    says what was read, never the value."""
    if isinstance(value, str):
        return
    raise InputError(
        f"{source}: {where} of Secret {name} is {kind_of(value)}, not a string",
        hint=f'quote it ({key}: "..."), as kubectl and kubeseal require',
    )


def _secret_from_manifest(document: Any, source: str) -> Secret:
    if not isinstance(document, dict) or document.get("kind") != "Secret":
        kind = document.get("kind") if isinstance(document, dict) else type(document).__name__
        raise InputError(f"{source}: expected kind Secret, found {kind!r}")
    metadata = dict(document.get("metadata") or {})
    name = metadata.pop("name", None)
    if not name:
        raise InputError(f"{source}: the Secret has no metadata.name")
    data: dict[str, bytes] = {}
    for key, value in (document.get("data") or {}).items():
        _require_string(value, source, f"data.{key}", name, key)
        try:
            data[key] = base64.b64decode(value, validate=True)
        except ValueError:
            raise InputError(f"{source}: data.{key} of Secret {name} is not valid base64") from None
    for key, value in (document.get("stringData") or {}).items():
        _require_string(value, source, f"stringData.{key}", name, key)
        data[key] = value.encode()
    if not data:
        raise InputError(f"{source}: Secret {name} has neither data nor stringData")
    namespace = metadata.pop("namespace", "") or ""
    labels = dict(metadata.pop("labels", None) or {})
    annotations = dict(metadata.pop("annotations", None) or {})
    annotations.pop(_LAST_APPLIED, None)
    for server_field in _SERVER_FIELDS:
        metadata.pop(server_field, None)
    return Secret(
        name=str(name),
        namespace=str(namespace),
        data=data,
        type=document.get("type"),
        labels={str(k): str(v) for k, v in labels.items()},
        annotations={str(k): str(v) for k, v in annotations.items()},
        extra_metadata=metadata,
        immutable=document.get("immutable"),
    )
