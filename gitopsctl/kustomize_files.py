"""Editing the operator's kustomization.yaml files without losing their comments or order."""

from __future__ import annotations

import io
from pathlib import Path

from gitopsctl.errors import InputError
from gitopsctl.files import write_atomically

KUSTOMIZATION = "kustomization.yaml"


def _round_trip():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 4096
    return yaml


def ensure_resource(directory: Path, resource: str) -> bool:
    """List ``resource`` in ``directory``/kustomization.yaml; True when the file changed."""
    path = directory / KUSTOMIZATION
    yaml = _round_trip()
    if path.is_file():
        try:
            document = yaml.load(path.read_text(encoding="utf-8"))
        except Exception as exc:  # ruamel raises many YAMLError subclasses
            raise InputError(f"{path}: not valid YAML ({type(exc).__name__})", hint="fix it and run again") from None
        if document is None:
            document = yaml.load("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
    else:
        document = yaml.load("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
    resources = document.get("resources")
    if resources is None:
        from ruamel.yaml.comments import CommentedSeq

        resources = CommentedSeq()
        document["resources"] = resources
    if resource in resources:
        return False
    resources.append(resource)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    write_atomically(path, buffer.getvalue())
    return True


def load_yaml_documents(text: str, source: str) -> list[object]:
    """All documents of a YAML (or JSON) stream, as plain dicts and lists."""
    from ruamel.yaml import YAML

    try:
        return [document for document in YAML(typ="safe", pure=True).load_all(text) if document is not None]
    except Exception as exc:  # ruamel raises many YAMLError subclasses
        raise InputError(f"{source}: not valid YAML or JSON ({type(exc).__name__})") from None
