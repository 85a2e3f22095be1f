"""Editing the operator's kustomization.yaml files without losing their comments or order."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


_DOCUMENT_START = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)
_PREAMBLE = re.compile(r"\A(?:---[^\n]*\n)?(?:[ \t]*(?:#[^\n]*)?\n)*")


def rewrite_documents(text: str, source: str, replace: Callable[[Any], Any | None]) -> tuple[str, int]:
    """``text`` with each document that ``replace`` answers for (not None) written anew.

    Every other document, and the separator and comments above a rewritten one, are kept
    byte for byte: a file that holds a SealedSecret beside other objects stays what it was.
    Returns the new text and how many documents were rewritten.
    """
    from gitopsctl.yamlout import dump

    starts = sorted({0, *(match.start() for match in _DOCUMENT_START.finditer(text))})
    chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    rewritten = 0
    for index, chunk in enumerate(chunks):
        documents = load_yaml_documents(chunk, source)
        if len(documents) != 1:
            continue  # only comments, or nothing
        replacement = replace(documents[0])
        if replacement is None:
            continue
        preamble = _PREAMBLE.match(chunk)
        chunks[index] = (preamble.group(0) if preamble else "") + dump(replacement)
        rewritten += 1
    return "".join(chunks), rewritten
