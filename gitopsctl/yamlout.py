"""YAML output in the form Kubernetes tools write it (sigs.k8s.io/yaml).

All keys sorted, two-space indent, sequences not indented under their key, a string quoted
only when it would otherwise read as something else, long values never wrapped. Small and
import-free, so sealing does not pay for a YAML library's start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_ ./+=@-]*$")
_RESERVED = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO"
    r"|on|On|ON|off|Off|OFF|[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o?[0-7]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?\d+(?::\d+)+)$"
)


def dump(document: Any) -> str:
    return "".join(_lines(document, 0)) if isinstance(document, dict | list) else _scalar(document) + "\n"


def dump_all(documents: Iterable[Any]) -> str:
    """Each document preceded by ``---``, as kubeseal writes them."""
    return "".join("---\n" + dump(document) for document in documents)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _json(value)
    text = str(value)
    if _PLAIN.match(text) and not _RESERVED.match(text) and not text.endswith(" "):
        return text
    return _json(text)


def _json(value: Any) -> str:
    """A number, or a string that needs quoting, as JSON writes it (valid YAML). json is imported
    only here: a SealedSecret (base64 and plain names) is written without it."""
    import json

    return json.dumps(value)


def _lines(node: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    if isinstance(node, dict):
        if not node:
            yield pad + "{}\n"
            return
        for key in sorted(node):
            value = node[key]
            label = f"{pad}{_scalar(str(key))}:"
            if isinstance(value, dict) and value:
                yield label + "\n"
                yield from _lines(value, indent + 2)
            elif isinstance(value, list) and value:
                yield label + "\n"
                yield from _lines(value, indent)
            else:
                yield f"{label} {_inline(value)}\n"
    else:
        if not node:
            yield pad + "[]\n"
            return
        for item in node:
            if isinstance(item, dict | list) and item:
                first, *rest = list(_lines(item, indent + 2))
                yield f"{pad}- {first[indent + 2 :]}"
                yield from rest
            else:
                yield f"{pad}- {_inline(item)}\n"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)
