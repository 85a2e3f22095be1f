"""The shapes of the Kubernetes fields gitopsctl reads, checked once, where manifests are loaded.

A manifest with `metadata: true`, or a string where a container or a dependsOn entry belongs,
used to reach the code that reads it and end in "unexpected error". Every document the one
loader returns has been held against these shapes, so readers can rely on them; a wrong shape
is an input error naming the file, the object and the field. Only the fields gitopsctl reads
are described: anything else is the API server's to judge.
"""

from __future__ import annotations

from typing import Any

from gitopsctl.errors import InputError

# A shape is a type (str, bool), a dict of field shapes (a mapping; fields are optional), a
# one-item list (a sequence of that shape), or MAP_OF_STRINGS.
MAP_OF_STRINGS = "map of strings"

METADATA = {"name": str, "namespace": str, "labels": MAP_OF_STRINGS, "annotations": MAP_OF_STRINGS}
NAME_REFERENCE = {"name": str, "namespace": str}
CONTAINER = {
    "name": str,
    "image": str,
    "command": [str],
    "args": [str],
    "env": [{"name": str, "valueFrom": {"secretKeyRef": {"name": str, "key": str}}}],
    "envFrom": [{"secretRef": {"name": str}}],
    "volumeMounts": [{"name": str, "mountPath": str}],
}
POD = {
    "containers": [CONTAINER],
    "initContainers": [CONTAINER],
    "imagePullSecrets": [{"name": str}],
    "volumes": [{"name": str, "secret": {"secretName": str, "items": [{"key": str, "path": str}]}}],
}
POD_TEMPLATE = {"metadata": METADATA, "spec": POD}
SOURCE = {"spec": {"url": str, "secretRef": {"name": str}}}

KINDS: dict[str, dict[str, Any]] = {
    "Secret": {"data": dict, "stringData": dict, "type": str},  # values: the Secret reader's own check
    "SealedSecret": {
        "spec": {
            "encryptedData": MAP_OF_STRINGS,
            "template": {"metadata": METADATA, "type": str, "data": MAP_OF_STRINGS},
        }
    },
    "Kustomization": {
        "spec": {
            "path": str,
            "sourceRef": {"kind": str, "name": str, "namespace": str},
            "dependsOn": [NAME_REFERENCE],
            "healthChecks": [{"apiVersion": str, "kind": str, "name": str, "namespace": str}],
            "suspend": bool,
        },
        "resources": [str],
    },
    "Deployment": {"spec": {"template": POD_TEMPLATE}},
    "StatefulSet": {"spec": {"template": POD_TEMPLATE}},
    "DaemonSet": {"spec": {"template": POD_TEMPLATE}},
    "ReplicaSet": {"spec": {"template": POD_TEMPLATE}},
    "Job": {"spec": {"template": POD_TEMPLATE}},
    "CronJob": {"spec": {"jobTemplate": {"spec": {"template": POD_TEMPLATE}}}},
    "ImageUpdateAutomation": {
        "spec": {
            "suspend": bool,
            "sourceRef": NAME_REFERENCE,
            "git": {"commit": {"author": {"name": str, "email": str}}, "push": {"branch": str}},
            "update": {"path": str, "strategy": str},
        }
    },
    "ImagePolicy": {"spec": {"imageRepositoryRef": NAME_REFERENCE}},
    "ImageRepository": SOURCE,
    "GitRepository": SOURCE,
    "HelmRepository": SOURCE,
    "OCIRepository": SOURCE,
    "List": {"items": [dict]},
}


def check_shapes(document: Any, source: str) -> None:
    """Refuse ``document`` when a field gitopsctl reads has the wrong shape (one line, exit 2)."""
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    if not isinstance(kind, str):
        return
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) and isinstance(metadata.get("name"), str) else ""
    where = f"{source}: {kind} {name}".rstrip()
    _check(document, {"metadata": METADATA, **KINDS.get(kind, {})}, "", where)
    if kind == "List":
        for index, item in enumerate(document.get("items") or []):
            check_shapes(item, f"{source}: items[{index}]")


def _check(value: Any, shape: Any, path: str, where: str, *, optional: bool = True) -> None:
    if value is None and optional:
        return  # absent or null: an optional field (a list's entries are not optional)
    if isinstance(shape, dict):
        _expect(value, dict, path, where)
        for field, inner in shape.items():
            _check(value.get(field), inner, f"{path}.{field}" if path else field, where)
    elif isinstance(shape, list):
        _expect(value, list, path, where)
        for index, item in enumerate(value):
            _check(item, shape[0], f"{path}[{index}]", where, optional=False)
    elif shape == MAP_OF_STRINGS:
        _expect(value, dict, path, where)
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, str):
                wrong = key if not isinstance(key, str) else item
                raise InputError(
                    f"{where}: {path} must map strings to strings, but holds {kind_of(wrong)}",
                    hint='quote the value ("...") and run again',
                )
    else:
        _expect(value, shape, path, where)


_WORDS = {str: "a string", bool: "true or false", dict: "a mapping", list: "a list"}


def _expect(value: Any, expected: type, path: str, where: str) -> None:
    if isinstance(value, expected) and not (expected is not bool and isinstance(value, bool)):
        return
    raise InputError(
        f"{where}: {path or 'the document'} must be {_WORDS[expected]}, not {kind_of(value)}",
        hint="fix it and run again",
    )


def kind_of(value: Any) -> str:
    """What YAML read, in words for an error message (never the value itself)."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):  # before int: YAML's true is a bool, and a bool is an int
        return "a boolean"
    for kind, words in ((str, "a string"), (int | float, "a number"), (dict, "a mapping"), (list, "a list")):
        if isinstance(value, kind):
            return words
    return type(value).__name__
